import { Redis, type RedisOptions } from 'ioredis';
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
  ZaddOptions,
} from './coordination';

const CLAIM_ALL = `
local owner = ARGV[1]
local ttl = tonumber(ARGV[2])
local taken = {}
for i, key in ipairs(KEYS) do
  local v = redis.call('GET', key)
  if v and v ~= owner then taken[#taken + 1] = key end
end
if #taken > 0 then return taken end
for i, key in ipairs(KEYS) do redis.call('SET', key, owner, 'PX', ttl) end
return taken
`;

const RELEASE_IF_OWNER = `
local removed = 0
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then removed = removed + redis.call('DEL', key) end
end
return removed
`;

const INCR_WITH_TTL = `
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if v == tonumber(ARGV[1]) and tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return v
`;

const HIT_WINDOW = `
local v = redis.call('INCRBY', KEYS[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { v, ttl }
`;

// KEYS: the counters; ARGV: each one's window and hits, in pairs. Answers in pairs: count, ttl.
const HIT_WINDOWS = `
local out = {}
for i, key in ipairs(KEYS) do
  local window = ARGV[2 * i - 1]
  local v = redis.call('INCRBY', key, ARGV[2 * i])
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then
    redis.call('PEXPIRE', key, window)
    ttl = tonumber(window)
  end
  out[2 * i - 1] = v
  out[2 * i] = ttl
end
return out
`;

// KEYS: inside, admission, wait, joined, seen, seq, meta, counters...; ARGV: member, now, join, band.
// Scores are formatted by hand: Lua prints numbers past 14 digits in exponent form. Dragonfly's
// Lua 5.4 has unpack only as table.unpack.
const ENTER_LINE = `
local unpack = table.unpack or unpack
local member = ARGV[1]
local now = tonumber(ARGV[2])
local admission = false
local sessionEnd = redis.call('ZSCORE', KEYS[1], member)
if sessionEnd and tonumber(sessionEnd) > now then admission = redis.call('GET', KEYS[2]) end
local rank = redis.call('ZRANK', KEYS[3], member)
local added = 0
if rank then
  redis.call('ZADD', KEYS[5], 'XX', ARGV[2], member)
elseif ARGV[3] == '1' and not admission then
  local seq = redis.call('INCR', KEYS[6])
  redis.call('ZADD', KEYS[3], 'NX', string.format('%.0f', tonumber(ARGV[4]) + seq), member)
  redis.call('ZADD', KEYS[4], 'NX', ARGV[2], member)
  redis.call('ZADD', KEYS[5], ARGV[2], member)
  rank = redis.call('ZRANK', KEYS[3], member)
  added = 1
end
local score = false
if rank then score = redis.call('ZSCORE', KEYS[3], member) end
local counters = {}
if #KEYS > 7 then counters = redis.call('MGET', unpack(KEYS, 8)) end
local slotEnd = false
local capacity = tonumber(ARGV[5])
if rank and capacity > 0 then
  local j = (rank % capacity) + redis.call('ZCARD', KEYS[1]) - capacity
  if j >= 0 then slotEnd = redis.call('ZRANGE', KEYS[1], j, j, 'WITHSCORES')[2] or false end
end
return { admission, rank, score, added, redis.call('HGETALL', KEYS[7]), counters, slotEnd }
`;

// KEYS: inside, joined, seen, then each member's admission key; ARGV: session end, ttl, then each
// member and its admission, in pairs. Answers each member's joined score, or false.
const ADMIT_MEMBERS = `
local out = {}
for i = 4, #KEYS do
  local member = ARGV[2 * i - 5]
  out[i - 3] = redis.call('ZSCORE', KEYS[2], member) or false
  redis.call('SET', KEYS[i], ARGV[2 * i - 4], 'PX', ARGV[2])
  redis.call('ZADD', KEYS[1], ARGV[1], member)
  redis.call('ZREM', KEYS[2], member)
  redis.call('ZREM', KEYS[3], member)
end
return out
`;

/**
 * Members, keys or fields per command. A whole line is 100,000 buyers and more: spread into one
 * call's arguments it overflowed the stack (a room whose pre-queue was that long never opened), and
 * one such command would hold Redis up for everyone else meanwhile. A call over more is not atomic.
 */
const MANY = 10_000;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function pairs(flat: string[]): SortedSetEntry[] {
  const out: SortedSetEntry[] = [];
  for (let i = 0; i < flat.length; i += 2) out.push({ member: flat[i]!, score: Number(flat[i + 1]) });
  return out;
}

/**
 * Commands fail fast while Redis is unreachable (no offline queue, short timeout) so that callers
 * can fall back to PostgreSQL instead of hanging behind a dead connection.
 */
export function redisOptions(extra: RedisOptions = {}): RedisOptions {
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 2_000,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(200 * times, 2_000),
    ...extra,
  };
}

export class RedisCoordination implements Coordination {
  readonly kind = 'redis' as const;
  private subscriber: Redis | null = null;
  private readonly handlers = new Map<
    string,
    { handlers: Set<MessageHandler>; subscribed: Promise<unknown> }
  >();
  /** Each liveness listener with what it was last told: it hears only changes. */
  private readonly liveness = new Map<(live: boolean) => void, boolean>();
  /** Counts the subscriber connection's drops: a confirmation from before the last one is stale. */
  private subscriberDrops = 0;

  private constructor(
    readonly client: Redis,
    private readonly prefix: string,
  ) {
    client.on('error', () => undefined);
    client.defineCommand('claimAll', { lua: CLAIM_ALL });
    client.defineCommand('releaseIfOwner', { lua: RELEASE_IF_OWNER });
    client.defineCommand('incrWithTtl', { numberOfKeys: 1, lua: INCR_WITH_TTL });
    client.defineCommand('hitWindow', { numberOfKeys: 1, lua: HIT_WINDOW });
    client.defineCommand('enterLine', { lua: ENTER_LINE });
    client.defineCommand('hitWindows', { lua: HIT_WINDOWS });
    client.defineCommand('admitMembers', { lua: ADMIT_MEMBERS });
  }

  static async connect(url: string, options: { keyPrefix?: string } = {}): Promise<RedisCoordination> {
    // Auto-pipelining sends the commands that concurrent requests issue in one tick as one write:
    // under load most of a command's cost here is the socket write, not Redis.
    const client = new Redis(url, redisOptions({ keyPrefix: options.keyPrefix, enableAutoPipelining: true }));
    await client.connect();
    return new RedisCoordination(client, options.keyPrefix ?? '');
  }

  private get cmd(): Redis & {
    claimAll(numKeys: number, ...args: Array<string | number>): Promise<string[]>;
    releaseIfOwner(numKeys: number, ...args: string[]): Promise<number>;
    incrWithTtl(key: string, by: number, ttl: number): Promise<number>;
    hitWindow(key: string, windowMs: number, hits: number): Promise<[number, number]>;
    hitWindows(numKeys: number, ...args: Array<string | number>): Promise<number[]>;
    admitMembers(numKeys: number, ...args: Array<string | number>): Promise<Array<string | null>>;
    enterLine(
      numKeys: number,
      ...args: Array<string | number>
    ): Promise<
      [string | null, number | null, string | null, number, string[], Array<string | null>, string | null]
    >;
  } {
    return this.client as never;
  }

  async get(key: string) {
    return this.client.get(key);
  }
  async mget(keys: string[]) {
    const answers: Array<string | null> = [];
    for (const chunk of chunks(keys, MANY)) answers.push(...(await this.client.mget(...chunk)));
    return answers;
  }
  async set(key: string, value: string, options: SetOptions = {}) {
    const args: Array<string | number> = [];
    if (options.ttlMs !== undefined) args.push('PX', Math.max(1, Math.round(options.ttlMs)));
    if (options.onlyIfAbsent) args.push('NX');
    const result = await (
      this.client.set as unknown as (...a: Array<string | number>) => Promise<string | null>
    )(key, value, ...args);
    return result === 'OK';
  }
  async del(keys: string | string[]) {
    let deleted = 0;
    for (const chunk of chunks(Array.isArray(keys) ? keys : [keys], MANY))
      deleted += await this.client.del(...chunk);
    return deleted;
  }
  async incr(key: string, options: { ttlMs?: number; by?: number } = {}) {
    return Number(await this.cmd.incrWithTtl(key, options.by ?? 1, Math.round(options.ttlMs ?? 0)));
  }
  async ttl(key: string) {
    return this.client.pttl(key);
  }
  async expire(key: string, ttlMs: number) {
    return (await this.client.pexpire(key, Math.max(1, Math.round(ttlMs)))) === 1;
  }
  async hitWindow(key: string, windowMs: number, hits = 1) {
    const [count, ttlMs] = await this.cmd.hitWindow(
      key,
      Math.max(1, Math.round(windowMs)),
      Math.max(1, Math.round(hits)),
    );
    return { count: Number(count), ttlMs: Number(ttlMs) };
  }
  async hitWindows(counters: WindowHits[]) {
    if (counters.length === 0) return [];
    const args: Array<string | number> = counters.map((c) => c.key);
    for (const c of counters) args.push(Math.max(1, Math.round(c.windowMs)), Math.max(1, Math.round(c.hits)));
    const flat = await this.cmd.hitWindows(counters.length, ...args);
    return counters.map((_, i) => ({ count: Number(flat[2 * i]), ttlMs: Number(flat[2 * i + 1]) }));
  }
  async claimAll(keys: string[], owner: string, ttlMs: number) {
    if (keys.length === 0) return [];
    const taken = await this.cmd.claimAll(keys.length, ...keys, owner, Math.max(1, Math.round(ttlMs)));
    // Lua sees prefixed key names; callers think in unprefixed ones.
    return taken.map((k) => (this.prefix && k.startsWith(this.prefix) ? k.slice(this.prefix.length) : k));
  }
  async releaseIfOwner(keys: string[], owner: string) {
    if (keys.length === 0) return 0;
    return Number(await this.cmd.releaseIfOwner(keys.length, ...keys, owner));
  }
  async admitMembers(keys: AdmissionKeys, admissions: MemberAdmission[], sessionEnd: number, ttlMs: number) {
    if (admissions.length === 0) return [];
    const joined = await this.cmd.admitMembers(
      3 + admissions.length,
      keys.inside,
      keys.joined,
      keys.seen,
      ...admissions.map((a) => a.key),
      Math.round(sessionEnd),
      Math.max(1, Math.round(ttlMs)),
      ...admissions.flatMap((a) => [a.member, a.admission]),
    );
    return joined.map((score) => (score === null ? null : Number(score)));
  }

  async enterLine(
    keys: LineKeys,
    member: string,
    now: number,
    join?: { band: number },
    capacity = 0,
  ): Promise<LinePlace> {
    const ordered = [
      keys.inside,
      keys.admission,
      keys.wait,
      keys.joined,
      keys.seen,
      keys.seq,
      keys.meta,
      ...keys.counters,
    ];
    const [admission, rank, score, added, flatMeta, counters, slotEnd] = await this.cmd.enterLine(
      ordered.length,
      ...ordered,
      member,
      now,
      join ? '1' : '0',
      join?.band ?? 0,
      capacity,
    );
    const meta: Record<string, string> = {};
    for (let i = 0; i < flatMeta.length; i += 2) meta[flatMeta[i]!] = flatMeta[i + 1]!;
    return {
      admission,
      rank,
      score: score === null ? null : Number(score),
      added: added === 1,
      meta,
      counters,
      slotEnd: slotEnd === null ? null : Number(slotEnd),
    };
  }

  async hset(key: string, fields: Record<string, string>) {
    if (Object.keys(fields).length > 0) await this.client.hset(key, fields);
  }
  async hgetall(key: string) {
    return this.client.hgetall(key);
  }
  async hdel(key: string, fields: string[]) {
    let deleted = 0;
    for (const chunk of chunks(fields, MANY)) deleted += await this.client.hdel(key, ...chunk);
    return deleted;
  }
  async zadd(key: string, entries: SortedSetEntry[], options: ZaddOptions = {}) {
    const mode = options.onlyIfAbsent ? ['NX'] : options.onlyIfPresent ? ['XX'] : [];
    let added = 0;
    for (const chunk of chunks(entries, MANY)) {
      const args = chunk.flatMap((e) => [e.score, e.member]);
      added += Number(await this.client.zadd(key, ...mode, ...args));
    }
    return added;
  }
  async zscore(key: string, member: string) {
    const s = await this.client.zscore(key, member);
    return s === null ? null : Number(s);
  }
  async zrank(key: string, member: string) {
    return this.client.zrank(key, member);
  }
  async zcard(key: string) {
    return this.client.zcard(key);
  }
  async zrem(key: string, members: string[]) {
    let removed = 0;
    for (const chunk of chunks(members, MANY)) removed += await this.client.zrem(key, ...chunk);
    return removed;
  }
  async zrange(key: string, start: number, stop: number) {
    return pairs(await this.client.zrange(key, String(start), String(stop), 'WITHSCORES'));
  }
  async zrangeByScore(key: string, min: number, max: number, limit?: number) {
    const flat =
      limit === undefined
        ? await this.client.zrangebyscore(key, min, max, 'WITHSCORES')
        : await this.client.zrangebyscore(key, min, max, 'WITHSCORES', 'LIMIT', '0', String(limit));
    return pairs(flat);
  }
  async zpopmin(key: string, count: number) {
    return count <= 0 ? [] : pairs(await this.client.zpopmin(key, count));
  }
  async zremrangeByScore(key: string, min: number, max: number) {
    return this.client.zremrangebyscore(key, min, max);
  }

  async publish(channel: string, message: string) {
    await this.client.publish(this.prefix + channel, message);
  }

  async subscribe(channel: string, handler: MessageHandler, options: ChannelSubscribeOptions = {}) {
    const subscriber = this.subscriberConnection();
    let entry = this.handlers.get(channel);
    if (!entry) {
      entry = { handlers: new Set(), subscribed: subscriber.subscribe(this.prefix + channel) };
      this.handlers.set(channel, entry);
    }
    const { handlers } = entry;
    handlers.add(handler);
    try {
      await entry.subscribed;
    } catch (err) {
      handlers.delete(handler);
      if (handlers.size === 0 && this.handlers.get(channel) === entry) this.handlers.delete(channel);
      throw err;
    }
    const onLive = options.onLive;
    if (onLive) {
      const live = subscriber.status === 'ready';
      this.liveness.set(onLive, live);
      onLive(live);
    }
    return async () => {
      if (onLive) this.liveness.delete(onLive);
      handlers.delete(handler);
      if (handlers.size === 0 && this.handlers.get(channel) === entry) {
        this.handlers.delete(channel);
        await this.subscriber?.unsubscribe(this.prefix + channel).catch(() => undefined);
      }
    };
  }

  private tellLiveness(live: boolean): void {
    for (const [onLive, told] of this.liveness) {
      if (told === live) continue;
      this.liveness.set(onLive, live);
      onLive(live);
    }
  }

  private subscriberConnection(): Redis {
    if (this.subscriber) return this.subscriber;
    // Subscriptions need their own connection; it keeps retrying and re-subscribes on reconnect.
    const subscriber = this.client.duplicate({
      keyPrefix: undefined,
      enableOfflineQueue: true,
      lazyConnect: false,
      enableAutoPipelining: false,
    });
    this.subscriber = subscriber;
    subscriber.on('error', () => undefined);
    subscriber.on('message', (ch: string, msg: string) => {
      const name = ch.slice(this.prefix.length);
      for (const h of this.handlers.get(name)?.handlers ?? []) h(msg, name);
    });
    subscriber.on('close', () => {
      this.subscriberDrops += 1;
      this.tellLiveness(false);
    });
    subscriber.on('ready', () => {
      // ioredis sends its re-subscriptions before it announces 'ready' (on the next tick), and Redis
      // answers in order: a PING answered now means every subscription is back in place.
      const drops = this.subscriberDrops;
      subscriber.ping().then(
        () => {
          if (drops === this.subscriberDrops) this.tellLiveness(true);
        },
        () => undefined,
      );
    });
    return subscriber;
  }

  async ping() {
    await this.client.ping();
  }

  async close() {
    this.subscriber?.disconnect();
    this.client.disconnect();
  }
}
