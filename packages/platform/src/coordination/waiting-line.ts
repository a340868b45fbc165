import type { Coordination } from './coordination';

/**
 * One event's waiting line in coordination, and the answer a buyer gets from their place in it.
 * The ticket service owns the line (it admits, shuffles and closes); the gateway places buyers in
 * a room that surely queues (ADR 0011). Both read and write it through this module, so the keys,
 * the one-step join and the answer cannot drift apart.
 *
 * wait   : userId -> order score. Pre-queue arrivals sit below POST_OPEN_BAND (shuffled once at
 *          opening); later arrivals get POST_OPEN_BAND + an atomic sequence, so they are FIFO and
 *          always behind the pre-queue.
 * seen   : userId -> last heartbeat (ms); a stale one means the tab was closed.
 * joined : userId -> when they joined (ms), for the oldest-wait figure and the wait histogram.
 * inside : userId -> session end (ms) of admitted buyers.
 * admit:<userId> : {token, expiresAt}, so status can hand the token out again.
 * meta   : hash of per-room flags and the ticker's admission credit.
 * rate:<bucket> : admissions per 10-second bucket, for the measured rate.
 */
export const POST_OPEN_BAND = 2 ** 40;
export const RATE_BUCKET_MS = 10_000;
export const RATE_WINDOW_MS = 60_000;

export interface Admission {
  token: string;
  expiresAt: number;
}

export interface RoomMeta {
  credit: number;
  creditAt: number;
  shuffled: boolean;
  closed: boolean;
  autoUntil: number;
  firstAdmitAt: number;
}

/** A buyer's standing as one step of `enterWaitingLine` found it (and left it). */
export interface LineStanding {
  admission: Admission | null;
  /** 0-based place in line and its order score; null when not waiting. */
  rank: number | null;
  score: number | null;
  /** True when this step put the buyer in line. */
  added: boolean;
  meta: RoomMeta;
  recentAdmissions: number;
  /** With the room's capacity asked for: the session end that frees this buyer's place (`slotIndex`); null when one is free. */
  slotEnd: number | null;
}

export interface QueueStatusView {
  status: 'waiting' | 'closed' | 'admitted' | 'none';
  eventId: string;
  position?: number;
  ahead?: number;
  etaSeconds?: number | null;
  /** True until the sale opens: pre-queue places are drawn at random at opening. */
  preQueue?: boolean;
  opensAt?: string;
  token?: string;
  expiresAt?: string;
}

/** What a buyer's answer needs to know of the room besides their place in it. */
export interface LineRoom {
  eventId: string;
  /** When the sale opens (ms). */
  opensAt: number;
  /** The event's sale is over for good (cancelled, closed, ended). */
  saleOver: boolean;
  /** The configured rate, used until anyone has been admitted. */
  admissionsPerMinute: number;
  /** How many may be inside at once and for how long; without it the ETA counts the rate alone. */
  capacity?: RoomCapacity;
}

export interface RoomCapacity {
  maxInside: number;
  sessionMs: number;
}

export function waitingLineKey(eventId: string, part: string): string {
  return `queue:${eventId}:${part}`;
}

/** The last minute's admission-rate buckets, newest first. */
export function rateBucketKeys(eventId: string, now: number): string[] {
  const current = Math.floor(now / RATE_BUCKET_MS);
  return Array.from({ length: RATE_WINDOW_MS / RATE_BUCKET_MS }, (_, i) =>
    waitingLineKey(eventId, `rate:${current - i}`),
  );
}

/**
 * Everything a buyer's answer needs, in one atomic step (one round trip to Redis): their
 * admission, or their place with a heartbeat when they wait, the room's meta and the admissions
 * of the last minute. With `join`, a buyer neither admitted nor waiting is first put in line at
 * `join.band` + the next sequence number.
 */
export async function enterWaitingLine(
  coord: Coordination,
  eventId: string,
  userId: string,
  now: number,
  join?: { band: number },
  capacity?: RoomCapacity,
): Promise<LineStanding> {
  const key = (part: string) => waitingLineKey(eventId, part);
  const place = await coord.enterLine(
    {
      wait: key('wait'),
      joined: key('joined'),
      seen: key('seen'),
      seq: key('seq'),
      inside: key('inside'),
      admission: key(`admit:${userId}`),
      meta: key('meta'),
      counters: rateBucketKeys(eventId, now),
    },
    userId,
    now,
    join,
    capacity?.maxInside,
  );
  return {
    admission: place.admission ? (JSON.parse(place.admission) as Admission) : null,
    rank: place.rank,
    score: place.score,
    added: place.added,
    meta: roomMetaOf(place.meta),
    recentAdmissions: admissionsIn(place.counters),
    slotEnd: place.slotEnd,
  };
}

/** The sum of the rate buckets' counts (a missing bucket counts none). */
export function admissionsIn(buckets: Array<string | null>): number {
  return buckets.reduce((sum, v) => sum + Number(v ?? 0), 0);
}

export function roomMetaOf(raw: Record<string, string>): RoomMeta {
  return {
    credit: Number(raw.credit ?? 0),
    creditAt: Number(raw.creditAt ?? 0),
    shuffled: raw.shuffled === '1',
    closed: raw.closed === '1',
    autoUntil: Number(raw.autoUntil ?? 0),
    firstAdmitAt: Number(raw.firstAdmitAt ?? 0),
  };
}

/** The measured admission rate from recentAdmissions, or null before the first admission. */
export function perMinute(recentAdmissions: number, now: number, firstAdmitAt: number): number | null {
  if (!firstAdmitAt) return null;
  const windowStart =
    (Math.floor(now / RATE_BUCKET_MS) - RATE_WINDOW_MS / RATE_BUCKET_MS + 1) * RATE_BUCKET_MS;
  const span = Math.max(now - Math.max(windowStart, firstAdmitAt), RATE_BUCKET_MS);
  return (recentAdmissions / span) * 60_000;
}

/** The measured admission rate; the configured one only until anyone has been admitted. */
export function admissionRate(measured: number | null, configuredPerMinute: number): number {
  return measured && measured > 0 ? measured : configuredPerMinute;
}

/**
 * Which session in `inside` (0-based, soonest end first) has to end before the buyer at 0-based
 * `rank` gets in, counting the places free now; null when a place is free for them already.
 * Places turn over one session at a time: the buyer `maxInside` behind another takes the place
 * that one leaves (`capacityWaitMs` adds those turns).
 */
export function slotIndex(rank: number, insideCount: number, maxInside: number): number | null {
  const j = (rank % maxInside) + insideCount - maxInside;
  return j >= 0 ? j : null;
}

/**
 * How long the room's capacity alone keeps the buyer at 0-based `rank` out: until the session
 * holding their place ends, and a whole session more for every `maxInside` ahead of them. An
 * admitted buyer keeps their place for the session unless they leave or buy, so this is the wait
 * when nobody finishes early. Without it a full room's line was told the admission rate's wait
 * (2,000 behind 500 ten-minute places heard seven minutes, and could wait half an hour).
 */
export function capacityWaitMs(
  rank: number,
  slotEnd: number | null,
  now: number,
  capacity: RoomCapacity,
): number {
  return Math.max(0, (slotEnd ?? now) - now) + Math.floor(rank / capacity.maxInside) * capacity.sessionMs;
}

/** Seconds until the buyer at `position` gets in: the sale's opening, then the slower of the rate and the room's turnover. */
export function etaSeconds(
  perMinute: number,
  position: number,
  now: number,
  opensAt: number,
  capacityMs = 0,
): number {
  return Math.ceil(
    Math.max(0, opensAt - now) / 1000 + Math.max((position / perMinute) * 60, capacityMs / 1000),
  );
}

/** A buyer's answer from their place in the line and the room's state (`none` when not in line). */
export function placeView(room: LineRoom, standing: LineStanding, now: number): QueueStatusView {
  const { rank, meta, score: waitScore } = standing;
  const { eventId, opensAt } = room;
  if (rank === null) return { status: 'none', eventId };
  const preQueue = now < opensAt || (!meta.shuffled && (waitScore ?? POST_OPEN_BAND) < POST_OPEN_BAND);
  const position = rank + 1;
  // Sold out (the ticker paused admissions), or the sale is over for good.
  const closed = meta.closed || room.saleOver;
  const rate = admissionRate(
    perMinute(standing.recentAdmissions, now, meta.firstAdmitAt),
    room.admissionsPerMinute,
  );
  return {
    status: closed ? 'closed' : 'waiting',
    eventId,
    position,
    ahead: rank,
    etaSeconds: closed
      ? null
      : etaSeconds(
          rate,
          position,
          now,
          opensAt,
          room.capacity ? capacityWaitMs(rank, standing.slotEnd, Math.max(now, opensAt), room.capacity) : 0,
        ),
    preQueue,
    opensAt: new Date(opensAt).toISOString(),
  };
}

/** The answer for a buyer holding an admission. */
export function admittedView(eventId: string, admission: Admission): QueueStatusView {
  return {
    status: 'admitted',
    eventId,
    token: admission.token,
    expiresAt: new Date(admission.expiresAt).toISOString(),
  };
}
