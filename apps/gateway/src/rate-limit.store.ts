import type { ServiceContext } from '@tiketi/platform';
import { WindowLimiter, type WindowCount } from './window.limiter';

type IncrCallback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/**
 * A @fastify/rate-limit store on the shared coordination (Redis in production), so every gateway
 * replica counts against the same window; in-process coordination when embedded. Fixed windows:
 * the first hit creates the counter with the window as its TTL. Hits go through the replica's
 * WindowLimiter, which asks coordination per hit only near a limit.
 */
export const RATE_KEY_PREFIX = 'gateway:rate:';

const limiters = new WeakMap<ServiceContext<any>, WindowLimiter>();

/** The one limiter of a gateway instance: its HTTP limits and its WebSocket upgrades count together. */
export function edgeLimiter(ctx: ServiceContext<any>): WindowLimiter {
  let limiter = limiters.get(ctx);
  if (!limiter) {
    let warnedAt = 0;
    limiter = new WindowLimiter(ctx.coordination, {
      onSyncError: (err) => {
        // Redis away: each replica holds clients to the limits on its own counts meanwhile.
        if (Date.now() - warnedAt < 10_000) return;
        warnedAt = Date.now();
        ctx.log.warn({ err }, 'rate limit counts not shared with other replicas; retrying');
      },
    });
    limiters.set(ctx, limiter);
    const closing = limiter;
    ctx.onClose(() => closing.close());
  }
  return limiter;
}

export function coordinationRateLimitStore(limiter: WindowLimiter, keyPrefix = RATE_KEY_PREFIX) {
  return class CoordinationRateLimitStore {
    readonly prefix: string;

    constructor(options: { routeInfo?: { method?: string; url?: string } } = {}, prefix = keyPrefix) {
      const route = options.routeInfo?.url
        ? `${options.routeInfo.method ?? ''}${options.routeInfo.url}:`
        : '';
      this.prefix = `${prefix}${route}`;
    }

    incr(key: string, callback: IncrCallback, timeWindow: number, max: number): void {
      const counted = hit(limiter, `${this.prefix}${key}`, timeWindow, max);
      if (!(counted instanceof Promise)) {
        callback(null, counted);
        return;
      }
      counted.then(
        (result) => callback(null, result),
        (error: Error) => callback(error),
      );
    }

    child(routeOptions: { routeInfo?: { method?: string; url?: string } }): CoordinationRateLimitStore {
      return new CoordinationRateLimitStore(routeOptions, this.prefix);
    }
  };
}

export function hit(
  limiter: WindowLimiter,
  key: string,
  timeWindow: number,
  max: number,
): { current: number; ttl: number } | Promise<{ current: number; ttl: number }> {
  const counted = limiter.hit(key, timeWindow, max);
  return counted instanceof Promise
    ? counted.then((c) => answer(c, timeWindow, max))
    : answer(counted, timeWindow, max);
}

function answer(
  { count, ttlMs }: WindowCount,
  timeWindow: number,
  max: number,
): { current: number; ttl: number } {
  // Past the limit the exact reset matters (Retry-After); below it the remaining time is enough.
  return { current: count, ttl: count > max ? ttlMs : Math.min(ttlMs, timeWindow) };
}
