import type { Seat, SeatMap } from '../api/types';

export interface EditorRow {
  label: string;
  seats: number;
}

export interface EditorSection {
  name: string;
  price: number;
  color: string;
  kind: 'seated' | 'standing';
  capacity: number;
  rows: EditorRow[];
  /** Seat labels like "A-3", comma separated. */
  blocked: string;
  accessible: string;
}

export const DEFAULT_COLORS = ['#e4572e', '#4c6ef5', '#2f9e44', '#f59f00', '#ae3ec9', '#1098ad'];

export function newSection(index: number): EditorSection {
  return {
    name: ['VIP', 'R', 'S', 'A', 'B', 'C'][index] ?? `Section ${index + 1}`,
    price: [150000, 120000, 90000, 70000, 50000, 30000][index] ?? 50000,
    color: DEFAULT_COLORS[index % DEFAULT_COLORS.length]!,
    kind: 'seated',
    capacity: 0,
    rows: [
      { label: String.fromCharCode(65 + index * 2), seats: 10 },
      { label: String.fromCharCode(66 + index * 2), seats: 10 },
    ],
    blocked: '',
    accessible: '',
  };
}

function labelSet(text: string): Set<string> {
  return new Set(
    text
      .split(/[\s,]+/)
      .map((s) => s.trim().toUpperCase())
      .filter(Boolean),
  );
}

/**
 * The layout document the API takes: the compact form (`seats` as a count) for ordinary rows, and
 * per-seat entries only for rows that have blocked or accessible seats.
 */
export function toLayout(sections: EditorSection[]): { sections: unknown[] } {
  return {
    sections: sections.map((s) => {
      if (s.kind === 'standing') return { name: s.name, price: s.price, color: s.color, kind: 'standing', capacity: s.capacity };
      const blocked = labelSet(s.blocked);
      const accessible = labelSet(s.accessible);
      return {
        name: s.name,
        price: s.price,
        color: s.color,
        rows: s.rows.map((r) => {
          const special = Array.from({ length: r.seats }, (_, i) => `${r.label}-${i + 1}`.toUpperCase()).some((l) => blocked.has(l) || accessible.has(l));
          if (!special) return { label: r.label, seats: r.seats };
          return {
            label: r.label,
            seats: Array.from({ length: r.seats }, (_, i) => {
              const label = `${r.label}-${i + 1}`.toUpperCase();
              return { number: i + 1, ...(blocked.has(label) ? { blocked: true } : {}), ...(accessible.has(label) ? { accessible: true } : {}) };
            }),
          };
        }),
      };
    }),
  };
}

/** Reads a stored layout back into the editor (compact or per-seat rows). */
export function fromLayout(layout: unknown): EditorSection[] | null {
  const sections = (layout as { sections?: unknown[] } | null)?.sections;
  if (!Array.isArray(sections)) return null;
  return sections.map((raw, index) => {
    const s = raw as Record<string, unknown>;
    const blocked: string[] = [];
    const accessible: string[] = [];
    const rows = ((s.rows as unknown[]) ?? []).map((rawRow) => {
      const r = rawRow as { label: string; seats: number | Array<{ number: number; blocked?: boolean; accessible?: boolean }> };
      if (typeof r.seats === 'number') return { label: r.label, seats: r.seats };
      for (const seat of r.seats ?? []) {
        if (seat.blocked) blocked.push(`${r.label}-${seat.number}`);
        if (seat.accessible) accessible.push(`${r.label}-${seat.number}`);
      }
      return { label: r.label, seats: (r.seats ?? []).length };
    });
    return {
      name: String(s.name ?? ''),
      price: Number(s.price ?? 0),
      color: String(s.color ?? DEFAULT_COLORS[index % DEFAULT_COLORS.length]),
      kind: s.kind === 'standing' ? 'standing' : 'seated',
      capacity: Number(s.capacity ?? 0),
      rows,
      blocked: blocked.join(', '),
      accessible: accessible.join(', '),
    };
  });
}

/** A preview seat map with generated coordinates (sections stacked from the stage down). */
export function previewMap(sections: EditorSection[]): SeatMap {
  const seats: Seat[] = [];
  let y = 0;
  for (const s of sections) {
    if (s.kind === 'standing') {
      const cols = 20;
      const count = Math.min(s.capacity, 400);
      for (let i = 0; i < count; i++) {
        seats.push({ id: `${s.name}-${i}`, section: s.name, row: 'GA', number: i + 1, label: `GA-${i + 1}`, price: s.price, status: 'available', x: (i % cols) * 10, y: y + Math.floor(i / cols) * 10 });
      }
      y += Math.ceil(count / cols) * 10 + 20;
      continue;
    }
    const blocked = labelSet(s.blocked);
    const width = Math.max(1, ...s.rows.map((r) => r.seats));
    for (const r of s.rows) {
      const offset = ((width - r.seats) / 2) * 10;
      for (let i = 0; i < r.seats; i++) {
        const label = `${r.label}-${i + 1}`;
        seats.push({
          id: `${s.name}-${label}`,
          section: s.name,
          row: r.label,
          number: i + 1,
          label,
          price: s.price,
          status: blocked.has(label.toUpperCase()) ? 'blocked' : 'available',
          x: offset + i * 10,
          y,
          accessible: labelSet(s.accessible).has(label.toUpperCase()),
        });
      }
      y += 10;
    }
    y += 20;
  }
  return { eventId: 'preview', version: 0, seats };
}
