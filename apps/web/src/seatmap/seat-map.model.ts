import type { Seat, SeatMap, SeatStatus } from '../api/types';

export const STATUS_CODES: Record<SeatStatus, number> = { available: 0, held: 1, sold: 2, blocked: 3 };
export const STATUS_NAMES: SeatStatus[] = ['available', 'held', 'sold', 'blocked'];

const PALETTE = ['#e4572e', '#4c6ef5', '#2f9e44', '#f59f00', '#ae3ec9', '#1098ad', '#d6336c', '#5c940d'];

/**
 * The seat map kept outside React state: 50,000 seats change a few at a time, so statuses live in
 * a typed array and the canvas repaints from it; React only hears a version number.
 */
export class SeatMapModel {
  readonly seats: Seat[];
  readonly index = new Map<string, number>();
  readonly status: Uint8Array;
  readonly sectionColor = new Map<string, string>();
  readonly bounds: { minX: number; minY: number; maxX: number; maxY: number };
  readonly seatSize: number;
  version: number;
  private grid = new Map<string, number[]>();
  private cell: number;

  constructor(map: SeatMap, sectionColors: Record<string, string | null | undefined> = {}) {
    this.seats = map.seats;
    this.version = map.version;
    this.status = new Uint8Array(map.seats.length);
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    const rows = new Map<string, number[]>();
    map.seats.forEach((seat, i) => {
      this.index.set(seat.id, i);
      this.status[i] = STATUS_CODES[seat.status] ?? 3;
      minX = Math.min(minX, seat.x);
      minY = Math.min(minY, seat.y);
      maxX = Math.max(maxX, seat.x);
      maxY = Math.max(maxY, seat.y);
      if (!this.sectionColor.has(seat.section)) {
        this.sectionColor.set(
          seat.section,
          sectionColors[seat.section] ?? PALETTE[this.sectionColor.size % PALETTE.length]!,
        );
      }
      const rowKey = `${seat.section}|${seat.row}`;
      const row = rows.get(rowKey);
      if (row) row.push(seat.x);
      else rows.set(rowKey, [seat.x]);
    });
    if (!map.seats.length) {
      minX = minY = 0;
      maxX = maxY = 1;
    }
    this.bounds = { minX, minY, maxX, maxY };
    // Seat size = the smallest gap between neighbours in a row (sampled), so seats never overlap.
    let gap = Infinity;
    let sampled = 0;
    for (const xs of rows.values()) {
      if (xs.length < 2) continue;
      xs.sort((a, b) => a - b);
      for (let i = 1; i < xs.length; i++) {
        const d = xs[i]! - xs[i - 1]!;
        if (d > 0) gap = Math.min(gap, d);
      }
      if (++sampled > 200) break;
    }
    if (!Number.isFinite(gap))
      gap = Math.max(1, Math.sqrt(((maxX - minX + 1) * (maxY - minY + 1)) / Math.max(1, map.seats.length)));
    this.seatSize = gap * 0.85;
    this.cell = gap * 4;
    map.seats.forEach((seat, i) => {
      const key = this.cellKey(seat.x, seat.y);
      const bucket = this.grid.get(key);
      if (bucket) bucket.push(i);
      else this.grid.set(key, [i]);
    });
  }

  private cellKey(x: number, y: number): string {
    return `${Math.floor(x / this.cell)}:${Math.floor(y / this.cell)}`;
  }

  statusOf(id: string): SeatStatus | undefined {
    const i = this.index.get(id);
    return i === undefined ? undefined : STATUS_NAMES[this.status[i]!];
  }

  /** Applies `seats:update` changes; returns the ids that changed. */
  apply(changes: Array<{ seatId: string; status: SeatStatus }>): string[] {
    const changed: string[] = [];
    for (const change of changes) {
      const i = this.index.get(change.seatId);
      if (i === undefined) continue;
      const code = STATUS_CODES[change.status];
      if (code === undefined || this.status[i] === code) continue;
      this.status[i] = code;
      this.seats[i]!.status = change.status;
      changed.push(change.seatId);
    }
    return changed;
  }

  /** The seat under a world point, if any (grid lookup; constant time at 50,000 seats). */
  hit(x: number, y: number): Seat | undefined {
    const cx = Math.floor(x / this.cell);
    const cy = Math.floor(y / this.cell);
    const half = this.seatSize / 2;
    let best: Seat | undefined;
    let bestD = Infinity;
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (const i of this.grid.get(`${cx + dx}:${cy + dy}`) ?? []) {
          const s = this.seats[i]!;
          const ddx = Math.abs(s.x - x);
          const ddy = Math.abs(s.y - y);
          if (ddx <= half && ddy <= half && ddx + ddy < bestD) {
            bestD = ddx + ddy;
            best = s;
          }
        }
      }
    }
    return best;
  }

  sections(): Array<{ name: string; color: string; price: number; available: number; total: number }> {
    const out = new Map<
      string,
      { name: string; color: string; price: number; available: number; total: number }
    >();
    this.seats.forEach((seat, i) => {
      let s = out.get(seat.section);
      if (!s) {
        s = {
          name: seat.section,
          color: this.sectionColor.get(seat.section) ?? '#888',
          price: seat.price,
          available: 0,
          total: 0,
        };
        out.set(seat.section, s);
      }
      s.total++;
      s.price = Math.min(s.price, seat.price);
      if (this.status[i] === 0) s.available++;
    });
    return [...out.values()];
  }
}
