/** What best-available needs of a seat (the seat map cache's seats fit). */
export interface CandidateSeat {
  id: string;
  sectionId: string;
  section: string;
  row: string;
  number: number;
  status: string;
  /** Position in layout order: lower is nearer the stage. */
  sort: number;
}

/** One row of the layout: its seats in number order, built once per seat map (statuses are read live). */
export interface SeatRow {
  sectionId: string;
  section: string;
  rank: number;
  /** The centre of the whole row (taken seats too), so a block stays central as the row fills. */
  centre: number;
  seats: CandidateSeat[];
}

/** The rows nearest the stage first; the seat objects are shared, so later status changes show. */
export function indexRows(seats: CandidateSeat[]): SeatRow[] {
  const rows = new Map<string, SeatRow & { sum: number }>();
  for (const seat of seats) {
    const key = `${seat.sectionId}\u0000${seat.row}`;
    let row = rows.get(key);
    if (!row) {
      row = {
        sectionId: seat.sectionId,
        section: seat.section,
        rank: seat.sort,
        centre: 0,
        sum: 0,
        seats: [],
      };
      rows.set(key, row);
    }
    row.rank = Math.min(row.rank, seat.sort);
    row.sum += seat.number;
    row.seats.push(seat);
  }
  const ordered = [...rows.values()].sort((a, b) => a.rank - b.rank);
  return ordered.map(({ sum, ...row }) => ({
    ...row,
    centre: sum / row.seats.length,
    seats: row.seats.sort((a, b) => a.number - b.number),
  }));
}

/**
 * Picks `quantity` available seats: adjacent in one row where possible, never leaving a single
 * stranded seat beside the block when another placement avoids it, in the row nearest the stage,
 * as central as the row allows. Falls back to the nearest seats when no row has a block that big.
 * Returns null when fewer than `quantity` seats are free. Pass the rows of `indexRows` when
 * choosing often from one map: the scan then stops at the first row that fits.
 */
export function chooseBestAvailable(
  seats: CandidateSeat[] | SeatRow[],
  quantity: number,
  options: { section?: string; exclude?: { has(seatId: string): boolean } } = {},
): string[] | null {
  const rows = isIndexed(seats) ? seats : indexRows(seats);
  const candidates = rows.filter(
    (r) => !options.section || r.sectionId === options.section || r.section === options.section,
  );
  const freeOf = (row: SeatRow) =>
    row.seats.filter((s) => s.status === 'available' && !options.exclude?.has(s.id));

  let fallback: string[] | null = null;
  for (const row of candidates) {
    const best = bestWindow(freeOf(row), row.centre, quantity);
    if (!best) continue;
    if (!best.orphan) return best.ids;
    fallback ??= best.ids;
  }
  if (fallback) return fallback;

  const nearest: CandidateSeat[] = [];
  for (const row of candidates) {
    for (const seat of freeOf(row)) {
      nearest.push(seat);
      if (nearest.length === quantity) return nearest.map((s) => s.id);
    }
  }
  return null;
}

function isIndexed(seats: CandidateSeat[] | SeatRow[]): seats is SeatRow[] {
  return seats.length > 0 && 'centre' in seats[0]!;
}

function bestWindow(
  free: CandidateSeat[],
  centre: number,
  quantity: number,
): { ids: string[]; orphan: boolean } | null {
  // Runs of consecutive seat numbers.
  const runs: CandidateSeat[][] = [];
  for (const seat of free) {
    const run = runs[runs.length - 1];
    if (run && seat.number === run[run.length - 1]!.number + 1) run.push(seat);
    else runs.push([seat]);
  }
  let best: { ids: string[]; orphan: boolean; distance: number } | null = null;
  for (const run of runs) {
    for (let start = 0; start + quantity <= run.length; start++) {
      const left = start;
      const right = run.length - start - quantity;
      const orphan = left === 1 || right === 1;
      const block = run.slice(start, start + quantity);
      const mid = (block[0]!.number + block[block.length - 1]!.number) / 2;
      const distance = Math.abs(mid - centre);
      if (!best || (best.orphan && !orphan) || (best.orphan === orphan && distance < best.distance)) {
        best = { ids: block.map((s) => s.id), orphan, distance };
      }
    }
  }
  return best ? { ids: best.ids, orphan: best.orphan } : null;
}
