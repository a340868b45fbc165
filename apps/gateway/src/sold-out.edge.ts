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
}

/**
 * Events the ticket service just called sold out, per gateway replica (ADR 0009): for `forMs`
 * after such an answer, this replica answers the event's holds itself, exactly as the service
 * would, instead of passing them on. After a sell-out nearly every request of a sale's crowd is
 * such a hold, and answered here it costs neither the proxy hop nor the service.
 */
export class SoldOutEvents {
  private readonly events = new Map<string, SoldOut>();
  /** When the last event known sold out stops being so: past it, nothing is known. */
  private knownUntil = 0;

  constructor(
    private readonly forMs: number,
    private readonly maxEvents = 10_000,
  ) {}

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
    setBounded(this.events, eventId, { until, seatLimit }, this.maxEvents);
    this.knownUntil = Math.max(this.knownUntil, until);
  }

  /**
   * The service's answer to this hold, when the edge knows it: the event is sold out and the hold
   * asks for no more seats than a buyer may hold (more gets the service's own 422). Null: ask the service.
   */
  answer(asked: HoldAsked, now = Date.now()): AppError | null {
    const known = this.events.get(asked.body.eventId);
    if (!known) return null;
    if (known.until <= now) {
      this.events.delete(asked.body.eventId);
      return null;
    }
    if (asked.count > known.seatLimit) return null;
    return new AppError('conflict', 'SEAT_UNAVAILABLE', SOLD_OUT_MESSAGE, {
      details: soldOutDetails(asked.body),
    });
  }
}
