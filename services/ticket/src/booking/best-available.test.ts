import { describe, expect, it } from 'vitest';
import { chooseBestAvailable, indexRows, type CandidateSeat } from './best-available';

function row(
  rowLabel: string,
  numbers: number,
  taken: number[] = [],
  sortBase = 0,
  sectionId = 'sec_a',
): CandidateSeat[] {
  return Array.from({ length: numbers }, (_, i) => ({
    id: `${sectionId}-${rowLabel}${i + 1}`,
    sectionId,
    section: sectionId === 'sec_a' ? 'R' : 'S',
    row: rowLabel,
    number: i + 1,
    status: taken.includes(i + 1) ? 'sold' : 'available',
    sort: sortBase + i,
  }));
}

describe('chooseBestAvailable', () => {
  it('takes a central block of the front row', () => {
    expect(chooseBestAvailable([...row('A', 10), ...row('B', 10, [], 10)], 2)).toEqual([
      'sec_a-A5',
      'sec_a-A6',
    ]);
  });

  it('avoids leaving a single seat stranded beside the block', () => {
    // Free: 1-3 and 6-10. Two seats in 1-3 would strand one; 6-10 has room without doing so.
    const seats = row('A', 10, [4, 5]);
    const chosen = chooseBestAvailable(seats, 2)!;
    expect(chosen).not.toContain('sec_a-A1');
    expect(chosen).not.toContain('sec_a-A3');
    expect(chosen).toHaveLength(2);
    const numbers = chosen.map((id) => Number(id.split('A')[1]));
    expect(Math.abs(numbers[0]! - numbers[1]!)).toBe(1);
  });

  it('moves back a row rather than split a group, and splits only when no row fits', () => {
    const seats = [...row('A', 6, [2, 5]), ...row('B', 6, [], 10)];
    // B2-B4 would strand B1: a block flush with the row's end is taken instead.
    expect(chooseBestAvailable(seats, 3)).toEqual(['sec_a-B1', 'sec_a-B2', 'sec_a-B3']);
    const scattered = [...row('A', 4, [2, 4]), ...row('B', 4, [1, 3], 10)];
    expect(chooseBestAvailable(scattered, 3)).toEqual(['sec_a-A1', 'sec_a-A3', 'sec_a-B2']);
  });

  it('respects the section, exclusions, and answers null when too few are free', () => {
    const seats = [...row('A', 4), ...row('A', 4, [], 10, 'sec_b')];
    expect(chooseBestAvailable(seats, 2, { section: 'S' })).toEqual(['sec_b-A1', 'sec_b-A2']);
    expect(chooseBestAvailable(seats, 2, { section: 'sec_b', exclude: new Set(['sec_b-A2']) })).toEqual([
      'sec_b-A3',
      'sec_b-A4',
    ]);
    expect(chooseBestAvailable(seats, 5, { section: 'S' })).toBeNull();
  });

  it('chooses the same from prebuilt rows, and sees status changes made after they were built', () => {
    const seats = [...row('B', 8, [], 10), ...row('A', 8, [3, 6]), ...row('A', 6, [], 20, 'sec_b')];
    const rows = indexRows(seats);
    for (const quantity of [1, 2, 3, 4, 6, 9])
      for (const section of [undefined, 'S', 'sec_a'])
        expect(chooseBestAvailable(rows, quantity, { section })).toEqual(
          chooseBestAvailable(seats, quantity, { section }),
        );
    const first = chooseBestAvailable(rows, 2)!;
    for (const s of seats) if (first.includes(s.id)) s.status = 'held';
    const second = chooseBestAvailable(rows, 2)!;
    expect(second.some((id) => first.includes(id))).toBe(false);
    expect(second).toEqual(chooseBestAvailable(seats, 2));
  });
});
