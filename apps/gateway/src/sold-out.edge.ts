import { TypeCompiler } from '@sinclair/typebox/compiler';
import { AppError } from '@tiketi/platform';
import { BookBody, SOLD_OUT_MESSAGE, soldOutDetails } from '@tiketi/contracts';
import { EdgeMoments } from './edge.moments';

const isBookBody = TypeCompiler.Compile(BookBody);

/** A hold request the edge understood: its body is a valid hold (the ticket service's own rules). */
export interface HoldAsked {
  body: BookBody;
  /** Seats asked for: the distinct chosen seats, or the quantity. */
  count: number;
}

/**
 * What a hold request asks, when its body certainly is a valid hold; null for anything else (the
 * service answers it, with its own validation errors).
 */
export function holdAsked(raw: unknown): HoldAsked | null {
  if (!Buffer.isBuffer(raw) || raw.length > 16 * 1024) return null;
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    return null;
  }
  if (!isBookBody.Check(body)) return null;
  // The route's own rules beyond the schema: seats or a quantity, and a section only with a quantity.
  if ((body.seatIds === undefined) === (body.quantity === undefined)) return null;
  if (body.seatIds && body.section !== undefined) return null;
  return { body, count: body.seatIds ? new Set(body.seatIds).size : body.quantity! };
}

/**
 * What the edge does with a valid hold: refuse it as the service would, send it on as the probe
 * that renews (or ends) what the edge knows of its event, or (null) simply send it on.
 */
export type SoldOutDecision = { refuse: AppError } | { probe: string } | null;

/**
 * Events the ticket service just called sold out, per gateway replica (ADR 0009): for `forMs`
 * after such an answer, this replica answers the event's holds itself, exactly as the service
 * would, instead of passing them on. After a sell-out nearly every request of a sale's crowd is
 * such a hold, and answered here it costs neither the proxy hop nor the service. Near the end of
 * the moment one hold is sent on (a probe, see EdgeMoments) while the others are still answered here.
 */
export class SoldOutEvents {
  private readonly events: EdgeMoments<{ seatLimit: number }>;

  constructor(forMs: number, maxEvents = 10_000) {
    this.events = new EdgeMoments(forMs, maxEvents);
  }

  /**
   * Whether any event is known sold out now. Only then does a hold's body need reading at the
   * edge: the rest of the time holds pass on untouched.
   */
  knowsAny(now = Date.now()): boolean {
    return this.events.knowsAny(now);
  }

  /** A service's SOLD_OUT_HEADER (`event=<id>; seat-limit=<n>`); one it cannot read teaches nothing. */
  learn(header: string | string[] | undefined, now = Date.now()): void {
    const value = String(header ?? '');
    const eventId = /(?:^|[;,\s])event=([^;,\s]+)/.exec(value)?.[1];
    const seatLimit = Number(/(?:^|[;,\s])seat-limit=(\d+)/.exec(value)?.[1]);
    if (!eventId || !Number.isSafeInteger(seatLimit)) return;
    this.events.learn(eventId, { seatLimit }, now);
  }

  /**
   * The service answered a probe of this event without calling it sold out (a seat came back, the
   * sale closed, the service failed): the edge stops answering for it now, not at the moment's end.
   */
  forget(eventId: string): void {
    this.events.forget(eventId);
  }

  /**
   * The service's answer to this hold, when the edge knows it: the event is sold out and the hold
   * asks for no more seats than a buyer may hold (more gets the service's own 422). Null: ask the
   * service. In the moment's last quarter the first hold is the probe, and another one after a tenth
   * of the moment without an answer.
   */
  answer(asked: HoldAsked, now = Date.now()): SoldOutDecision {
    const eventId = asked.body.eventId;
    const known = this.events.peek(eventId, now);
    if (!known || asked.count > known.seatLimit) return null;
    const decision = this.events.decide(eventId, now);
    if (!decision || 'probe' in decision) return decision;
    return {
      refuse: new AppError('conflict', 'SEAT_UNAVAILABLE', SOLD_OUT_MESSAGE, {
        details: soldOutDetails(asked.body),
      }),
    };
  }
}
