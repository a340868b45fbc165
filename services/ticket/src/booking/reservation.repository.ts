import { sql, type Kysely } from 'kysely';
import type { ReservationStatus } from '@tiketi/contracts';
import type { ReservationRow, ReservationSeatRow } from './reservation.model';

/** Kysely bound to the ticket schema: ctx.db or a transaction opened from it. */
type Db = Kysely<any>;

export interface BookableEvent {
  id: string;
  title: string;
  status: string;
  sale_starts_at: Date | string;
  sale_ends_at: Date | string;
  seat_limit: number;
  hold_minutes: number;
  starts_at: Date | string;
  venue_name: string;
  refund_policy_id: string;
  layout_version: number;
}

export async function findEvent(db: Db, eventId: string): Promise<BookableEvent | undefined> {
  return db
    .selectFrom('events')
    .select([
      'id',
      'title',
      'status',
      'sale_starts_at',
      'sale_ends_at',
      'seat_limit',
      'hold_minutes',
      'starts_at',
      'venue_name',
      'refund_policy_id',
      'layout_version',
    ])
    .where('id', '=', eventId)
    .executeTakeFirst() as Promise<BookableEvent | undefined>;
}

export async function findEvents(db: Db, ids: string[]): Promise<BookableEvent[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('events')
    .select([
      'id',
      'title',
      'status',
      'sale_starts_at',
      'sale_ends_at',
      'seat_limit',
      'hold_minutes',
      'starts_at',
      'venue_name',
      'refund_policy_id',
      'layout_version',
    ])
    .where('id', 'in', ids)
    .execute() as Promise<BookableEvent[]>;
}

/** Sets seat statuses (locking in id order first); only rows currently in one of `from` change. */
export async function setSeatStatus(
  trx: Db,
  seatIds: string[],
  from: string[],
  to: string,
): Promise<string[]> {
  if (seatIds.length === 0) return [];
  const sorted = [...seatIds].sort();
  await trx.selectFrom('seats').select('id').where('id', 'in', sorted).orderBy('id').forUpdate().execute();
  const rows = await trx
    .updateTable('seats')
    .set({ status: to })
    .where('id', 'in', sorted)
    .where('status', 'in', from)
    .returning('id')
    .execute();
  return rows.map((r) => r.id as string);
}

export async function findReservation(db: Db, id: string): Promise<ReservationRow | undefined> {
  return db.selectFrom('reservations').selectAll().where('id', '=', id).executeTakeFirst() as Promise<
    ReservationRow | undefined
  >;
}

export async function findReservationForUpdate(trx: Db, id: string): Promise<ReservationRow | undefined> {
  return trx
    .selectFrom('reservations')
    .selectAll()
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst() as Promise<ReservationRow | undefined>;
}

export async function seatsOf(db: Db, reservationIds: string[]): Promise<ReservationSeatRow[]> {
  if (reservationIds.length === 0) return [];
  return db
    .selectFrom('reservation_seats')
    .selectAll()
    .where('reservation_id', 'in', reservationIds)
    .orderBy('reservation_id')
    .orderBy('label')
    .execute() as Promise<ReservationSeatRow[]>;
}

/**
 * The one way a reservation changes state: conditional on the state the caller expects, so of two
 * racing transitions exactly one updates a row and the other sees nothing returned.
 */
export async function transitionReservation(
  trx: Db,
  id: string,
  from: ReservationStatus[],
  set: Record<string, unknown>,
  extraWhere?: { notLeasedAt?: Date },
): Promise<ReservationRow | undefined> {
  return transitionReservationStatement(trx, id, from, set, extraWhere).executeTakeFirst() as Promise<
    ReservationRow | undefined
  >;
}

/** transitionReservation's statement (exported so a test can read its plan); a batch's for many ids. */
export function transitionReservationStatement(
  trx: Db,
  id: string | string[],
  from: ReservationStatus[],
  set: Record<string, unknown>,
  extraWhere?: { notLeasedAt?: Date },
) {
  let q = trx
    .updateTable('reservations')
    .set({ ...set, updated_at: new Date() })
    .where('id', 'in', Array.isArray(id) ? id : [id])
    // status || '': the id is the only way in. Written plainly, a move from pending alone matches
    // the pending-expiry index as well as the key, and on a table sampled before a sale the two
    // cost the same: releasing or cancelling each hold then walked every pending hold.
    .where(sql<string>`status || ''`, 'in', from);
  if (extraWhere?.notLeasedAt) {
    const at = extraWhere.notLeasedAt;
    q = q.where((eb) => eb.or([eb('payment_lease_until', 'is', null), eb('payment_lease_until', '<=', at)]));
  }
  return q.returningAll();
}

/** Deactivates a reservation's seats (all, or the given ones); returns the seats that changed. */
export async function deactivateSeats(
  trx: Db,
  reservationId: string,
  seatIds?: string[],
  refunded = false,
): Promise<ReservationSeatRow[]> {
  let q = trx
    .updateTable('reservation_seats')
    .set({ active: false, ...(refunded ? { refunded: true } : {}) })
    .where('reservation_id', '=', reservationId)
    .where('active', '=', true);
  if (seatIds) {
    if (seatIds.length === 0) return [];
    q = q.where('seat_id', 'in', seatIds);
  }
  return q.returningAll().execute() as Promise<ReservationSeatRow[]>;
}

export async function activeSeatCount(trx: Db, reservationId: string): Promise<number> {
  const row = await trx
    .selectFrom('reservation_seats')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('reservation_id', '=', reservationId)
    .where('active', '=', true)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/**
 * For payment.paid facts that find their reservation already confirmed by that payment (and maybe
 * refunded since): records those facts as processed by `consumer`, all in one statement, and
 * returns their event ids. The others (nothing written for them) still have work to do.
 */
export async function recordPaidIfSettled(
  db: Db,
  consumer: string,
  facts: Array<{ eventId: string; reservationId: string; paymentId: string }>,
): Promise<Set<string>> {
  if (facts.length === 0) return new Set();
  const given = sql.join(facts.map((f) => sql`(${f.eventId}, ${f.reservationId}, ${f.paymentId})`));
  const { rows } = await sql<{ event_id: string }>`
    with facts (event_id, reservation_id, payment_id) as (values ${given}),
    settled as (
      select f.event_id from facts f
      join ${sql.table('ticket.reservations')} r on r.id = f.reservation_id and r.payment_id = f.payment_id
      where r.status in ('confirmed', 'partially_refunded', 'refunded')
    ),
    recorded as (
      insert into ${sql.table('ticket.processed_events')} (consumer, event_id)
      select ${consumer}, event_id from settled
      on conflict do nothing
      returning 1
    )
    select event_id from settled
  `.execute(db);
  return new Set(rows.map((r) => r.event_id));
}

/** A closed account's name and address leave its bookings; the bookings stay, as the record of the sale. */
export async function forgetBuyer(db: Db, userId: string): Promise<number> {
  const r = await db
    .updateTable('reservations')
    .set({ user_email: '', user_name: '' })
    .where('user_id', '=', userId)
    .where((eb) => eb.or([eb('user_email', '!=', ''), eb('user_name', '!=', '')]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}
