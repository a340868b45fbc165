import type { Seat, SeatMap } from '../api/types';

/** A seat of a stored row that lists its seats one by one (numbers with gaps, own labels or coordinates). */
export interface ListedSeat {
  number: number;
  label?: string;
  x?: number;
  y?: number;
  accessible?: boolean;
  companion?: boolean;
  blocked?: boolean;
}

export interface EditorRow {
  label: string;
  seats: number;
  /** Kept from a stored layout the editor has no field for: a first seat number other than 1, companion seats. */
  start?: number;
  companion?: number[];
  /**
   * A stored row's seats one by one, given back as they were (with the form's blocked and accessible
   * marks) while the row keeps their count: read as a count alone, "1, 2, 5" came back as "1, 2, 3".
   */
  listed?: ListedSeat[];
}

/** The seats the row stands for: its listed seats while their count holds, else `start` onwards. */
function listedSeats(r: EditorRow): ListedSeat[] | null {
  return r.listed && r.listed.length === r.seats ? r.listed : null;
}

function seatNumbers(r: EditorRow): number[] {
  const listed = listedSeats(r);
  if (listed) return listed.map((seat) => seat.number);
  const first = r.start ?? 1;
  return Array.from({ length: Math.max(0, r.seats) }, (_, i) => first + i);
}

function inRow(r: EditorRow): (n: number) => boolean {
  const listed = listedSeats(r);
  if (listed) {
    const numbers = new Set(listed.map((seat) => seat.number));
    return (n) => numbers.has(n);
  }
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
      if (s.kind === 'standing')
        return { name: s.name, price: s.price, color: s.color, kind: 'standing', capacity: s.capacity };
      const blocked = numbersByRow(s.blocked);
      const accessible = numbersByRow(s.accessible);
      return {
        name: s.name,
        price: s.price,
        color: s.color,
        rows: s.rows.map((r) => {
          const key = r.label.toUpperCase();
          const listed = listedSeats(r);
          if (listed) {
            const b = new Set(blocked.get(key) ?? []);
            const a = new Set(accessible.get(key) ?? []);
            return {
              label: r.label,
              seats: listed.map(({ blocked: _b, accessible: _a, ...seat }) => ({
                ...seat,
                ...(b.has(seat.number) ? { blocked: true } : {}),
                ...(a.has(seat.number) ? { accessible: true } : {}),
              })),
            };
          }
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
        seats: number | ListedSeat[];
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
      const listed = r.seats ?? [];
      for (const seat of listed) {
        if (seat.blocked) blocked.push(`${r.label}-${seat.number}`);
        if (seat.accessible) accessible.push(`${r.label}-${seat.number}`);
      }
      // A count changed in the form numbers the row afresh from its first seat.
      const first = Math.min(...listed.map((seat) => seat.number));
      return {
        label: r.label,
        seats: listed.length,
        ...(listed.length && first !== 1 ? { start: first } : {}),
        listed,
      };
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
        seats.push({
          id: `${s.name}-${i}`,
          section: s.name,
          row: 'GA',
          number: i + 1,
          label: `GA-${i + 1}`,
          price: s.price,
          status: 'available',
          x: (i % cols) * 10,
          y: y + Math.floor(i / cols) * 10,
        });
      }
      y += Math.ceil(count / cols) * 10 + 20;
      continue;
    }
    const blocked = labelSet(s.blocked);
    const width = Math.max(1, ...s.rows.map((r) => r.seats));
    for (const r of s.rows) {
      const offset = ((width - r.seats) / 2) * 10;
      const numbers = seatNumbers(r);
      for (const [i, number] of numbers.entries()) {
        const label = `${r.label}-${number}`;
        seats.push({
          id: `${s.name}-${label}`,
          section: s.name,
          row: r.label,
          number,
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
