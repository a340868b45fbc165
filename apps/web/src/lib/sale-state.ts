import type { EventDetail } from '../api/types';

/** Where an event's sale stands for a buyer now; the server decides again at every hold. */
export type SaleState = 'cancelled' | 'sold_out' | 'not_open' | 'closed' | 'open';

export function saleStateOf(
  event: Pick<EventDetail, 'status' | 'saleStartsAt' | 'saleEndsAt'>,
  now: number,
): SaleState {
  if (event.status === 'cancelled') return 'cancelled';
  if (event.status === 'sold_out') return 'sold_out';
  if (now < new Date(event.saleStartsAt).getTime()) return 'not_open';
  if (
    now > new Date(event.saleEndsAt).getTime() ||
    event.status === 'sale_closed' ||
    event.status === 'ended'
  )
    return 'closed';
  return 'open';
}
