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
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;
  /** Full with every window open: no sweep can make room before the first of them ends. */
  private fullUntil = 0;

  constructor(
    readonly max: number,
    options: { windowMs?: number; maxKeys?: number; now?: () => number } = {},
  ) {
    this.windowMs = options.windowMs ?? 1_000;
    this.maxKeys = options.maxKeys ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  /** Counts one hit on `key`; false once the key is past `max` in its current window. */
  admit(key: string): boolean {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window) {
      if (this.windows.size >= this.maxKeys && !this.makeRoom(now)) {
        // More clients in one second than it keeps: the minute limits still hold them.
        return true;
      }
      window = { endsAt: 0, hits: 0 };
      this.windows.set(key, window);
    }
    if (now >= window.endsAt) {
      window.endsAt = now + this.windowMs;
      window.hits = 0;
    }
    window.hits++;
    return window.hits <= this.max;
  }

  /**
   * Forgets the keys whose window has ended; true when that made room. When none had, it does not
   * look again until the first open window ends: a flood of new clients must not cost a pass over
   * every key each.
   */
  private makeRoom(now: number): boolean {
    if (now < this.fullUntil) return false;
    let firstEnd = Infinity;
    for (const [key, window] of this.windows) {
      if (now >= window.endsAt) this.windows.delete(key);
      else firstEnd = Math.min(firstEnd, window.endsAt);
    }
    if (this.windows.size < this.maxKeys) return true;
    this.fullUntil = firstEnd;
    return false;
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
