import { describe, expect, it } from 'vitest';
import { AppError } from '@tiketi/platform';
import { expandLayout } from './layout.service';

function layoutError(input: unknown): AppError {
  try {
    expandLayout(input);
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected INVALID_LAYOUT');
}

describe('expandLayout', () => {
  it('expands the compact form with generated coordinates and labels', () => {
    const out = expandLayout({
      sections: [
        {
          name: 'VIP',
          price: 150000,
          rows: [
            { label: 'A', seats: 20 },
            { label: 'B', seats: 18, accessible: [1] },
          ],
        },
      ],
    });
    expect(out.seatsTotal).toBe(38);
    const seats = out.sections[0]!.seats;
    expect(seats[0]).toMatchObject({
      label: 'VIP A-1',
      row: 'A',
      number: 1,
      price: 150000,
      accessible: false,
    });
    expect(seats[20]).toMatchObject({ label: 'VIP B-1', accessible: true });
    expect(seats[1]!.x).toBeGreaterThan(seats[0]!.x);
    expect(seats[20]!.y).toBeGreaterThan(seats[0]!.y);
    expect(new Set(seats.map((s) => s.label)).size).toBe(38);
  });

  it('accepts the full form and standing areas', () => {
    const out = expandLayout({
      version: 1,
      sections: [
        {
          name: 'R',
          price: 99000,
          color: '#ff0000',
          rows: [
            {
              label: '1',
              seats: [
                { number: 1, x: 5, y: 7, blocked: true },
                { number: 2, companion: true },
              ],
            },
          ],
        },
        { name: 'Standing', price: 88000, kind: 'standing', capacity: 120 },
      ],
    });
    expect(out.seatsTotal).toBe(122);
    expect(out.sections[0]!.seats[0]).toMatchObject({ x: 5, y: 7, blocked: true });
    expect(out.sections[1]).toMatchObject({ kind: 'standing', capacity: 120 });
  });

  it('names the offending path of duplicate labels, empty sections and negative prices', () => {
    const dup = layoutError({
      sections: [{ name: 'A', price: 1, rows: [{ label: 'X', seats: [{ number: 1 }, { number: 1 }] }] }],
    });
    expect(dup.code).toBe('INVALID_LAYOUT');
    expect(dup.details?.path).toBe('layout.sections[0].rows[0].seats[1]');

    const empty = layoutError({
      sections: [
        { name: 'A', price: 1, rows: [{ label: 'X', seats: 2 }] },
        { name: 'B', price: 1, rows: [] },
      ],
    });
    expect(empty.details?.path).toBe('layout.sections[1].rows');

    const negative = layoutError({ sections: [{ name: 'A', price: -5, rows: [{ label: 'X', seats: 2 }] }] });
    expect(negative.details?.path).toBe('layout.sections[0].price');
  });
});
