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
});
