import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Coordination } from '@tiketi/platform';
import { SeatMapBodyBuilder, type SeatMapBody } from './seat-map.body';
import { indexRows, type SeatRow } from './best-available';

export interface SeatMapSeat {
  id: string;
  section: string;
  sectionId: string;
  row: string;
  number: number;
  label: string;
  price: number;
  status: string;
  x: number;
  y: number;
  accessible: boolean;
  /** Seat order from the layout (nearest the stage first); not sent to clients. */
  sort: number;
}

export interface SeatChange {
  seatId: string;
  status: string;
}

interface Entry {
  eventId: string;
  version: number;
  /** events.layout_version the seats were read at: a layout edit replaces seats, so reload fully. */
  layoutVersion: number;
  seats: SeatMapSeat[];
  index: Map<string, number>;
  /** Each seat's JSON, kept in step with its status: a new version re-joins only the changed pieces instead of re-serialising 50,000 objects. */
  fragments: string[];
  /** Pieces of the serialised map shared between versions (only changed seats' pieces are rebuilt). */
  builder: SeatMapBodyBuilder;
  /** The response body (identity and gzip) for `version`, built once per version on demand. */
  body: SeatMapBody | null;
  /** Rows for best-available, built on first use; they share the seat objects, so statuses stay live. */
  rows: SeatRow[] | null;
  /** Seats whose status is available, kept in step with every status change (best available refuses at once when too few). */
  available: number;
  loadedAt: number;
  checkedAt: number;
  stale: boolean;
}

export interface SeatMapCacheOptions {
  db: Kysely<any>;
  coordination: () => Coordination;
  log: Logger;
  /** Without a shared version (Redis down) a cached map is refetched when older than this. */
  unversionedMaxAgeMs?: number;
  /** Layout edits by the catalogue do not bump the version: a full reload at least this often. */
  fullReloadMs?: number;
}

/**
 * Per-event seat maps held in memory so a 50,000-seat map is served without a database round
 * trip per request. Every committed change bumps a per-event version (a shared counter in
 * coordination, so replicas agree) and is applied in place; a replica that finds the shared
 * version moved past its own refetches statuses from PostgreSQL, which stays the truth.
 */
export class SeatMapCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry | null>>();
  private readonly localVersions = new Map<string, number>();
  /** Per event: changes whose shared version was taken but which are not applied yet. */
  private readonly inFlight = new Map<string, number>();
  /** Per event being loaded: changes applied meanwhile, replayed onto the loaded map. */
  private readonly duringLoad = new Map<string, Array<{ version: number; changes: SeatChange[] }>>();
  private readonly unversionedMaxAgeMs: number;
  private readonly fullReloadMs: number;

  constructor(private readonly options: SeatMapCacheOptions) {
    this.unversionedMaxAgeMs = options.unversionedMaxAgeMs ?? 1_000;
    this.fullReloadMs = options.fullReloadMs ?? 60_000;
  }

  private versionKey(eventId: string): string {
    return `ticket:seatmap:v:${eventId}`;
  }

  private async sharedVersion(eventId: string): Promise<number | null> {
    try {
      return Number((await this.options.coordination().get(this.versionKey(eventId))) ?? 0);
    } catch {
      return null;
    }
  }

  /** Records committed changes: returns the new version (shared when coordination answers). */
  async apply(eventId: string, changes: SeatChange[]): Promise<number> {
    let version: number;
    let shared = true;
    this.inFlight.set(eventId, (this.inFlight.get(eventId) ?? 0) + 1);
    try {
      version = await this.options.coordination().incr(this.versionKey(eventId));
    } catch (err) {
      shared = false;
      version = Math.max(this.localVersions.get(eventId) ?? 0, this.entries.get(eventId)?.version ?? 0) + 1;
      this.options.log.debug(
        { err, eventId },
        'seat map version from coordination unavailable; using a local one',
      );
    } finally {
      const left = (this.inFlight.get(eventId) ?? 1) - 1;
      if (left > 0) this.inFlight.set(eventId, left);
      else this.inFlight.delete(eventId);
    }
    this.localVersions.set(eventId, version);
    this.duringLoad.get(eventId)?.push({ version, changes });
    const entry = this.entries.get(eventId);
    if (entry) {
      if (!entry.stale && (entry.version === version - 1 || !shared)) {
        applyInPlace(entry, changes);
        entry.version = version;
      } else {
        // Another replica's change came in between: our copy may have missed it.
        entry.stale = true;
      }
    }
    return version;
  }

  /** The current map; null when the event has no seats (or does not exist). */
  async get(
    eventId: string,
    layoutVersion: number,
  ): Promise<{
    version: number;
    seats: SeatMapSeat[];
    available: number;
    rows(): SeatRow[];
    body(): SeatMapBody;
  } | null> {
    const entry = await this.fresh(eventId, layoutVersion);
    if (!entry) return null;
    return {
      version: entry.version,
      seats: entry.seats,
      available: entry.available,
      rows: () => (entry.rows ??= indexRows(entry.seats)),
      body: () => (entry.body ??= entry.builder.build(eventId, entry.layoutVersion, entry.version)),
    };
  }

  /**
   * Seats available in this replica's copy, without any I/O; null when it keeps none, or knows
   * its copy missed another replica's change.
   */
  availableHere(eventId: string): number | null {
    const entry = this.entries.get(eventId);
    return entry && !entry.stale ? entry.available : null;
  }

  invalidate(eventId: string): void {
    this.entries.delete(eventId);
  }

  private async fresh(eventId: string, layoutVersion: number): Promise<Entry | null> {
    const now = Date.now();
    let entry = this.entries.get(eventId);
    // Only a newer layout replaces the copy: a caller's event row may be a moment old (the event
    // cache), and dropping a newer copy for it would reload twice.
    if (entry && entry.layoutVersion < layoutVersion) {
      this.entries.delete(eventId);
      entry = undefined;
    }
    if (entry && !entry.stale && now - entry.loadedAt < this.fullReloadMs) {
      const current = await this.sharedVersion(eventId);
      if (current === null ? now - entry.checkedAt < this.unversionedMaxAgeMs : current === entry.version)
        return entry;
      // A version read before our own latest changes landed, or versions this process took and is
      // about to apply, are not news: under a flash sale there nearly always are some, and
      // reloading 50,000 statuses for them would never end.
      if (current !== null && current - entry.version <= (this.inFlight.get(eventId) ?? 0)) return entry;
    }
    let pending = this.loading.get(eventId);
    if (!pending) {
      const buffered: Array<{ version: number; changes: SeatChange[] }> = [];
      this.duringLoad.set(eventId, buffered);
      pending = this.load(eventId, layoutVersion)
        .then((loaded) => {
          if (loaded) catchUp(loaded, buffered);
          return loaded;
        })
        .finally(() => {
          this.loading.delete(eventId);
          if (this.duringLoad.get(eventId) === buffered) this.duringLoad.delete(eventId);
        });
      this.loading.set(eventId, pending);
    }
    return pending;
  }

  private async load(eventId: string, layoutVersion: number): Promise<Entry | null> {
    // Read the version before the rows: the rows are then at least as new as the version says.
    const shared = await this.sharedVersion(eventId);
    const previous = this.entries.get(eventId);
    const version = shared ?? Math.max(this.localVersions.get(eventId) ?? 0, previous?.version ?? 0);
    const now = Date.now();
    if (previous && now - previous.loadedAt < this.fullReloadMs) {
      const rows = await this.options.db
        .selectFrom('seats')
        .select(['id', 'status'])
        .where('event_id', '=', eventId)
        .execute();
      for (const row of rows) {
        const i = previous.index.get(row.id as string);
        if (i !== undefined) setStatus(previous, i, row.status as string);
      }
      if (rows.length === previous.seats.length) {
        Object.assign(previous, { version, body: null, checkedAt: now, stale: false });
        return previous;
      }
    }
    const rows = await this.options.db
      .selectFrom('seats as s')
      .innerJoin('sections as sec', 'sec.id', 's.section_id')
      .select([
        's.id',
        's.section_id',
        'sec.name as section',
        's.row_label',
        's.number',
        's.label',
        's.price',
        's.status',
        's.x',
        's.y',
        's.accessible',
        's.sort',
        'sec.sort as section_sort',
      ])
      .where('s.event_id', '=', eventId)
      .orderBy('sec.sort')
      .orderBy('s.sort')
      .orderBy('s.row_label')
      .orderBy('s.number')
      .execute();
    if (rows.length === 0) {
      this.entries.delete(eventId);
      return null;
    }
    const seats: SeatMapSeat[] = rows.map((r, i) => ({
      id: r.id as string,
      section: r.section as string,
      sectionId: r.section_id as string,
      row: r.row_label as string,
      number: Number(r.number),
      label: r.label as string,
      price: Number(r.price),
      status: r.status as string,
      x: Number(r.x),
      y: Number(r.y),
      accessible: Boolean(r.accessible),
      sort: i,
    }));
    const fragments = seats.map((s) => JSON.stringify(publicSeat(s)));
    const entry: Entry = {
      eventId,
      version,
      layoutVersion,
      seats,
      index: new Map(seats.map((s, i) => [s.id, i])),
      fragments,
      // A periodic full reload usually finds most pieces unchanged: keep their compressed bytes.
      builder: new SeatMapBodyBuilder(
        fragments,
        previous?.layoutVersion === layoutVersion ? previous.builder : undefined,
      ),
      body: null,
      rows: null,
      available: seats.reduce((n, s) => (s.status === 'available' ? n + 1 : n), 0),
      loadedAt: now,
      checkedAt: now,
      stale: false,
    };
    this.entries.set(eventId, entry);
    return entry;
  }
}

function applyInPlace(entry: Entry, changes: SeatChange[]): void {
  for (const change of changes) {
    const i = entry.index.get(change.seatId);
    if (i !== undefined) setStatus(entry, i, change.status);
  }
  entry.body = null;
}

function setStatus(entry: Entry, i: number, status: string): void {
  const seat = entry.seats[i]!;
  if (seat.status === status) return;
  if (seat.status === 'available') entry.available -= 1;
  else if (status === 'available') entry.available += 1;
  seat.status = status;
  entry.fragments[i] = JSON.stringify(publicSeat(seat));
  entry.builder.changed(i);
}

/**
 * Changes committed while a map was being read: those after the version it was read at are
 * replayed in order (statuses only move forward, so a change the rows already had is set again to
 * the same or an older status that its successor, also replayed or still to come, overwrites).
 * A gap means another replica changed seats: the map is marked stale and reloaded on next use.
 */
function catchUp(entry: Entry, buffered: Array<{ version: number; changes: SeatChange[] }>): void {
  for (const b of [...buffered].sort((x, y) => x.version - y.version)) {
    if (b.version <= entry.version) continue;
    if (b.version !== entry.version + 1) {
      entry.stale = true;
      return;
    }
    applyInPlace(entry, b.changes);
    entry.version = b.version;
  }
}

function publicSeat(s: SeatMapSeat) {
  return {
    id: s.id,
    section: s.section,
    sectionId: s.sectionId,
    row: s.row,
    number: s.number,
    label: s.label,
    price: s.price,
    status: s.status,
    x: s.x,
    y: s.y,
    accessible: s.accessible,
  };
}
