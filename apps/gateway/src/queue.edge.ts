import {
  admittedView,
  enterWaitingLine,
  placeView,
  POST_OPEN_BAND,
  type Coordination,
  type LineRoom,
  type QueueStatusView,
  type RoomCapacity,
  type ServiceContext,
} from '@tiketi/platform';
import type { GatewayConfig } from './gateway.config';
import { EdgeMoments, type MomentDecision } from './edge.moments';

/** A waiting-room request the edge may answer: a join, or a poll (status, heartbeat). */
export interface QueueAsked {
  eventId: string;
  join: boolean;
}

const QUEUE_PATH = /^\/api\/queue\/([A-Za-z0-9_-]{1,64})\/(join|status|heartbeat)(?:\?.*)?$/;

/** What a request asks of a waiting room, when it is one the edge understands; null for anything else. */
export function queueAsked(method: string, url: string): QueueAsked | null {
  const match = QUEUE_PATH.exec(url);
  if (!match) return null;
  const [, eventId, action] = match;
  if (action === 'status' ? method !== 'GET' : method !== 'POST') return null;
  return { eventId: eventId!, join: action === 'join' };
}

/** What the ticket service said of a room that always queues (QUEUE_ROOM_HEADER). */
export interface EdgeRoom {
  /** When the room opens (the pre-queue), the sale opens and the sale ends (ms). */
  from: number;
  opens: number;
  until: number;
  /** The configured admission rate, for the ETA until anyone has been admitted. */
  rate: number;
  /** How many may be inside at once and for how long (absent from an older service's header). */
  capacity?: RoomCapacity;
}

const numberIn = (value: string, name: string): number =>
  Number(new RegExp(`(?:^|[;,\\s])${name}=(-?\\d+)`).exec(value)?.[1] ?? Number.NaN);

/**
 * Rooms the ticket service just said always queue, per gateway replica (ADR 0011): for `forMs`
 * after such an answer this replica places the room's buyers in the shared line and answers their
 * polls itself, with the answer the service would give, from the same line in the same
 * coordination. A crowd arriving for a sale joins at once, and every one of them polls: answered
 * here, neither costs the proxy hop nor the ticket service. Anything the edge is not sure of goes
 * to the service: a room it was not told of, a moment before the room opens or after the sale,
 * a buyer neither admitted nor placed by the join, coordination that does not answer.
 */
export class QueueRooms {
  private readonly rooms: EdgeMoments<EdgeRoom>;
  private warnedAt = Number.NEGATIVE_INFINITY;

  constructor(forMs: number, maxRooms = 10_000) {
    this.rooms = new EdgeMoments(forMs, maxRooms);
  }

  knowsAny(now = Date.now()): boolean {
    return this.rooms.knowsAny(now);
  }

  /** A service's QUEUE_ROOM_HEADER; one it cannot read teaches nothing. */
  learn(header: string | string[] | undefined, now = Date.now()): void {
    const value = String(header ?? '');
    const eventId = /(?:^|[;,\s])event=([A-Za-z0-9_-]+)/.exec(value)?.[1];
    const room = {
      from: numberIn(value, 'from'),
      opens: numberIn(value, 'opens'),
      until: numberIn(value, 'until'),
      rate: numberIn(value, 'rate'),
    };
    if (!eventId || !Object.values(room).every(Number.isSafeInteger) || room.rate <= 0) return;
    const capacity = { maxInside: numberIn(value, 'inside'), sessionMs: numberIn(value, 'session') };
    const known = Object.values(capacity).every((n) => Number.isSafeInteger(n) && n > 0);
    this.rooms.learn(eventId, known ? { ...room, capacity } : room, now);
  }

  /** The service answered for the room without the header (the room changed): ask it from now on. */
  forget(eventId: string): void {
    this.rooms.forget(eventId);
  }

  decide(eventId: string, now = Date.now()): MomentDecision<EdgeRoom> {
    return this.rooms.decide(eventId, now);
  }

  /** Whether to log that the line was unreachable: once per interval, not once per request of a crowd. */
  shouldWarn(now = Date.now()): boolean {
    if (now - this.warnedAt < WARN_EVERY_MS) return false;
    this.warnedAt = now;
    return true;
  }
}

const WARN_EVERY_MS = 10_000;

/**
 * The service's answer to this buyer's join or poll, from the shared line (the same one step the
 * service takes); null when the edge is not sure and the service should answer.
 */
export async function answerInLine(
  coordination: Coordination,
  asked: QueueAsked,
  room: EdgeRoom,
  userId: string,
  now: number,
): Promise<QueueStatusView | null> {
  if (now < room.from || now > room.until) return null;
  const { eventId } = asked;
  // Before opening every arrival is equal (shuffled at opening); afterwards strictly first come.
  const join = asked.join ? { band: now < room.opens ? 0 : POST_OPEN_BAND } : undefined;
  const standing = await enterWaitingLine(coordination, eventId, userId, now, join, room.capacity);
  if (standing.admission) return admittedView(eventId, standing.admission);
  const line: LineRoom = {
    eventId,
    opensAt: room.opens,
    saleOver: false,
    admissionsPerMinute: room.rate,
    capacity: room.capacity,
  };
  if (standing.rank !== null || !asked.join) return placeView(line, standing, now);
  return null;
}

/** The edge's answer to a waiting-room request (ADR 0011), or why the service answers it instead. */
export async function queueAtEdge(
  rooms: QueueRooms,
  asked: QueueAsked,
  userId: string,
  ctx: ServiceContext<GatewayConfig>,
): Promise<{ view: QueueStatusView | null; outcome: 'answered' | 'probe' | 'forwarded' }> {
  // The moment is the gateway's own wall-clock time; the room's opening and end are the sale's.
  const decision = rooms.decide(asked.eventId);
  const now = ctx.clock.now().getTime();
  if (!decision) return { view: null, outcome: 'forwarded' };
  if ('probe' in decision) return { view: null, outcome: 'probe' };
  try {
    const view = await answerInLine(ctx.coordination, asked, decision.known, userId, now);
    return { view, outcome: view ? 'answered' : 'forwarded' };
  } catch (err) {
    // Coordination away: the service answers (and says what is wrong) as it would without the edge.
    if (rooms.shouldWarn())
      ctx.log.warn(
        { err, eventId: asked.eventId },
        'waiting line unreachable at the edge; asking the ticket service',
      );
    return { view: null, outcome: 'forwarded' };
  }
}
