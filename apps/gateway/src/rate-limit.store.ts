import type { Coordination } from '@tiketi/platform';

type IncrCallback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/**
 * A @fastify/rate-limit store on the shared coordination (Redis in production), so every gateway
 * replica counts against the same window; in-process coordination when embedded. Fixed windows:
 * the first hit creates the counter with the window as its TTL.
 */
export const RATE_KEY_PREFIX = 'gateway:rate:';

export function coordinationRateLimitStore(coordination: Coordination, keyPrefix = RATE_KEY_PREFIX) {
  return class CoordinationRateLimitStore {
    readonly prefix: string;

    constructor(options: { routeInfo?: { method?: string; url?: string } } = {}, prefix = keyPrefix) {
      const route = options.routeInfo?.url
        ? `${options.routeInfo.method ?? ''}${options.routeInfo.url}:`
        : '';
      this.prefix = `${prefix}${route}`;
    }

    incr(key: string, callback: IncrCallback, timeWindow: number, max: number): void {
      void hit(coordination, `${this.prefix}${key}`, timeWindow, max).then(
        (result) => callback(null, result),
        (error: Error) => callback(error),
      );
    }

    child(routeOptions: { routeInfo?: { method?: string; url?: string } }): CoordinationRateLimitStore {
      return new CoordinationRateLimitStore(routeOptions, this.prefix);
    }
  };
}

export async function hit(
  coordination: Coordination,
  key: string,
  timeWindow: number,
  max: number,
): Promise<{ current: number; ttl: number }> {
  const { count, ttlMs } = await coordination.hitWindow(key, timeWindow);
  // Past the limit the exact reset matters (Retry-After); below it the remaining time is enough.
  return { current: count, ttl: count > max ? ttlMs : Math.min(ttlMs, timeWindow) };
}
