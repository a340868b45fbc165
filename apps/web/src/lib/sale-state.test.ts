import { describe, expect, it } from 'vitest';
import type { EventDetail } from '../api/types';
import { saleStateOf } from './sale-state';

const at = (iso: string) => new Date(iso).getTime();
const event: Pick<EventDetail, 'status' | 'saleStartsAt' | 'saleEndsAt'> = {
  status: 'on_sale',
  saleStartsAt: '2026-12-01T01:00:00.000Z',
  saleEndsAt: '2026-12-20T01:00:00.000Z',
};

describe('saleStateOf', () => {
  it('is open between the sale window ends while the event sells', () => {
    expect(saleStateOf(event, at('2026-12-05T00:00:00Z'))).toBe('open');
  });

  it('is not open before the window, and closed after it whatever the stored status says', () => {
    expect(saleStateOf(event, at('2026-12-01T00:59:59Z'))).toBe('not_open');
    expect(saleStateOf(event, at('2026-12-20T01:00:01Z'))).toBe('closed');
    expect(saleStateOf({ ...event, status: 'sale_closed' }, at('2026-12-05T00:00:00Z'))).toBe('closed');
    expect(saleStateOf({ ...event, status: 'ended' }, at('2026-12-05T00:00:00Z'))).toBe('closed');
  });

  it('says cancelled and sold out before anything the clock says', () => {
    expect(saleStateOf({ ...event, status: 'cancelled' }, at('2026-11-01T00:00:00Z'))).toBe('cancelled');
    expect(saleStateOf({ ...event, status: 'sold_out' }, at('2026-12-25T00:00:00Z'))).toBe('sold_out');
  });
});
