import type { Kysely } from 'kysely';
import { findEvent, type BookableEvent } from './reservation.repository';

interface Cached {
  event: BookableEvent | undefined;
  at: number;
}

/**
 * What the hold and seat-map routes need of an event (status, sale window, limits), kept for a
 * moment so that a flash sale's thousands of requests per second do not each read the same row.
 * Only a hint: a hold re-reads the event's status and sale window in its own transaction, and a
 * cached answer that would turn a buyer away is re-read before it does.
 */
export class BookableEventCache {
  private readonly entries = new Map<string, Cached>();
  private readonly loading = new Map<string, Promise<BookableEvent | undefined>>();

  constructor(
    private readonly db: Kysely<any>,
    private readonly maxAgeMs = 1_000,
    private readonly maxEntries = 10_000,
  ) {}

  /**
   * The kept row while it is young and `usable` accepts it; otherwise the row read now. A caller
   * passes what it would turn a buyer away for (a sale not open yet, say), so that a row a moment
   * old never does: the answer then comes from the database.
   */
  async get(
    eventId: string,
    usable: (event: BookableEvent | undefined) => boolean = () => true,
  ): Promise<BookableEvent | undefined> {
    const hit = this.entries.get(eventId);
    if (hit && Date.now() - hit.at < this.maxAgeMs && usable(hit.event)) return hit.event;
    return this.fresh(eventId);
  }

  /** Reads the row now (joining a read already under way) and keeps it. */
  fresh(eventId: string): Promise<BookableEvent | undefined> {
    let pending = this.loading.get(eventId);
    if (!pending) {
      const startedAt = Date.now();
      pending = findEvent(this.db, eventId)
        .then((event) => {
          if (this.entries.size >= this.maxEntries) this.entries.clear();
          this.entries.set(eventId, { event, at: startedAt });
          return event;
        })
        .finally(() => this.loading.delete(eventId));
      this.loading.set(eventId, pending);
    }
    return pending;
  }

  invalidate(eventId: string): void {
    this.entries.delete(eventId);
  }
}
