import { Value } from '@sinclair/typebox/value';
import { AppError } from '@tiketi/platform';
import { Layout, type LayoutSection } from './layout.schemas';

export const MAX_SEATS_PER_LAYOUT = 100_000;
const SEAT_GAP = 24;
const ROW_GAP = 28;
const SECTION_GAP = 48;
const STANDING_COLUMNS = 50;
const PALETTE = ['#6366f1', '#ec4899', '#f59e0b', '#10b981', '#0ea5e9', '#8b5cf6', '#ef4444', '#14b8a6'];

export interface ExpandedSeat {
  row: string;
  number: number;
  label: string;
  price: number;
  x: number;
  y: number;
  accessible: boolean;
  companion: boolean;
  blocked: boolean;
  sort: number;
}

export interface ExpandedSection {
  name: string;
  price: number;
  color: string;
  kind: 'seated' | 'standing';
  capacity: number | null;
  sort: number;
  seats: ExpandedSeat[];
}

export interface ExpandedLayout {
  layout: Layout;
  sections: ExpandedSection[];
  seatsTotal: number;
}

export interface LayoutIssue {
  path: string;
  message: string;
}

function invalid(issues: LayoutIssue[], base: string): AppError {
  const first = issues[0]!;
  return AppError.invalid('INVALID_LAYOUT', `${first.message} (${first.path})`, {
    path: first.path,
    issues: issues.slice(0, 20).map((i) => ({ ...i, path: i.path || base })),
  });
}

type SeatSpec = {
  number: number;
  label?: string;
  x?: number;
  y?: number;
  accessible?: boolean;
  companion?: boolean;
  blocked?: boolean;
};

interface PreparedRow {
  label: string;
  path: string;
  count: number;
  /** Seat i of the row (compact rows build it on the fly: no per-seat objects kept). */
  seat(i: number): SeatSpec;
  /** Path of seat i, computed only when an error names it. */
  seatPath(i: number): string;
}

function prepareRow(
  section: LayoutSection,
  rowIndex: number,
  sectionPath: string,
  issues: LayoutIssue[],
): PreparedRow {
  const row = section.rows![rowIndex]!;
  const path = `${sectionPath}.rows[${rowIndex}]`;
  let prepared: PreparedRow;
  if (typeof row.seats === 'number') {
    const start = row.start ?? 1;
    const accessible = new Set(row.accessible ?? []);
    const companion = new Set(row.companion ?? []);
    const blocked = new Set(row.blocked ?? []);
    prepared = {
      label: row.label,
      path,
      count: row.seats,
      seat: (i) => {
        const n = start + i;
        return {
          number: n,
          accessible: accessible.has(n),
          companion: companion.has(n),
          blocked: blocked.has(n),
        };
      },
      seatPath: () => `${path}.seats`,
    };
  } else {
    const seats = row.seats;
    prepared = {
      label: row.label,
      path,
      count: seats.length,
      seat: (i) => seats[i]!,
      seatPath: (i) => `${path}.seats[${i}]`,
    };
  }
  if (prepared.count === 0) issues.push({ path: `${path}.seats`, message: 'row has no seats' });
  return prepared;
}

/**
 * Validates a layout document and expands it into sections and seats with generated coordinates.
 * Structural errors and semantic ones (duplicate labels, empty sections) both become
 * 400 INVALID_LAYOUT naming the offending path, e.g. `layout.sections[1].rows[0].label`.
 */
export function expandLayout(input: unknown, base = 'layout'): ExpandedLayout {
  if (!Value.Check(Layout, input)) {
    const issues = [...Value.Errors(Layout, input)].slice(0, 20).map((e) => ({
      path:
        base +
        e.path
          .split('/')
          .filter(Boolean)
          .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
          .join(''),
      message: e.message,
    }));
    throw invalid(issues, base);
  }
  const layout = input;
  const issues: LayoutIssue[] = [];
  if (layout.sections.length === 0)
    issues.push({ path: `${base}.sections`, message: 'layout has no sections' });

  const sectionNames = new Map<string, number>();
  const labels = new Map<string, () => string>();
  const prepared = layout.sections.map((section, si) => {
    const path = `${base}.sections[${si}]`;
    const key = section.name.trim().toLowerCase();
    if (sectionNames.has(key))
      issues.push({ path: `${path}.name`, message: `duplicate section name "${section.name}"` });
    sectionNames.set(key, si);
    const kind = section.kind ?? (section.capacity !== undefined && !section.rows ? 'standing' : 'seated');
    if (kind === 'standing') {
      if (section.rows?.length)
        issues.push({ path: `${path}.rows`, message: 'a standing area has a capacity, not rows' });
      if (!section.capacity)
        issues.push({
          path: `${path}.capacity`,
          message: 'standing area is empty (capacity must be at least 1)',
        });
      return { section, path, kind, rows: [] as PreparedRow[] };
    }
    const rows = (section.rows ?? []).map((_, ri) => prepareRow(section, ri, path, issues));
    if (rows.reduce((n, r) => n + r.count, 0) === 0)
      issues.push({ path: `${path}.rows`, message: 'section has no seats' });
    const rowLabels = new Set<string>();
    rows.forEach((r, ri) => {
      if (rowLabels.has(r.label))
        issues.push({
          path: `${path}.rows[${ri}].label`,
          message: `duplicate row "${r.label}" in section "${section.name}"`,
        });
      rowLabels.add(r.label);
    });
    return { section, path, kind, rows };
  });

  let total = 0;
  for (const p of prepared)
    total += p.kind === 'standing' ? (p.section.capacity ?? 0) : p.rows.reduce((n, r) => n + r.count, 0);
  if (total > MAX_SEATS_PER_LAYOUT)
    issues.push({
      path: `${base}.sections`,
      message: `layout has ${total} seats; at most ${MAX_SEATS_PER_LAYOUT}`,
    });
  if (issues.length) throw invalid(issues, base);

  const widest = Math.max(STANDING_COLUMNS, ...prepared.flatMap((p) => p.rows.map((r) => r.count)));
  let y = 0;
  let sort = 0;
  const sections: ExpandedSection[] = prepared.map((p, si) => {
    const { section } = p;
    const color = section.color ?? PALETTE[si % PALETTE.length]!;
    const seats: ExpandedSeat[] = [];
    const push = (seat: ExpandedSeat, path: () => string) => {
      const previous = labels.get(seat.label);
      if (previous !== undefined)
        issues.push({
          path: path(),
          message: `duplicate seat label "${seat.label}" (also at ${previous()})`,
        });
      else labels.set(seat.label, path);
      seats.push(seat);
    };
    if (p.kind === 'standing') {
      const capacity = section.capacity!;
      const capacityPath = () => `${p.path}.capacity`;
      for (let i = 0; i < capacity; i++) {
        const col = i % STANDING_COLUMNS;
        const line = Math.floor(i / STANDING_COLUMNS);
        push(
          {
            row: 'GA',
            number: i + 1,
            label: `${section.name} GA-${i + 1}`,
            price: section.price,
            x: ((widest - STANDING_COLUMNS) / 2 + col) * SEAT_GAP,
            y: y + line * (SEAT_GAP / 2),
            accessible: false,
            companion: false,
            blocked: false,
            sort: sort++,
          },
          capacityPath,
        );
      }
      y += Math.ceil(capacity / STANDING_COLUMNS) * (SEAT_GAP / 2) + SECTION_GAP;
    } else {
      for (const row of p.rows) {
        const offset = ((widest - row.count) / 2) * SEAT_GAP;
        for (let i = 0; i < row.count; i++) {
          const s = row.seat(i);
          push(
            {
              row: row.label,
              number: s.number,
              label: s.label ?? `${section.name} ${row.label}-${s.number}`,
              price: section.price,
              x: s.x ?? offset + i * SEAT_GAP,
              y: s.y ?? y,
              accessible: s.accessible ?? false,
              companion: s.companion ?? false,
              blocked: s.blocked ?? false,
              sort: sort++,
            },
            () => row.seatPath(i),
          );
        }
        y += ROW_GAP;
      }
      y += SECTION_GAP;
    }
    return {
      name: section.name,
      price: section.price,
      color,
      kind: p.kind,
      capacity: p.kind === 'standing' ? section.capacity! : null,
      sort: si,
      seats,
    };
  });
  if (issues.length) throw invalid(issues, base);
  return { layout: { version: layout.version ?? 1, sections: layout.sections }, sections, seatsTotal: total };
}
