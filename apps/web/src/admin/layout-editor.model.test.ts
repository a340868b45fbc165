import { describe, expect, it } from 'vitest';
import { fromLayout, previewMap, toLayout } from './layout-editor.model';

describe('the layout editor model', () => {
  it('gives back the layout it was given: numbering, blocked, accessible and companion seats, standing areas', () => {
    const stored = {
      sections: [
        { name: 'Floor', price: 99_000, color: '#e4572e', kind: 'standing', capacity: 300 },
        {
          name: 'R',
          price: 120_000,
          color: '#4c6ef5',
          rows: [
            { label: 'A', seats: 10, start: 11, blocked: [11], accessible: [20], companion: [19] },
            { label: 'B', seats: 8, blocked: [1, 2] },
          ],
        },
      ],
    };
    expect(toLayout(fromLayout(stored)!)).toEqual(stored);
  });

  it('drops marks that fall outside a row once it is shortened', () => {
    const sections = fromLayout({
      sections: [
        { name: 'R', price: 1, rows: [{ label: 'A', seats: 10, start: 11, blocked: [20], companion: [19] }] },
      ],
    })!;
    sections[0]!.rows[0]!.seats = 5;
    expect(toLayout(sections).sections[0]).toMatchObject({ rows: [{ label: 'A', seats: 5, start: 11 }] });
    expect(JSON.stringify(toLayout(sections))).not.toMatch(/blocked|companion/);
  });

  it('reads per-seat rows as counts with their marks, and previews seats by their numbers', () => {
    const sections = fromLayout({
      sections: [
        {
          name: 'S',
          price: 1,
          rows: [
            {
              label: 'C',
              seats: [{ number: 1 }, { number: 2, blocked: true }, { number: 3, accessible: true }],
            },
          ],
        },
      ],
    })!;
    expect(sections[0]).toMatchObject({
      rows: [{ label: 'C', seats: 3 }],
      blocked: 'C-2',
      accessible: 'C-3',
    });
    const numbered = fromLayout({
      sections: [{ name: 'R', price: 1, rows: [{ label: 'A', seats: 2, start: 7 }] }],
    })!;
    expect(previewMap(numbered).seats.map((s) => s.label)).toEqual(['A-7', 'A-8']);
  });

  it('gives back rows listed seat by seat as they were: numbers with gaps, labels, coordinates, with the form’s marks', () => {
    const stored = {
      sections: [
        {
          name: 'Box',
          price: 200_000,
          color: '#ae3ec9',
          rows: [
            {
              label: 'L',
              seats: [
                { number: 1, x: 10, y: 5 },
                { number: 2, x: 20, y: 5, companion: true },
                { number: 5, x: 50, y: 5, label: 'Box L-5', accessible: true },
              ],
            },
          ],
        },
      ],
    };
    const sections = fromLayout(stored)!;
    expect(toLayout(sections)).toEqual(stored);
    expect(previewMap(sections).seats.map((s) => s.label)).toEqual(['L-1', 'L-2', 'L-5']);

    // Marks changed in the form land on the listed seats; the numbering stays.
    sections[0]!.blocked = 'L-2';
    sections[0]!.accessible = '';
    expect(toLayout(sections).sections[0]).toEqual({
      name: 'Box',
      price: 200_000,
      color: '#ae3ec9',
      rows: [
        {
          label: 'L',
          seats: [
            { number: 1, x: 10, y: 5 },
            { number: 2, x: 20, y: 5, companion: true, blocked: true },
            { number: 5, x: 50, y: 5, label: 'Box L-5' },
          ],
        },
      ],
    });
  });

  it('numbers a listed row afresh from its first seat once its count changes in the form', () => {
    const sections = fromLayout({
      sections: [
        { name: 'R', price: 1, rows: [{ label: 'D', seats: [{ number: 3 }, { number: 4 }, { number: 9 }] }] },
      ],
    })!;
    sections[0]!.rows[0]!.seats = 4;
    expect(toLayout(sections).sections[0]).toMatchObject({ rows: [{ label: 'D', seats: 4, start: 3 }] });
  });
});
