import {
  admissionsIn,
  enterWaitingLine,
  perMinute,
  rateBucketKeys,
  roomMetaOf,
  waitingLineKey,
  RATE_BUCKET_MS,
  RATE_WINDOW_MS,
  POST_OPEN_BAND,
  type Admission,
  type Coordination,
  type LineStanding,
  type RoomCapacity,
  type RoomMeta,
  type SortedSetEntry,
} from '@tiketi/platform';

export { perMinute, POST_OPEN_BAND, type Admission, type LineStanding, type RoomMeta };

/**
 * Buyers per admission step: each step runs alone in Redis (a script), so a few hundred keep any
 * one of them to about a millisecond there while a tick of thousands takes a handful of round trips.
 */
const ADMIT_CHUNK = 500;

/**
 * Live waiting-room state in coordination (Redis sorted sets in production, in-process when
 * embedded). Every decision about who is next reads from here, never from a replica's memory. The
 * keys and the one-step join are the platform's waiting line (waiting-line.ts), which the gateway
 * shares (ADR 0011).
 */
export class QueueState {
  constructor(private readonly coord: Coordination) {}

  private key(eventId: string, part: string): string {
    return waitingLineKey(eventId, part);
  }

  // ---- waiting line -------------------------------------------------------------------------
  /** The buyer's standing in one atomic step (see enterWaitingLine); with `join`, placed when new. */
  enter(
    eventId: string,
    userId: string,
    now: number,
    join?: { band: number },
    capacity?: RoomCapacity,
  ): Promise<LineStanding> {
    return enterWaitingLine(this.coord, eventId, userId, now, join, capacity);
  }

  async waiting(eventId: string): Promise<number> {
    return this.coord.zcard(this.key(eventId, 'wait'));
  }

  async head(eventId: string, count: number): Promise<SortedSetEntry[]> {
    return count <= 0 ? [] : this.coord.zrange(this.key(eventId, 'wait'), 0, count - 1);
  }

  async all(eventId: string): Promise<string[]> {
    return (await this.coord.zrange(this.key(eventId, 'wait'), 0, -1)).map((e) => e.member);
  }

  async preQueue(eventId: string): Promise<string[]> {
    return (await this.coord.zrangeByScore(this.key(eventId, 'wait'), 0, POST_OPEN_BAND - 1)).map(
      (e) => e.member,
    );
  }

  /**
   * Rewrites pre-queue scores to the shuffled order (all below POST_OPEN_BAND). Only members still
   * in line are rewritten: one who left since the line was read stays out.
   */
  async reorder(eventId: string, members: string[]): Promise<void> {
    if (members.length === 0) return;
    await this.coord.zadd(
      this.key(eventId, 'wait'),
      members.map((member, i) => ({ member, score: i + 1 })),
      { onlyIfPresent: true },
    );
  }

  /** Atomically takes the next buyers: a member popped by one replica is gone for every other. */
  async popNext(eventId: string, count: number): Promise<string[]> {
    return (await this.coord.zpopmin(this.key(eventId, 'wait'), count)).map((e) => e.member);
  }

  async removeWaiting(eventId: string, userIds: string[]): Promise<number> {
    if (userIds.length === 0) return 0;
    const removed = await this.coord.zrem(this.key(eventId, 'wait'), userIds);
    await this.coord.zrem(this.key(eventId, 'seen'), userIds);
    await this.coord.zrem(this.key(eventId, 'joined'), userIds);
    return removed;
  }

  // ---- heartbeats and waits -----------------------------------------------------------------
  async lastSeen(eventId: string, userId: string): Promise<number | null> {
    return this.coord.zscore(this.key(eventId, 'seen'), userId);
  }

  async silentSince(eventId: string, cutoff: number): Promise<string[]> {
    return (await this.coord.zrangeByScore(this.key(eventId, 'seen'), -Infinity, cutoff)).map(
      (e) => e.member,
    );
  }

  async joinedAt(eventId: string, userId: string): Promise<number | null> {
    return this.coord.zscore(this.key(eventId, 'joined'), userId);
  }

  async oldestJoin(eventId: string): Promise<number | null> {
    return (await this.coord.zrange(this.key(eventId, 'joined'), 0, 0))[0]?.score ?? null;
  }

  async countAbandoned(eventId: string, by: number): Promise<void> {
    if (by > 0) await this.coord.incr(this.key(eventId, 'abandoned'), { by });
  }

  async abandoned(eventId: string): Promise<number> {
    return Number((await this.coord.get(this.key(eventId, 'abandoned'))) ?? 0);
  }

  // ---- admitted buyers ------------------------------------------------------------------------
  /**
   * Lets buyers already taken off the line in, ADMIT_CHUNK at a time, each chunk one atomic step:
   * a tick admits thousands, and one round trip per buyer per write held it up for seconds. Returns
   * when each had joined (null when unknown), in the same order.
   */
  async admitMany(
    eventId: string,
    admissions: Array<{ userId: string; admission: Admission }>,
    sessionEnd: number,
    now: number,
  ): Promise<Array<number | null>> {
    const keys = {
      inside: this.key(eventId, 'inside'),
      joined: this.key(eventId, 'joined'),
      seen: this.key(eventId, 'seen'),
    };
    // Cleanup only: the inside set decides whether the session is still on.
    const ttlMs = Math.max(60_000, sessionEnd - now + 60_000);
    const joinedAt: Array<number | null> = [];
    for (let i = 0; i < admissions.length; i += ADMIT_CHUNK) {
      const chunk = admissions.slice(i, i + ADMIT_CHUNK).map(({ userId, admission }) => ({
        member: userId,
        key: this.key(eventId, `admit:${userId}`),
        admission: JSON.stringify(admission),
      }));
      joinedAt.push(...(await this.coord.admitMembers(keys, chunk, sessionEnd, ttlMs)));
    }
    return joinedAt;
  }

  async insideUntil(eventId: string, userId: string): Promise<number | null> {
    return this.coord.zscore(this.key(eventId, 'inside'), userId);
  }

  async endSession(eventId: string, userIds: string[]): Promise<void> {
    if (userIds.length === 0) return;
    await this.coord.zrem(this.key(eventId, 'inside'), userIds);
    await this.coord.del(userIds.map((u) => this.key(eventId, `admit:${u}`)));
  }

  async endedSessions(eventId: string, now: number): Promise<string[]> {
    return (await this.coord.zrangeByScore(this.key(eventId, 'inside'), -Infinity, now)).map((e) => e.member);
  }

  /** The soonest `count` session ends (ms, soonest first) and how many sessions `inside` holds. */
  async sessionEnds(eventId: string, count: number): Promise<{ ends: number[]; total: number }> {
    const key = this.key(eventId, 'inside');
    const [entries, total] = await Promise.all([
      count > 0 ? this.coord.zrange(key, 0, count - 1) : Promise.resolve([]),
      this.coord.zcard(key),
    ]);
    return { ends: entries.map((e) => e.score), total };
  }

  async inside(eventId: string, now: number): Promise<number> {
    const total = await this.coord.zcard(this.key(eventId, 'inside'));
    const ended = (await this.coord.zrangeByScore(this.key(eventId, 'inside'), -Infinity, now)).length;
    return total - ended;
  }

  // ---- room flags, credit and measured rate ---------------------------------------------------
  async meta(eventId: string): Promise<RoomMeta> {
    return roomMetaOf(await this.coord.hgetall(this.key(eventId, 'meta')));
  }

  async setMeta(eventId: string, fields: Partial<RoomMeta>): Promise<void> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(fields))
      out[k] = typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
    await this.coord.hset(this.key(eventId, 'meta'), out);
  }

  /** Arrivals in the current minute (auto mode decides from this). */
  async countArrival(eventId: string, now: number): Promise<number> {
    return this.coord.incr(this.key(eventId, `arrivals:${Math.floor(now / 60_000)}`), { ttlMs: 120_000 });
  }

  async recordAdmissions(eventId: string, count: number, now: number): Promise<void> {
    if (count <= 0) return;
    const bucket = Math.floor(now / RATE_BUCKET_MS);
    await this.coord.incr(this.key(eventId, `rate:${bucket}`), { by: count, ttlMs: RATE_WINDOW_MS * 3 });
  }

  /** Admissions per minute over the last minute (or since the first admission, when sooner); null before any. */
  async measuredPerMinute(eventId: string, now: number, firstAdmitAt: number): Promise<number | null> {
    if (!firstAdmitAt) return null;
    return perMinute(await this.recentAdmissions(eventId, now), now, firstAdmitAt);
  }

  /** Admissions in the last minute's buckets (readable before knowing whether anyone was admitted yet). */
  async recentAdmissions(eventId: string, now: number): Promise<number> {
    return admissionsIn(await this.coord.mget(this.rateBuckets(eventId, now)));
  }

  private rateBuckets(eventId: string, now: number): string[] {
    return rateBucketKeys(eventId, now);
  }

  /** Drops a finished room's state (admission records expire on their own TTL). */
  async clear(eventId: string): Promise<void> {
    await this.coord.del(
      ['wait', 'seen', 'joined', 'meta', 'seq', 'inside', 'abandoned'].map((p) => this.key(eventId, p)),
    );
  }
}
