import type { Seat, SeatMap } from '../api/types';

export interface EditorRow {
  label: string;
  seats: number;
  /** Kept from a stored layout the editor has no field for: a first seat number other than 1, companion seats. */
  start?: number;
  companion?: number[];
}

/** The seat numbers a row has: `start` .. `start + seats - 1`. */
function inRow(r: EditorRow): (n: number) => boolean {
  const first = r.start ?? 1;
  return (n) => n >= first && n < first + r.seats;
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

/** "A-3, A-4, B-1" -> {A: [3, 4], B: [1]} (row label, seat number). */
function numbersByRow(text: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const label of labelSet(text)) {
    const m = /^(.+)-(\d+)$/.exec(label);
    if (!m) continue;
    const list = out.get(m[1]!) ?? [];
    list.push(Number(m[2]));
    out.set(m[1]!, list);
  }
  return out;
}

/** The compact layout document the API takes, with blocked and accessible seat numbers per row. */
export function toLayout(sections: EditorSection[]): { sections: unknown[] } {
  return {
    sections: sections.map((s) => {
      if (s.kind === 'standing') return { name: s.name, price: s.price, color: s.color, kind: 'standing', capacity: s.capacity };
      const blocked = numbersByRow(s.blocked);
      const accessible = numbersByRow(s.accessible);
      return {
        name: s.name,
        price: s.price,
        color: s.color,
        rows: s.rows.map((r) => {
          const key = r.label.toUpperCase();
          const fits = inRow(r);
          const b = (blocked.get(key) ?? []).filter(fits);
          const a = (accessible.get(key) ?? []).filter(fits);
          const c = (r.companion ?? []).filter(fits);
          return {
            label: r.label,
            seats: r.seats,
            ...(r.start && r.start !== 1 ? { start: r.start } : {}),
            ...(b.length ? { blocked: b } : {}),
            ...(a.length ? { accessible: a } : {}),
            ...(c.length ? { companion: c } : {}),
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
      const r = rawRow as {
        label: string;
        seats: number | Array<{ number: number; blocked?: boolean; accessible?: boolean }>;
        start?: number;
        blocked?: number[];
        accessible?: number[];
        companion?: number[];
      };
      for (const n of r.blocked ?? []) blocked.push(`${r.label}-${n}`);
      for (const n of r.accessible ?? []) accessible.push(`${r.label}-${n}`);
      if (typeof r.seats === 'number')
        return {
          label: r.label,
          seats: r.seats,
          ...(r.start ? { start: r.start } : {}),
          ...(r.companion?.length ? { companion: r.companion } : {}),
        };
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
      const first = r.start ?? 1;
      for (let i = 0; i < r.seats; i++) {
        const label = `${r.label}-${first + i}`;
        seats.push({
          id: `${s.name}-${label}`,
          section: s.name,
          row: r.label,
          number: first + i,
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
