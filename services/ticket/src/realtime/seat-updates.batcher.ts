import type { Realtime } from '../ticket.area';

export interface SeatsUpdateMessage {
  eventId: string;
  /** The newest seat-map version this message brings the client to. */
  version: number;
  /** The oldest version included: a client whose last version is below fromVersion - 1 missed one and refetches the map. */
  fromVersion: number;
  changes: Array<{ seatId: string; status: string }>;
}

interface Pending {
  fromVersion: number;
  version: number;
  changes: Map<string, string>;
}

/**
 * Collects seat changes per event and sends at most one `seats:update` per window (default
 * 100 ms) to the event's room: a flash sale changes thousands of seats a second and browsers want
 * a few messages, not one per seat. The first change after a quiet window goes out on the next
 * tick (changes committed together still travel together); later ones wait for the window to end.
 * Messages carry statuses only, never who holds a seat.
 */
export class SeatUpdateBatcher {
  private readonly pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | null = null;
  private lastFlushAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly realtime: () => Realtime,
    private readonly windowMs = 100,
    private readonly now: () => number = () => performance.now(),
  ) {}

  add(eventId: string, version: number, changes: Array<{ seatId: string; status: string }>): void {
    let p = this.pending.get(eventId);
    if (!p) {
      p = { fromVersion: version, version, changes: new Map() };
      this.pending.set(eventId, p);
    }
    p.fromVersion = Math.min(p.fromVersion, version);
    p.version = Math.max(p.version, version);
    for (const c of changes) p.changes.set(c.seatId, c.status);
    if (!this.timer) {
      const wait = Math.max(0, this.lastFlushAt + this.windowMs - this.now());
      this.timer = setTimeout(() => this.flush(), wait);
      this.timer.unref();
    }
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.size === 0) return;
    this.lastFlushAt = this.now();
    const batches = [...this.pending.entries()];
    this.pending.clear();
    for (const [eventId, p] of batches) {
      const message: SeatsUpdateMessage = {
        eventId,
        version: p.version,
        fromVersion: p.fromVersion,
        changes: [...p.changes].map(([seatId, status]) => ({ seatId, status })),
      };
      this.realtime().toEvent(eventId, 'seats:update', message);
    }
  }

  close(): void {
    this.flush();
  }
}
