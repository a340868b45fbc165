/**
 * Shared, short-lived state: holds, queues, rate limits, locks and fan-out. Redis in production,
 * in-process when embedded. Nothing here is the record of what was sold: that is the database.
 * Both implementations pass the same contract suite (coordination.contract.ts).
 */
export interface SetOptions {
  ttlMs?: number;
  /** SET NX: only write when the key does not exist. */
  onlyIfAbsent?: boolean;
}

/** One or the other: Redis refuses NX with XX. */
export type ZaddOptions =
  { onlyIfAbsent?: boolean; onlyIfPresent?: never } | { onlyIfPresent?: boolean; onlyIfAbsent?: never };

export interface SortedSetEntry {
  member: string;
  score: number;
}

export type MessageHandler = (message: string, channel: string) => void;

export interface ChannelSubscribeOptions {
  /**
   * Told `true` once the subscription is in place (again, after a reconnect) and `false` as soon as
   * messages may be missed (its connection dropped). A subscriber that trusts silence (nothing
   * published means nothing changed) may do so only between a `true` and the next `false`.
   */
  onLive?: (live: boolean) => void;
}

/** Hits on a fixed-window counter (`hitWindow`, `hitWindows`). */
export interface WindowHits {
  key: string;
  windowMs: number;
  hits: number;
}

/** A fixed-window counter after hits: its count and the time left in its window. */
export interface WindowTally {
  count: number;
  ttlMs: number;
}

/** The keys of one waiting line, for `enterLine`. */
export interface LineKeys {
  /** Sorted set: member -> order score. */
  wait: string;
  /** Sorted set: member -> when it joined. */
  joined: string;
  /** Sorted set: member -> last heartbeat. */
  seen: string;
  /** Counter: the last order number handed out. */
  seq: string;
  /** Sorted set: admitted member -> end of its session. */
  inside: string;
  /** String: the admitted member's stored admission. */
  admission: string;
  /** Hash: the line's flags. */
  meta: string;
  /** Counters read back with the answer (MGET). */
  counters: string[];
}

export interface LinePlace {
  /** The stored admission, when `inside` holds the member past `now`. */
  admission: string | null;
  /** 0-based place in `wait` and its score, after the call; null when not waiting. */
  rank: number | null;
  score: number | null;
  /** True when this call put the member in line. */
  added: boolean;
  meta: Record<string, string>;
  counters: Array<string | null>;
  /**
   * With a `capacity`: the session end in `inside` whose close lets this waiting member in (see
   * `slotIndex`), or null when a place is free for them already (or they are not waiting).
   */
  slotEnd: number | null;
}

/** The line's keys `admitMembers` writes, besides each member's own admission key. */
export interface AdmissionKeys {
  /** Sorted set: admitted member -> end of its session. */
  inside: string;
  /** Sorted set: member -> when it joined (read, then cleared). */
  joined: string;
  /** Sorted set: member -> last heartbeat (cleared). */
  seen: string;
}

/** One member let in: its stored admission under its own key. */
export interface MemberAdmission {
  member: string;
  key: string;
  admission: string;
}

export interface Coordination {
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | null>;
  mget(keys: string[]): Promise<Array<string | null>>;
  /** Returns false when onlyIfAbsent was asked and the key existed. */
  set(key: string, value: string, options?: SetOptions): Promise<boolean>;
  del(keys: string | string[]): Promise<number>;
  /** Increments and, when the key was created by this call, gives it the TTL. */
  incr(key: string, options?: { ttlMs?: number; by?: number }): Promise<number>;
  /** Remaining time to live in ms; -1 when the key has none, -2 when it does not exist. */
  ttl(key: string): Promise<number>;
  expire(key: string, ttlMs: number): Promise<boolean>;
  /**
   * Hits on a fixed-window counter (one, or `hits` counted elsewhere first), in one round trip:
   * increments, gives the key `windowMs` as its TTL when it has none (first hit, or an expiry
   * lost), and returns the count and the time left in the window.
   */
  hitWindow(key: string, windowMs: number, hits?: number): Promise<WindowTally>;
  /** `hitWindow` on many counters in one round trip; the answers come in the same order. */
  hitWindows(counters: WindowHits[]): Promise<WindowTally[]>;

  /**
   * All-or-nothing claim of many keys for one owner: every key is set to `owner` with the TTL, or
   * none is. Returns the keys already held by someone else (empty on success). Keys already held
   * by the same owner count as claimed and have their TTL refreshed.
   */
  claimAll(keys: string[], owner: string, ttlMs: number): Promise<string[]>;
  /** Deletes those of the keys whose value is `owner`; returns how many were deleted. */
  releaseIfOwner(keys: string[], owner: string): Promise<number>;

  /**
   * A waiting line's read, and join, in one atomic step. A member admitted (scored past `now` in
   * `inside`) gets its stored admission. A member who waits has its heartbeat set to `now` in
   * `seen`. One neither admitted nor waiting is put in line when `join` is given: at `join.band`
   * plus the next `seq` in `wait`, and at `now` in `joined` and `seen`, a place it keeps if it was
   * there first. Its place, the line's meta and the counters come back with it.
   */
  enterLine(
    keys: LineKeys,
    member: string,
    now: number,
    join?: { band: number },
    capacity?: number,
  ): Promise<LinePlace>;

  /**
   * Lets members in, in one atomic step: each one's admission is stored under its key with the
   * TTL, the member is scored `sessionEnd` in `inside`, and leaves `joined` and `seen`. Nobody can
   * see a member inside without its admission. Answers when each had joined (its `joined` score),
   * or null, in the same order.
   */
  admitMembers(
    keys: AdmissionKeys,
    admissions: MemberAdmission[],
    sessionEnd: number,
    ttlMs: number,
  ): Promise<Array<number | null>>;
  hset(key: string, fields: Record<string, string>): Promise<void>;
  hgetall(key: string): Promise<Record<string, string>>;
  hdel(key: string, fields: string[]): Promise<number>;

  /**
   * Adds members; with onlyIfAbsent an existing member keeps its score, with onlyIfPresent only
   * existing members are updated (none is added). Returns how many were added. Here and in the
   * other calls that take many members or keys, any number may be given: a very long list goes in
   * parts, so it is not one atomic step.
   */
  zadd(key: string, entries: SortedSetEntry[], options?: ZaddOptions): Promise<number>;
  zscore(key: string, member: string): Promise<number | null>;
  /** 0-based rank by ascending score, or null. */
  zrank(key: string, member: string): Promise<number | null>;
  zcard(key: string): Promise<number>;
  zrem(key: string, members: string[]): Promise<number>;
  /** Members by ascending score, ranks start..stop inclusive (negative counts from the end). */
  zrange(key: string, start: number, stop: number): Promise<SortedSetEntry[]>;
  zrangeByScore(key: string, min: number, max: number, limit?: number): Promise<SortedSetEntry[]>;
  /** Removes and returns up to `count` lowest-scored members. */
  zpopmin(key: string, count: number): Promise<SortedSetEntry[]>;
  zremrangeByScore(key: string, min: number, max: number): Promise<number>;

  publish(channel: string, message: string): Promise<void>;
  /** Resolves once the subscription is active; the returned function unsubscribes. */
  subscribe(
    channel: string,
    handler: MessageHandler,
    options?: ChannelSubscribeOptions,
  ): Promise<() => Promise<void>>;

  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A lease that only its holder can release: the building block for "one replica acts". */
export async function tryAcquireLease(
  coord: Coordination,
  key: string,
  holder: string,
  ttlMs: number,
): Promise<boolean> {
  if (await coord.set(key, holder, { ttlMs, onlyIfAbsent: true })) return true;
  // Renew our own lease.
  if ((await coord.get(key)) === holder) {
    await coord.expire(key, ttlMs);
    return true;
  }
  return false;
}

/**
 * Renews a lease its holder has taken, every third of `ttlMs`, until the returned function is
 * called: for work that may outlast the lease (another replica would otherwise take it and start
 * the same work alongside). A failed renewal is left to the next one; the work goes on.
 */
export function keepLease(coord: Coordination, key: string, holder: string, ttlMs: number): () => void {
  const timer = setInterval(() => {
    void tryAcquireLease(coord, key, holder, ttlMs).catch(() => false);
  }, ttlMs / 3);
  timer.unref();
  return () => clearInterval(timer);
}

export async function releaseLease(coord: Coordination, key: string, holder: string): Promise<void> {
  await coord.releaseIfOwner([key], holder);
}
