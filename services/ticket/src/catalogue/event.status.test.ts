import { describe, expect, it } from 'vitest';
import { deriveStatus, publishedStatus } from './event.status';

const at = (iso: string) => new Date(iso);
const base = {
  saleStartsAt: at('2026-05-01T10:00:00Z'),
  saleEndsAt: at('2026-06-01T10:00:00Z'),
  endsAt: at('2026-06-01T13:00:00Z'),
  available: 10,
};

describe('deriveStatus', () => {
  it('follows the sale window', () => {
    expect(publishedStatus(base, at('2026-04-30T00:00:00Z'))).toBe('scheduled');
    expect(deriveStatus({ ...base, status: 'scheduled' }, at('2026-05-01T10:00:00Z'))).toBe('on_sale');
    expect(deriveStatus({ ...base, status: 'on_sale' }, at('2026-06-01T10:00:00Z'))).toBe('sale_closed');
    expect(deriveStatus({ ...base, status: 'sale_closed' }, at('2026-06-01T13:00:00Z'))).toBe('ended');
  });

  it('is sold out with no seat available during the sale, and on sale again when one returns', () => {
    expect(deriveStatus({ ...base, status: 'on_sale', available: 0 }, at('2026-05-02T00:00:00Z'))).toBe(
      'sold_out',
    );
    expect(deriveStatus({ ...base, status: 'sold_out', available: 1 }, at('2026-05-02T00:00:00Z'))).toBe(
      'on_sale',
    );
  });

  it('never moves draft, cancelled or ended events', () => {
    for (const status of ['draft', 'cancelled', 'ended'] as const) {
      expect(deriveStatus({ ...base, status }, at('2026-05-02T00:00:00Z'))).toBe(status);
    }
  });
});
