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

interface Row {
  key: string;
  rank: number;
  centre: number;
  count: number;
  free: CandidateSeat[];
}

/**
 * Picks `quantity` available seats: adjacent in one row where possible, never leaving a single
 * stranded seat beside the block when another placement avoids it, in the row nearest the stage,
 * as central as the row allows. Falls back to the nearest seats when no row has a block that big.
 * Returns null when fewer than `quantity` seats are free.
 */
export function chooseBestAvailable(
  seats: CandidateSeat[],
  quantity: number,
  options: { section?: string; exclude?: Set<string> } = {},
): string[] | null {
  const rows = new Map<string, Row>();
  const inSection = (s: CandidateSeat) =>
    !options.section || s.sectionId === options.section || s.section === options.section;
  for (const seat of seats) {
    if (!inSection(seat)) continue;
    const key = `${seat.sectionId}\u0000${seat.row}`;
    let row = rows.get(key);
    if (!row) {
      row = { key, rank: seat.sort, centre: 0, count: 0, free: [] };
      rows.set(key, row);
    }
    row.rank = Math.min(row.rank, seat.sort);
    // The centre of the whole row (taken seats too), so a block stays central as the row fills.
    row.centre += seat.number;
    row.count += 1;
    if (seat.status === 'available' && !options.exclude?.has(seat.id)) row.free.push(seat);
  }
  const ordered = [...rows.values()].sort((a, b) => a.rank - b.rank);
  for (const row of ordered) {
    row.centre /= row.count;
    row.free.sort((a, b) => a.number - b.number);
  }

  let fallback: string[] | null = null;
  for (const row of ordered) {
    const best = bestWindow(row, quantity);
    if (!best) continue;
    if (!best.orphan) return best.ids;
    fallback ??= best.ids;
  }
  if (fallback) return fallback;

  const nearest = ordered.flatMap((r) => r.free).slice(0, quantity);
  return nearest.length === quantity ? nearest.map((s) => s.id) : null;
}

function bestWindow(row: Row, quantity: number): { ids: string[]; orphan: boolean } | null {
  // Runs of consecutive seat numbers.
  const runs: CandidateSeat[][] = [];
  for (const seat of row.free) {
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
      const distance = Math.abs(mid - row.centre);
      if (!best || (best.orphan && !orphan) || (best.orphan === orphan && distance < best.distance)) {
        best = { ids: block.map((s) => s.id), orphan, distance };
      }
    }
  }
  return best ? { ids: best.ids, orphan: best.orphan } : null;
}
