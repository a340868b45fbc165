import { AppError } from '@tiketi/platform';
import { SOLD_OUT_HEADER, SOLD_OUT_MESSAGE, soldOutDetails } from '@tiketi/contracts';
import type { BookableEvent } from './reservation.repository';
import type { BookingRuntime } from './booking.runtime';
import type { BookInput } from './hold.service';

/** The answers a hold is refused with, and what decides that an event has nothing left. */

export function seatUnavailable(seatIds: string[]): AppError {
  return AppError.conflict('SEAT_UNAVAILABLE', 'Some of the seats are no longer available', {
    seatIds: [...new Set(seatIds)].sort(),
  });
}

/**
 * Whether the event has no seat left: its row says so, or, since the kept row may be a second
 * behind the last hold, the seat map (checked against the shared version, so other replicas'
 * changes count) has none available. Said from the first refusal on, the edge answers the crowd
 * (ADR 0009) a second sooner. A refusal while this replica's copy still shows seats costs no I/O:
 * the row decides, as it always did.
 */
export async function nothingLeft(rt: BookingRuntime, event: BookableEvent): Promise<boolean> {
  if (event.status === 'sold_out') return true;
  const here = rt.seatMap.availableHere(event.id);
  if (here !== null && here > 0) return false;
  try {
    return (await rt.seatMap.get(event.id, event.layout_version))?.available === 0;
  } catch {
    return false;
  }
}

/**
 * A hold refused while the event shows no seat left. The header lets the gateway answer the
 * event's next holds itself for a moment (ADR 0009), with this same answer.
 */
export function soldOut(event: BookableEvent, input: BookInput): AppError {
  return new AppError('conflict', 'SEAT_UNAVAILABLE', SOLD_OUT_MESSAGE, {
    details: soldOutDetails(input),
    headers: { [SOLD_OUT_HEADER]: `event=${event.id}; seat-limit=${event.seat_limit}` },
  });
}

export function saleNotOpen(event: BookableEvent): AppError {
  return AppError.conflict('SALE_NOT_OPEN', 'Tickets for this event are not on sale now', {
    status: event.status,
    saleStartsAt: new Date(event.sale_starts_at).toISOString(),
    saleEndsAt: new Date(event.sale_ends_at).toISOString(),
  });
}

export function limitExceeded(limit: number, held: number, requested: number): AppError {
  return AppError.unprocessable('SEAT_LIMIT_EXCEEDED', `At most ${limit} seats per buyer for this event`, {
    limit,
    held,
    requested,
  });
}
