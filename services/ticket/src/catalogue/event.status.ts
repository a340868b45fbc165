import type { EventStatus } from '@tiketi/contracts';

export interface StatusInputs {
  status: EventStatus;
  saleStartsAt: Date;
  saleEndsAt: Date;
  endsAt: Date;
  /** Seats with status `available`. */
  available: number;
}

/** States the clock and seat sales move an event between once it is published. */
export const LIVE_STATUSES: EventStatus[] = ['scheduled', 'on_sale', 'sold_out', 'sale_closed'];

/**
 * Where a published event should be at `now`: scheduled before the sale, on_sale (or sold_out
 * with no seat left) during it, sale_closed after it, ended after the show. Draft, cancelled and
 * ended events never move on their own.
 */
export function deriveStatus(input: StatusInputs, now: Date): EventStatus {
  if (!LIVE_STATUSES.includes(input.status)) return input.status;
  const t = now.getTime();
  if (t >= input.endsAt.getTime()) return 'ended';
  if (t >= input.saleEndsAt.getTime()) return 'sale_closed';
  if (t < input.saleStartsAt.getTime()) return 'scheduled';
  return input.available > 0 ? 'on_sale' : 'sold_out';
}

/** Status an event gets when it is published at `now`. */
export function publishedStatus(input: Omit<StatusInputs, 'status'>, now: Date): EventStatus {
  return deriveStatus({ ...input, status: 'scheduled' }, now);
}
