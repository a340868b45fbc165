import type {
  AdmissionKeys,
  Coordination,
  MemberAdmission,
  LineKeys,
  LinePlace,
  MessageHandler,
  SetOptions,
  SortedSetEntry,
  ChannelSubscribeOptions,
  WindowHits,
  WindowTally,
  ZaddOptions,
} from './coordination';
import { MemorySortedSet } from './memory-sorted-set';

type Value =
  | { kind: 'string'; value: string }
  | { kind: 'hash'; value: Map<string, string> }
  | { kind: 'zset'; value: MemorySortedSet };

interface Entry {
  data: Value;
  expiresAt: number | null;
}

/**
 * In-process coordination with Redis semantics for the embedded default. Every operation runs to
 * completion before another starts (one JS thread), which is what Redis's atomic commands give.
 */
export class MemoryCoordination implements Coordination {
  readonly kind = 'memory' as const;
  private readonly store = new Map<string, Entry>();
  private readonly channels = new Map<string, Set<MessageHandler>>();
  private sweepTimer: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    // Expired keys are dropped lazily on access; the sweep only bounds memory.
    this.sweepTimer = setInterval(() => this.sweep(), 5_000);
    this.sweepTimer.unref();
  }

  private sweep(): void {
    const t = this.now();
    for (const [key, entry] of this.store)
      if (entry.expiresAt !== null && entry.expiresAt <= t) this.store.delete(key);
  }

  private entry(key: string): Entry | undefined {
    const entry = this.store.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt !== null && entry.expiresAt <= this.now()) {
      this.store.delete(key);
      return undefined;
    }
    return entry;
  }

  private typed<K extends Value['kind']>(
    key: string,
    kind: K,
  ): Extract<Value, { kind: K }>['value'] | undefined {
    const entry = this.entry(key);
    if (!entry) return undefined;
    if (entry.data.kind !== kind) throw new Error(`WRONGTYPE key ${key} holds ${entry.data.kind}`);
    return entry.data.value as never;
  }

  private zset(key: string, create: boolean): MemorySortedSet | undefined {
    const existing = this.typed(key, 'zset');
    if (existing || !create) return existing;
    const value = new MemorySortedSet();
    this.store.set(key, { data: { kind: 'zset', value }, expiresAt: null });
    return value;
  }

  private dropIfEmpty(key: string, size: number): void {
    if (size === 0) this.store.delete(key);
  }

  async get(key: string): Promise<string | null> {
    return this.typed(key, 'string') ?? null;
  }

  async mget(keys: string[]): Promise<Array<string | null>> {
    return this.strings(keys);
  }

  private strings(keys: string[]): Array<string | null> {
    return keys.map((k) => {
      const e = this.entry(k);
      return e && e.data.kind === 'string' ? e.data.value : null;
    });
  }

  async set(key: string, value: string, options: SetOptions = {}): Promise<boolean> {
    if (options.onlyIfAbsent && this.entry(key)) return false;
    this.store.set(key, {
      data: { kind: 'string', value },
      expiresAt: options.ttlMs !== undefined ? this.now() + options.ttlMs : null,
    });
    return true;
  }

  async del(keys: string | string[]): Promise<number> {
    let removed = 0;
    for (const key of Array.isArray(keys) ? keys : [keys])
      if (this.entry(key) && this.store.delete(key)) removed += 1;
    return removed;
  }

  async incr(key: string, options: { ttlMs?: number; by?: number } = {}): Promise<number> {
    return this.increment(key, options);
  }

  private increment(key: string, options: { ttlMs?: number; by?: number } = {}): number {
    const current = this.typed(key, 'string');
    const next = (current === undefined ? 0 : Number(current)) + (options.by ?? 1);
    if (Number.isNaN(next)) throw new Error('ERR value is not an integer');
    const existing = this.entry(key);
    const expiresAt =
      existing?.expiresAt ??
      (current === undefined && options.ttlMs !== undefined ? this.now() + options.ttlMs : null);
    this.store.set(key, { data: { kind: 'string', value: String(next) }, expiresAt });
    return next;
  }

  async ttl(key: string): Promise<number> {
    const entry = this.entry(key);
    if (!entry) return -2;
    if (entry.expiresAt === null) return -1;
    return Math.max(0, entry.expiresAt - this.now());
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    const entry = this.entry(key);
    if (!entry) return false;
    entry.expiresAt = this.now() + ttlMs;
    return true;
  }

  async hitWindow(key: string, windowMs: number, hits = 1): Promise<WindowTally> {
    const count = await this.incr(key, { by: Math.max(1, Math.round(hits)) });
    const entry = this.entry(key)!;
    if (entry.expiresAt === null) entry.expiresAt = this.now() + windowMs;
    return { count, ttlMs: Math.max(0, entry.expiresAt - this.now()) };
  }

  async hitWindows(counters: WindowHits[]): Promise<WindowTally[]> {
    const answers: WindowTally[] = [];
    for (const c of counters) answers.push(await this.hitWindow(c.key, c.windowMs, c.hits));
    return answers;
  }

  async claimAll(keys: string[], owner: string, ttlMs: number): Promise<string[]> {
    const conflicts = keys.filter((k) => {
      const v = this.typed(k, 'string');
      return v !== undefined && v !== owner;
    });
    if (conflicts.length > 0) return conflicts;
    const expiresAt = this.now() + ttlMs;
    for (const k of keys) this.store.set(k, { data: { kind: 'string', value: owner }, expiresAt });
    return [];
  }

  async releaseIfOwner(keys: string[], owner: string): Promise<number> {
    let removed = 0;
    for (const k of keys) {
      if (this.typed(k, 'string') === owner) {
        this.store.delete(k);
        removed += 1;
      }
    }
    return removed;
  }

  async enterLine(
    keys: LineKeys,
    member: string,
    now: number,
    join?: { band: number },
    capacity = 0,
  ): Promise<LinePlace> {
    // No await until the answer: the whole step runs before any other operation, as the script does.
    const sessionEnd = this.zset(keys.inside, false)?.get(member);
    const admission =
      sessionEnd !== undefined && sessionEnd > now ? (this.typed(keys.admission, 'string') ?? null) : null;
    let rank = this.rankOf(keys.wait, member);
    let added = false;
    if (rank !== null) {
      const seen = this.zset(keys.seen, false);
      if (seen?.has(member)) seen.set(member, now);
    } else if (join && admission === null) {
      const seq = this.increment(keys.seq);
      this.zset(keys.wait, true)!.set(member, join.band + seq);
      const joined = this.zset(keys.joined, true)!;
      if (!joined.has(member)) joined.set(member, now);
      this.zset(keys.seen, true)!.set(member, now);
      rank = this.rankOf(keys.wait, member);
      added = true;
    }
    const score = rank === null ? null : (this.zset(keys.wait, false)?.get(member) ?? null);
    let slotEnd: number | null = null;
    if (rank !== null && capacity > 0) {
      const inside = this.zset(keys.inside, false);
      const j = (rank % capacity) + (inside?.size ?? 0) - capacity;
      if (j >= 0) slotEnd = inside?.range(j, j)[0]?.score ?? null;
    }
    return {
      admission,
      rank,
      score,
      added,
      meta: Object.fromEntries(this.typed(keys.meta, 'hash') ?? []),
      counters: this.strings(keys.counters),
      slotEnd,
    };
  }

  async admitMembers(
    keys: AdmissionKeys,
    admissions: MemberAdmission[],
    sessionEnd: number,
    ttlMs: number,
  ): Promise<Array<number | null>> {
    // No await: the whole step runs before any other operation, as the script does.
    if (admissions.length === 0) return [];
    const inside = this.zset(keys.inside, true)!;
    const joined = this.zset(keys.joined, false);
    const seen = this.zset(keys.seen, false);
    const expiresAt = this.now() + Math.max(1, ttlMs);
    const out = admissions.map(({ member, key, admission }) => {
      const joinedAt = joined?.get(member) ?? null;
      this.store.set(key, { data: { kind: 'string', value: admission }, expiresAt });
      inside.set(member, sessionEnd);
      joined?.delete(member);
      seen?.delete(member);
      return joinedAt;
    });
    if (joined) this.dropIfEmpty(keys.joined, joined.size);
    if (seen) this.dropIfEmpty(keys.seen, seen.size);
    return out;
  }

  async hset(key: string, fields: Record<string, string>): Promise<void> {
    let hash = this.typed(key, 'hash');
    if (!hash) {
      hash = new Map();
      this.store.set(key, { data: { kind: 'hash', value: hash }, expiresAt: null });
    }
    for (const [f, v] of Object.entries(fields)) hash.set(f, v);
  }

  async hgetall(key: string): Promise<Record<string, string>> {
    return Object.fromEntries(this.typed(key, 'hash') ?? []);
  }

  async hdel(key: string, fields: string[]): Promise<number> {
    const hash = this.typed(key, 'hash');
    if (!hash) return 0;
    let removed = 0;
    for (const f of fields) if (hash.delete(f)) removed += 1;
    this.dropIfEmpty(key, hash.size);
    return removed;
  }

  async zadd(key: string, entries: SortedSetEntry[], options: ZaddOptions = {}): Promise<number> {
    if (options.onlyIfPresent && !this.zset(key, false)) return 0;
    const set = this.zset(key, true)!;
    let added = 0;
    for (const { member, score } of entries) {
      const exists = set.has(member);
      if (exists ? options.onlyIfAbsent : options.onlyIfPresent) continue;
      set.set(member, score);
      if (!exists) added += 1;
    }
    return added;
  }

  async zscore(key: string, member: string): Promise<number | null> {
    return this.zset(key, false)?.get(member) ?? null;
  }

  async zrank(key: string, member: string): Promise<number | null> {
    return this.rankOf(key, member);
  }

  private rankOf(key: string, member: string): number | null {
    return this.zset(key, false)?.rank(member) ?? null;
  }

  async zcard(key: string): Promise<number> {
    return this.zset(key, false)?.size ?? 0;
  }

  async zrem(key: string, members: string[]): Promise<number> {
    const set = this.zset(key, false);
    if (!set) return 0;
    let removed = 0;
    for (const m of members) if (set.delete(m)) removed += 1;
    this.dropIfEmpty(key, set.size);
    return removed;
  }

  async zrange(key: string, start: number, stop: number): Promise<SortedSetEntry[]> {
    const set = this.zset(key, false);
    if (!set) return [];
    const n = set.size;
    const from = start < 0 ? Math.max(0, n + start) : start;
    const to = stop < 0 ? n + stop : Math.min(stop, n - 1);
    return set.range(from, to);
  }

  async zrangeByScore(key: string, min: number, max: number, limit?: number): Promise<SortedSetEntry[]> {
    return this.zset(key, false)?.byScore(min, max, limit) ?? [];
  }

  async zpopmin(key: string, count: number): Promise<SortedSetEntry[]> {
    const set = this.zset(key, false);
    if (!set) return [];
    const popped = set.popMin(count);
    this.dropIfEmpty(key, set.size);
    return popped;
  }

  async zremrangeByScore(key: string, min: number, max: number): Promise<number> {
    const set = this.zset(key, false);
    if (!set) return 0;
    const removed = set.removeByScore(min, max);
    this.dropIfEmpty(key, set.size);
    return removed;
  }

  async publish(channel: string, message: string): Promise<void> {
    const handlers = this.channels.get(channel);
    if (!handlers) return;
    // Deliver asynchronously, as Redis does: a publisher never runs subscriber code inline.
    for (const handler of [...handlers]) queueMicrotask(() => handler(message, channel));
  }

  async subscribe(
    channel: string,
    handler: MessageHandler,
    options: ChannelSubscribeOptions = {},
  ): Promise<() => Promise<void>> {
    let handlers = this.channels.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.channels.set(channel, handlers);
    }
    handlers.add(handler);
    // In one process nothing is ever missed.
    options.onLive?.(true);
    return async () => {
      handlers.delete(handler);
      if (handlers.size === 0) this.channels.delete(channel);
    };
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.sweepTimer);
    this.channels.clear();
  }
}
