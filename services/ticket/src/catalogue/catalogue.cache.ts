import { createHash } from 'node:crypto';
import type { Coordination } from '@tiketi/platform';
import type { CatalogueMetrics } from './catalogue.metrics';

const LIST_VERSION = 'catalogue:list:v';
const eventVersionKey = (id: string) => `catalogue:event:${id}:v`;
const VERSION_TTL_MS = 24 * 60 * 60_000;

/**
 * Read-through cache for public event lists and details. Keys embed a version counter (one for
 * all lists, one per event); invalidation bumps the counter, so stale entries are simply never
 * read again and expire on their TTL. No KEYS/SCAN is ever needed.
 */
export class CatalogueCache {
  constructor(
    private readonly coordination: Coordination,
    private readonly metrics?: CatalogueMetrics,
    private readonly ttlMs = 30_000,
  ) {}

  async list<T>(query: unknown, load: () => Promise<T>): Promise<T> {
    const version = (await this.coordination.get(LIST_VERSION)) ?? '0';
    const digest = createHash('sha1').update(JSON.stringify(query)).digest('hex');
    return this.readThrough('list', `catalogue:list:${version}:${digest}`, load);
  }

  async event<T>(eventId: string, load: () => Promise<T>): Promise<T> {
    const version = (await this.coordination.get(eventVersionKey(eventId))) ?? '0';
    return this.readThrough('event', `catalogue:event:${eventId}:${version}`, load);
  }

  /** Called after any change to an event (or its seats): its detail and every list go stale. */
  async invalidate(eventId?: string): Promise<void> {
    const bumps = [this.coordination.incr(LIST_VERSION, { ttlMs: VERSION_TTL_MS })];
    if (eventId) bumps.push(this.coordination.incr(eventVersionKey(eventId), { ttlMs: VERSION_TTL_MS }));
    await Promise.all(bumps);
  }

  private async readThrough<T>(kind: 'list' | 'event', key: string, load: () => Promise<T>): Promise<T> {
    const cached = await this.coordination.get(key);
    this.metrics?.cache.inc({ kind, result: cached === null ? 'miss' : 'hit' });
    if (cached !== null) return JSON.parse(cached) as T;
    const value = await load();
    // Null (not found) is cached too, briefly, so a flood of bad ids does not reach the database.
    await this.coordination.set(key, JSON.stringify(value), {
      ttlMs: value === null ? Math.min(this.ttlMs, 5_000) : this.ttlMs,
    });
    return value;
  }
}
