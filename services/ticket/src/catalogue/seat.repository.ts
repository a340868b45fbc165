import { sql, type Kysely, type Transaction } from 'kysely';
import { newId } from '@tiketi/platform';
import type { ExpandedSection } from './layout.service';

type Db = Kysely<any> | Transaction<any>;

/** A seat as the catalogue stores it (static data plus the status booking maintains). */
export interface StaticSeat {
  id: string;
  sectionId: string;
  section: string;
  row: string;
  number: number;
  label: string;
  price: number;
  x: number;
  y: number;
  accessible: boolean;
  companion: boolean;
  status: 'available' | 'held' | 'sold' | 'blocked';
  sort: number;
}

export interface SeatInsert {
  id?: string;
  sectionId: string;
  row: string;
  number: number;
  label: string;
  price: number;
  x: number;
  y: number;
  accessible: boolean;
  companion: boolean;
  status: 'available' | 'blocked';
  sort: number;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * `count` seat ids that sort in generation order: one fresh ULID's time and randomness, then a
 * 6-character base32 counter in place of its last characters. Same shape as newId('seat').
 */
export function seatIds(count: number): string[] {
  const stem = newId('seat').slice(0, -6);
  const ids = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    let n = i;
    let suffix = '';
    for (let k = 0; k < 6; k++) {
      suffix = CROCKFORD[n & 31] + suffix;
      n >>>= 5;
    }
    ids[i] = stem + suffix;
  }
  return ids;
}

/**
 * Inserts any number of seats in ONE statement (INSERT ... SELECT FROM unnest of column arrays):
 * a 50,000-seat stadium is a single round trip instead of 50,000.
 */
export async function insertSeats(db: Db, eventId: string, seats: SeatInsert[]): Promise<void> {
  if (seats.length === 0) return;
  const col = <T>(pick: (s: SeatInsert) => T) => seats.map(pick);
  const fresh = seatIds(seats.length);
  await sql`
    insert into ${sql.table('ticket.seats')}
      (id, event_id, section_id, row_label, number, label, price, x, y, accessible, companion, status, sort)
    select t.id, ${eventId}, t.section_id, t.row_label, t.number, t.label, t.price, t.x, t.y, t.accessible, t.companion, t.status, t.sort
    from unnest(
      ${seats.map((s, i) => s.id ?? fresh[i]!)}::text[], ${col((s) => s.sectionId)}::text[], ${col((s) => s.row)}::text[],
      ${col((s) => s.number)}::int[], ${col((s) => s.label)}::text[], ${col((s) => s.price)}::int[],
      ${col((s) => s.x)}::real[], ${col((s) => s.y)}::real[], ${col((s) => s.accessible)}::boolean[],
      ${col((s) => s.companion)}::boolean[], ${col((s) => s.status)}::text[], ${col((s) => s.sort)}::int[]
    ) as t(id, section_id, row_label, number, label, price, x, y, accessible, companion, status, sort)
  `.execute(db);
}

/** Inserts the sections and all seats of an expanded layout for an event that has none yet. */
export async function createSeatMap(db: Db, eventId: string, sections: ExpandedSection[]): Promise<number> {
  const seats: SeatInsert[] = [];
  for (const section of sections) {
    const sectionId = newId('sec');
    await db
      .withSchema('ticket')
      .insertInto('sections')
      .values({
        id: sectionId,
        event_id: eventId,
        name: section.name,
        price: section.price,
        color: section.color,
        kind: section.kind,
        capacity: section.capacity,
        sort: section.sort,
      })
      .execute();
    for (const s of section.seats) {
      seats.push({
        sectionId,
        row: s.row,
        number: s.number,
        label: s.label,
        price: s.price,
        x: s.x,
        y: s.y,
        accessible: s.accessible,
        companion: s.companion,
        status: s.blocked ? 'blocked' : 'available',
        sort: s.sort,
      });
    }
  }
  await insertSeats(db, eventId, seats);
  return seats.length;
}

/**
 * The static seat rows of an event in drawing order (the seat-map route of the booking area
 * serves these with live status on top). Empty when the event has no seats or does not exist.
 */
export async function loadEventSeats(db: Kysely<any>, eventId: string): Promise<StaticSeat[]> {
  const rows = await db
    .withSchema('ticket')
    .selectFrom('seats as s')
    .innerJoin('sections as c', 'c.id', 's.section_id')
    .select([
      's.id',
      's.section_id',
      'c.name as section',
      's.row_label',
      's.number',
      's.label',
      's.price',
      's.x',
      's.y',
      's.accessible',
      's.companion',
      's.status',
      's.sort',
    ])
    .where('s.event_id', '=', eventId)
    .orderBy('s.sort')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    sectionId: r.section_id,
    section: r.section,
    row: r.row_label,
    number: r.number,
    label: r.label,
    price: r.price,
    x: Number(r.x),
    y: Number(r.y),
    accessible: r.accessible,
    companion: r.companion,
    status: r.status,
    sort: r.sort,
  }));
}

export async function countSeatsByStatus(db: Db, eventId: string): Promise<Record<string, number>> {
  const rows = await db
    .withSchema('ticket')
    .selectFrom('seats')
    .select(['status', sql<number>`count(*)::int`.as('n')])
    .where('event_id', '=', eventId)
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status as string, Number(r.n)]));
}

/** Whether any seat of the event is available: one index probe, where a count reads every seat. */
export async function hasAvailable(db: Db, eventId: string): Promise<boolean> {
  const { rows } = await sql<{ found: boolean }>`select exists (
      select 1 from ${sql.table('ticket.seats')} where event_id = ${eventId} and status = 'available'
    ) as found`.execute(db);
  return rows[0]?.found === true;
}

export async function countAvailable(db: Db, eventId: string): Promise<number> {
  const row = await db
    .withSchema('ticket')
    .selectFrom('seats')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('event_id', '=', eventId)
    .where('status', '=', 'available')
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/**
 * Refreshes the planner's statistics of the seats table. A hold locks its seats by id, but on a
 * table the planner has not sampled since a large seat map arrived (a new install's first big
 * event, say) it expects a handful of seats per event and walks the event's whole index of
 * available seats instead (measured: 2,787 rows read to lock 3, and growing with the map). A
 * seat map's creation or replacement is rare and the sample is bounded (30,000 rows), so the
 * statistics are refreshed right then instead of waiting for autovacuum.
 */
export async function refreshSeatStatistics(db: Kysely<any>): Promise<void> {
  await sql`analyze ${sql.table('ticket.seats')}`.execute(db);
}
