import type { ServiceContext } from '@tiketi/platform';
import type { GatewayConfig } from './gateway.config';

/**
 * A one-second window per key, counted in this gateway replica alone: the burst limit under the
 * shared per-minute limits. A minute's window admits its whole quota at once (every minute), so an
 * abuser's first few hundred requests reached the services together; this spreads them out. Kept
 * local on purpose: a burst is about what this replica and the services behind it take in the
 * same second, and sharing a counter per client per second through Redis cost the gateway a third
 * more CPU per request (measured with `costs`, 111 -> 150 µs for a refused hold); with R replicas
 * a client gets at most R times the burst.
 */
export class BurstLimiter {
  private readonly windows = new Map<string, { endsAt: number; hits: number }>();

  constructor(
    readonly max: number,
    private readonly options: { windowMs?: number; maxKeys?: number; now?: () => number } = {},
  ) {}

  /** Counts one hit on `key`; false once the key is past `max` in its current window. */
  admit(key: string): boolean {
    const now = (this.options.now ?? Date.now)();
    let window = this.windows.get(key);
    if (!window) {
      if (this.windows.size >= (this.options.maxKeys ?? 100_000) && !this.dropEnded(now)) {
        // More clients in one second than it keeps: the minute limits still hold them.
        return true;
      }
      window = { endsAt: 0, hits: 0 };
      this.windows.set(key, window);
    }
    if (now >= window.endsAt) {
      window.endsAt = now + (this.options.windowMs ?? 1_000);
      window.hits = 0;
    }
    window.hits++;
    return window.hits <= this.max;
  }

  /** Forgets the keys whose window has ended; true when that made room. */
  private dropEnded(now: number): boolean {
    for (const [key, window] of this.windows) if (now >= window.endsAt) this.windows.delete(key);
    return this.windows.size < (this.options.maxKeys ?? 100_000);
  }
}

const limits = new WeakMap<ServiceContext<any>, { ip: BurstLimiter; user: BurstLimiter }>();

/** The burst limiters of a gateway instance: its HTTP requests and its WebSocket upgrades share the address's. */
export function edgeBurst(ctx: ServiceContext<GatewayConfig>): { ip: BurstLimiter; user: BurstLimiter } {
  let found = limits.get(ctx);
  if (!found) {
    found = {
      ip: new BurstLimiter(ctx.config.RATE_LIMIT_IP_PER_SECOND),
      user: new BurstLimiter(ctx.config.RATE_LIMIT_USER_PER_SECOND),
    };
    limits.set(ctx, found);
  }
  return found;
}
