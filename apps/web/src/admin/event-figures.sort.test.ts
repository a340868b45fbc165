import { describe, expect, it } from 'vitest';
import type { EventFigures } from '../api/types';
import { compareEventFigures } from './event-figures.sort';

const row = (title: string, revenue: number, startsAt: string | null): EventFigures => ({
  eventId: `evt_${title}`,
  title,
  startsAt,
  seatsTotal: 10,
  seatsSold: 0,
  revenue,
  refunds: 0,
  conversionRate: 0,
});

describe('sorting the statistics by event', () => {
  const rows = [
    row('B', 100, '2026-12-02T00:00:00Z'),
    row('A', 300, null),
    row('C', 100, '2026-12-01T00:00:00Z'),
  ];
  const titles = (key: 'revenue' | 'startsAt', desc: boolean) =>
    [...rows].sort((a, b) => compareEventFigures(a, b, key, desc)).map((r) => r.title);

  it('orders by the column either way, ties by title', () => {
    expect(titles('revenue', true)).toEqual(['A', 'B', 'C']);
    expect(titles('revenue', false)).toEqual(['B', 'C', 'A']);
  });

  it('puts events without a date last in both directions', () => {
    expect(titles('startsAt', false)).toEqual(['C', 'B', 'A']);
    expect(titles('startsAt', true)).toEqual(['B', 'C', 'A']);
  });
});
