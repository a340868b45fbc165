import { TypeCompiler } from '@sinclair/typebox/compiler';
import { AppError, setBounded } from '@tiketi/platform';
import { BookBody, SOLD_OUT_MESSAGE, soldOutDetails } from '@tiketi/contracts';

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

interface SoldOut {
  until: number;
  seatLimit: number;
  /** When a hold of the event last went to the service to renew what the edge knows; 0: none yet. */
  probedAt: number;
}

/**
 * What the edge does with a valid hold: refuse it as the service would, send it on as the probe
 * that renews (or ends) what the edge knows of its event, or (null) simply send it on.
 */
export type SoldOutDecision = { refuse: AppError } | { probe: string } | null;

/** The last part of an event's moment, as a share of it, in which a hold goes to the service. */
const RENEW_SHARE = 0.25;
/** After this share of the moment without an answer to the probe, the next hold is another. */
const REPROBE_SHARE = 0.1;

/**
 * Events the ticket service just called sold out, per gateway replica (ADR 0009): for `forMs`
 * after such an answer, this replica answers the event's holds itself, exactly as the service
 * would, instead of passing them on. After a sell-out nearly every request of a sale's crowd is
 * such a hold, and answered here it costs neither the proxy hop nor the service.
 *
 * Near the end of the moment one hold is sent on (a probe) while the others are still answered
 * here: a sold-out answer renews the moment, any other answer ends it at once. Without the probe
 * every hold that arrived between the moment's end and the service's next sold-out answer went to
 * the service: a few percent of a crowd's requests, and the slowest of them.
 */
export class SoldOutEvents {
  private readonly events = new Map<string, SoldOut>();
  /** When the last event known sold out stops being so: past it, nothing is known. */
  private knownUntil = 0;
  private readonly renewMs: number;
  private readonly reprobeMs: number;

  constructor(
    private readonly forMs: number,
    private readonly maxEvents = 10_000,
  ) {
    this.renewMs = Math.max(1, Math.round(forMs * RENEW_SHARE));
    this.reprobeMs = Math.max(1, Math.round(forMs * REPROBE_SHARE));
  }

  /**
   * Whether any event is known sold out now. Only then does a hold's body need reading at the
   * edge: the rest of the time holds pass on untouched.
   */
  knowsAny(now = Date.now()): boolean {
    if (this.events.size > 0 && now >= this.knownUntil) this.events.clear();
    return this.events.size > 0;
  }

  /** A service's SOLD_OUT_HEADER (`event=<id>; seat-limit=<n>`); one it cannot read teaches nothing. */
  learn(header: string | string[] | undefined, now = Date.now()): void {
    const value = String(header ?? '');
    const eventId = /(?:^|[;,\s])event=([^;,\s]+)/.exec(value)?.[1];
    const seatLimit = Number(/(?:^|[;,\s])seat-limit=(\d+)/.exec(value)?.[1]);
    if (!eventId || !Number.isSafeInteger(seatLimit)) return;
    const until = now + this.forMs;
    setBounded(this.events, eventId, { until, seatLimit, probedAt: 0 }, this.maxEvents);
    this.knownUntil = Math.max(this.knownUntil, until);
  }

  /**
   * The service answered a probe of this event without calling it sold out (a seat came back, the
   * sale closed, the service failed): the edge stops answering for it now, not at the moment's end.
   */
  forget(eventId: string): void {
    this.events.delete(eventId);
  }

  /**
   * The service's answer to this hold, when the edge knows it: the event is sold out and the hold
   * asks for no more seats than a buyer may hold (more gets the service's own 422). Null: ask the
   * service. In the moment's last quarter the first hold is the probe, and another one after a tenth
   * of the moment without an answer.
   */
  answer(asked: HoldAsked, now = Date.now()): SoldOutDecision {
    const eventId = asked.body.eventId;
    const known = this.events.get(eventId);
    if (!known) return null;
    if (known.until <= now) {
      this.events.delete(eventId);
      return null;
    }
    if (asked.count > known.seatLimit) return null;
    if (now >= known.until - this.renewMs && now - known.probedAt >= this.reprobeMs) {
      known.probedAt = now;
      return { probe: eventId };
    }
    return {
      refuse: new AppError('conflict', 'SEAT_UNAVAILABLE', SOLD_OUT_MESSAGE, {
        details: soldOutDetails(asked.body),
      }),
    };
  }
}
