import { createHash } from 'node:crypto';
import type { Coordination, Logger } from '@tiketi/platform';
import type { CatalogueMetrics } from './catalogue.metrics';

const LIST_VERSION = 'catalogue:list:v';
const eventVersionKey = (id: string) => `catalogue:event:${id}:v`;
const VERSION_TTL_MS = 24 * 60 * 60_000;

export interface CatalogueCacheOptions {
  metrics?: CatalogueMetrics;
  log?: Logger;
  ttlMs?: number;
  /**
   * After a coordination error, reads skip the cache (straight to the database) and invalidations
   * are only recorded for this long, so an unreachable Redis costs no timeout per request.
   */
  breakMs?: number;
  /** How often invalidations that could not reach coordination are tried again. */
  retryMs?: number;
}

/**
 * Read-through cache for public event lists and details. Keys embed a version counter (one for
 * all lists, one per event); invalidation bumps the counter, so stale entries are simply never
 * read again and expire on their TTL. No KEYS/SCAN is ever needed.
 *
 * Coordination is only the fast path: when it fails, reads go to the database and writes still
 * succeed. A version bump that could not be made is remembered and retried; until it is made,
 * this replica serves nothing from the cache, so an entry from before a change is never read
 * here after the outage. Other replicas can read such an entry only until the bump lands (the
 * next retry) and never longer than its TTL.
 */
export class CatalogueCache {
  private readonly ttlMs: number;
  private readonly breakMs: number;
  private readonly retryMs: number;
  /** Version keys still to bump, with the generation they were marked in. */
  private readonly pending = new Map<string, number>();
  private generation = 0;
  private downUntil = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private lastWarnAt = 0;
  private closed = false;
  private flushing: Promise<boolean> | null = null;

  constructor(
    private readonly coordination: Coordination,
    private readonly options: CatalogueCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.breakMs = options.breakMs ?? 1_000;
    this.retryMs = options.retryMs ?? 1_000;
  }

  /** Invalidations not yet applied in coordination (0 once it has caught up). */
  get pendingInvalidations(): number {
    return this.pending.size;
  }

  async list<T>(query: unknown, load: () => Promise<T>): Promise<T> {
    const version = await this.version(LIST_VERSION);
    if (version === null) return this.bypass('list', load);
    const digest = createHash('sha1').update(JSON.stringify(query)).digest('hex');
    return this.readThrough('list', `catalogue:list:${version}:${digest}`, load);
  }

  async event<T>(eventId: string, load: () => Promise<T>): Promise<T> {
    const version = await this.version(eventVersionKey(eventId));
    if (version === null) return this.bypass('event', load);
    return this.readThrough('event', `catalogue:event:${eventId}:${version}`, load);
  }

  /**
   * Called after any change to an event (or its seats): its detail and every list go stale.
   * Never fails: the change is already committed, and a bump coordination refuses now is retried.
   */
  async invalidate(eventId?: string): Promise<void> {
    const generation = ++this.generation;
    this.pending.set(LIST_VERSION, generation);
    if (eventId) this.pending.set(eventVersionKey(eventId), generation);
    if (this.isDown()) return this.scheduleRetry();
    await this.flush();
  }

  /** Stops retrying (service shutdown). */
  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /** The version a key is read under, or null when the cache must be skipped. */
  private async version(key: string): Promise<string | null> {
    if (this.isDown()) return null;
    if (this.pending.size > 0 && !(await this.flush())) return null;
    try {
      return (await this.coordination.get(key)) ?? '0';
    } catch (err) {
      this.failed(err, 'catalogue cache unavailable; reading from the database');
      return null;
    }
  }

  private async readThrough<T>(kind: 'list' | 'event', key: string, load: () => Promise<T>): Promise<T> {
    let cached: string | null;
    try {
      cached = await this.coordination.get(key);
    } catch (err) {
      this.failed(err, 'catalogue cache unavailable; reading from the database');
      return this.bypass(kind, load);
    }
    this.options.metrics?.cache.inc({ kind, result: cached === null ? 'miss' : 'hit' });
    if (cached !== null) return JSON.parse(cached) as T;
    const value = await load();
    try {
      // Null (not found) is cached too, briefly, so a flood of bad ids does not reach the database.
      await this.coordination.set(key, JSON.stringify(value), {
        ttlMs: value === null ? Math.min(this.ttlMs, 5_000) : this.ttlMs,
      });
    } catch (err) {
      this.failed(err, 'catalogue cache unavailable; answer not cached');
    }
    return value;
  }

  private bypass<T>(kind: 'list' | 'event', load: () => Promise<T>): Promise<T> {
    this.options.metrics?.cache.inc({ kind, result: 'bypass' });
    return load();
  }

  /** Bumps every pending version key; true when none is left. One flush at a time. */
  private flush(): Promise<boolean> {
    this.flushing ??= this.flushPending().finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async flushPending(): Promise<boolean> {
    const batch = [...this.pending];
    try {
      await Promise.all(batch.map(([key]) => this.coordination.incr(key, { ttlMs: VERSION_TTL_MS })));
    } catch (err) {
      this.failed(err, 'catalogue cache invalidation failed; retrying, reads skip the cache meanwhile');
      this.scheduleRetry();
      return false;
    }
    // A key marked again while this ran stays: its change may have committed after our bump.
    for (const [key, generation] of batch) if (this.pending.get(key) === generation) this.pending.delete(key);
    if (this.pending.size > 0) return this.flushPending();
    return true;
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.pending.size === 0) return;
      if (this.isDown()) return this.scheduleRetry();
      void this.flush();
    }, this.retryMs);
    this.retryTimer.unref();
  }

  private isDown(): boolean {
    return this.downUntil > Date.now();
  }

  private failed(err: unknown, message: string): void {
    this.downUntil = Date.now() + this.breakMs;
    this.options.metrics?.cacheErrors.inc();
    // One line per outage burst, not one per request.
    if (Date.now() - this.lastWarnAt < 10_000) return;
    this.lastWarnAt = Date.now();
    this.options.log?.warn({ err: (err as Error)?.message ?? String(err) }, message);
  }
}
