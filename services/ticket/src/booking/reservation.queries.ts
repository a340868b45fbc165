import type { Kysely } from 'kysely';
import type { ReservationStatus } from '@tiketi/contracts';
import type { ReservationRow } from './reservation.model';

/** Read-side queries: listings (buyer, admin area) and the operations dashboard's counts. */
type Db = Kysely<any>;

export interface ReservationFilter {
  userId?: string;
  eventId?: string;
  status?: ReservationStatus;
  /** Matches the reservation id, the buyer's e-mail or name. */
  q?: string;
  limit?: number;
  offset?: number;
}

/** Newest first; the admin area reuses it for its listing and CSV export. */
export async function listReservations(
  db: Db,
  filter: ReservationFilter,
): Promise<{ rows: ReservationRow[]; total: number }> {
  let q = db.selectFrom('reservations');
  if (filter.userId) q = q.where('user_id', '=', filter.userId);
  if (filter.eventId) q = q.where('event_id', '=', filter.eventId);
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.q) {
    const like = `%${filter.q.replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
    q = q.where((eb) =>
      eb.or([eb('id', '=', filter.q!), eb('user_email', 'ilike', like), eb('user_name', 'ilike', like)]),
    );
  }
  const [rows, count] = await Promise.all([
    q
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(filter.limit ?? 50)
      .offset(filter.offset ?? 0)
      .execute(),
    q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst(),
  ]);
  return { rows: rows as ReservationRow[], total: Number(count?.n ?? 0) };
}

/**
 * What a buyer still has going: holds not yet paid or let go, and paid bookings of events that
 * have not ended and were not cancelled. An account is not closed while any remain.
 */
export async function openBookingsOf(
  db: Db,
  userId: string,
  now: Date,
): Promise<{ pending: number; upcoming: number }> {
  const row = await db
    .selectFrom('reservations as r')
    .leftJoin('events as e', 'e.id', 'r.event_id')
    .select((eb) => [
      eb.fn.sum<number>(eb.case().when('r.status', '=', 'pending').then(1).else(0).end()).as('pending'),
      eb.fn
        .sum<number>(
          eb
            .case()
            .when(
              eb.and([
                eb('r.status', 'in', ['confirmed', 'partially_refunded']),
                eb('e.ends_at', '>', now),
                eb('e.status', '<>', 'cancelled'),
              ]),
            )
            .then(1)
            .else(0)
            .end(),
        )
        .as('upcoming'),
    ])
    .where('r.user_id', '=', userId)
    .where('r.status', 'in', ['pending', 'confirmed', 'partially_refunded'])
    .executeTakeFirst();
  return { pending: Number(row?.pending ?? 0), upcoming: Number(row?.upcoming ?? 0) };
}

export async function countHeldSeats(db: Db): Promise<number> {
  const row = await db
    .selectFrom('seats')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'held')
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Tickets (seats) confirmed since `since`. */
export async function countSeatsConfirmedSince(db: Db, since: Date): Promise<number> {
  const row = await db
    .selectFrom('reservations')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('seat_count'), eb.lit(0)).as('n'))
    .where('confirmed_at', '>=', since)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Pending reservations (holds) of an event, oldest first: what cancelling the event closes. */
export async function pendingReservationIdsOfEvent(
  db: Db,
  eventId: string,
  limit: number,
): Promise<string[]> {
  const rows = await db
    .selectFrom('reservations')
    .select('id')
    .where('event_id', '=', eventId)
    .where('status', '=', 'pending')
    .orderBy('created_at')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id as string);
}

/** The status of the event a reservation is for (undefined when there is no such reservation). */
export async function eventStatusOfReservation(db: Db, reservationId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('reservations as r')
    .innerJoin('events as e', 'e.id', 'r.event_id')
    .select('e.status')
    .where('r.id', '=', reservationId)
    .executeTakeFirst();
  return row?.status as string | undefined;
}
