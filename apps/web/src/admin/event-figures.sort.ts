import type { EventFigures } from '../api/types';

export type SortKey =
  'title' | 'startsAt' | 'seatsSold' | 'seatsTotal' | 'revenue' | 'refunds' | 'conversionRate';

/** Ascending or descending by `key`; events without a date (known only from sales) always last. */
export function compareEventFigures(a: EventFigures, b: EventFigures, key: SortKey, desc: boolean): number {
  const x = a[key];
  const y = b[key];
  if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
  const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
  return (desc ? -order : order) || a.title.localeCompare(b.title);
}
