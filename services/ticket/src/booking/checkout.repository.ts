import { sql, type Kysely, type RawBuilder } from 'kysely';
import { outboxEntry, preparedStatement } from '@tiketi/platform';
import type { ReservationRow, ReservationSeatRow } from './reservation.model';
import type { BookableEvent } from './reservation.repository';

/**
 * The statements a paid checkout makes the ticket service run, each a single round trip: under a
 * flash sale every checkout pays for them, and on two cores a round trip costs more than the SQL
 * it carries (the sender's writev wakes a backend on the same cores).
 */
type Db = Kysely<any>;

export type ReservationWithSeats = ReservationRow & { seats: ReservationSeatRow[] };

const seatsJson = (reservationId: unknown) => sql<ReservationSeatRow[]>`coalesce((
    select json_agg(rs order by rs.label) from ${sql.table('ticket.reservation_seats')} rs
    where rs.reservation_id = ${reservationId}
  ), '[]'::json)`;

/** A reservation, its seats and its event (what the payment service prices and names a payment from). */
export async function reservationForPayment(
  db: Db,
  id: string,
): Promise<{ reservation: ReservationWithSeats; event: BookableEvent | null } | undefined> {
  const { rows } = await sql<
    ReservationWithSeats & { event: BookableEvent | null }
  >`${preparedStatement('ticket_reservation_for_payment')}
    select r.*, ${seatsJson(sql.ref('r.id'))} as seats,
      (select row_to_json(e) from (
        select id, title, status, sale_starts_at, sale_ends_at, seat_limit, hold_minutes, starts_at,
          venue_name, refund_policy_id, layout_version
        from ${sql.table('ticket.events')} where id = r.event_id
      ) e) as event
    from ${sql.table('ticket.reservations')} r
    where r.id = ${id}
  `.execute(db);
  const row = rows[0];
  if (!row) return undefined;
  const { event, ...reservation } = row;
  return { reservation, event };
}

/**
 * pending -> under a payment lease (the sweeper leaves it alone until `leaseUntil`), unless it ran
 * out or its event was cancelled; returns the leased reservation with its seats, or undefined.
 */
export async function leaseForPayment(
  db: Db,
  lease: { id: string; paymentId: string; now: Date; leaseUntil: Date },
): Promise<ReservationWithSeats | undefined> {
  const { rows } = await leaseStatement(lease).execute(db);
  return rows[0];
}

/** The lease as one statement (exported so a test can read its plan). */
export function leaseStatement(lease: { id: string; paymentId: string; now: Date; leaseUntil: Date }) {
  return sql<ReservationWithSeats>`${preparedStatement('ticket_lease_for_payment')}
    with leased as (
      update ${sql.table('ticket.reservations')} r
      set payment_id = ${lease.paymentId}, payment_lease_until = ${lease.leaseUntil}, updated_at = ${lease.now}
      -- status || '': the id is the only way in. Written plainly, the pending-expiry partial index
      -- matches too, and while the planner has not sampled the table (the first minute of a sale)
      -- it walks every unexpired hold to find this one (579 rows read for 1, and growing).
      where r.id = ${lease.id} and r.status || '' = 'pending' and r.expires_at > ${lease.now}
        and not exists (${eventCancelled(sql.ref('r.event_id'))})
      returning r.*
    )
    select l.*, ${seatsJson(sql.ref('l.id'))} as seats from leased l
  `;
}

/** The payment's lease on a pending reservation ends early (its payment failed or was abandoned). */
export async function releaseLease(
  db: Db,
  release: { id: string; paymentId: string; now: Date },
): Promise<void> {
  await releaseLeaseStatement(db, release).execute();
}

/** The release as one statement (exported so a test can read its plan). */
export function releaseLeaseStatement(db: Db, release: { id: string; paymentId: string; now: Date }) {
  return (
    db
      .updateTable('reservations')
      .set({ payment_lease_until: null, updated_at: release.now })
      .where('id', '=', release.id)
      .where('payment_id', '=', release.paymentId)
      // status || '': the id is the only way in (as for the lease above). Written plainly, the
      // pending-expiry index ties with the primary key on a table not yet sampled, and once it
      // was seen taken (600 leased holds): a release then walks every unexpired hold.
      .where(sql`status || ''`, '=', 'pending')
  );
}

export interface ConfirmedReservation {
  reservation: ReservationWithSeats;
  /** Seats that became sold in this statement (held or available before). */
  sold: string[];
  /** The reservation.confirmed outbox event's id. */
  eventId: string;
}

/**
 * pending -> confirmed for `paymentId` in one statement: the reservation (unless its event was
 * cancelled), its active seats locked in id order (as a hold locks them) and marked sold, and the
 * reservation.confirmed event in the outbox. Undefined when nothing changed: not pending any more,
 * or the event was cancelled (the caller reads why).
 */
export async function confirmForPayment(
  db: Db,
  confirm: { id: string; paymentId: string; now: Date },
): Promise<ConfirmedReservation | undefined> {
  const { envelope, row: out } = outboxEntry('ticket', 'reservation.confirmed', {
    reservationId: confirm.id,
    paymentId: confirm.paymentId,
    occurredAt: confirm.now.toISOString(),
  });
  const { rows } = await confirmStatement(confirm, out).execute(db);
  const row = rows[0];
  if (!row) return undefined;
  const { sold, ...reservation } = row;
  return { reservation, sold, eventId: envelope.id };
}

/** The confirm as one statement (exported so a test can read its plan). */
export function confirmStatement(
  confirm: { id: string; paymentId: string; now: Date },
  out: { id: string; type: string; payload: string },
) {
  return sql<ReservationWithSeats & { sold: string[] }>`${preparedStatement('ticket_confirm_for_payment')}
    with confirmed as materialized (
      update ${sql.table('ticket.reservations')} r
      set status = 'confirmed', payment_id = ${confirm.paymentId}, confirmed_at = ${confirm.now},
        payment_lease_until = null, updated_at = ${confirm.now}
      -- status || '': the id is the only way in. Written plainly, the pending-expiry partial index
      -- matches too, and once the planner has sampled the table between sales (no hold pending) it
      -- prices walking that index below the key: every confirm of a sale read every pending hold.
      where r.id = ${confirm.id} and r.status || '' = 'pending'
        and not exists (${eventCancelled(sql.ref('r.event_id'))})
      returning r.*
    ),
    locked as materialized (
      select s.id from ${sql.table('ticket.seats')} s
      where exists (select 1 from confirmed)
        and s.id in (
          select rs.seat_id from ${sql.table('ticket.reservation_seats')} rs
          where rs.reservation_id = ${confirm.id} and rs.active
        )
      order by s.id
      for update of s
    ),
    sold as (
      update ${sql.table('ticket.seats')} s set status = 'sold'
      where s.id in (select id from locked) and s.status in ('held', 'available')
      returning s.id
    ),
    -- Not referenced below: PostgreSQL runs every data-modifying WITH exactly once regardless.
    event_out as (
      insert into ${sql.table('ticket.outbox')} (id, type, payload)
      select ${out.id}, ${out.type},
        jsonb_set(${out.payload}::jsonb, '{data}', ${out.payload}::jsonb -> 'data' || jsonb_build_object(
          'eventId', c.event_id, 'userId', c.user_id, 'seatCount', c.seat_count, 'amount', c.amount))
      from confirmed c
      returning id
    )
    select c.*, ${seatsJson(sql.ref('c.id'))} as seats,
      array(select id from sold order by id) as sold
    from confirmed c
  `;
}

/**
 * The reservation's event, if cancelled. status || '': the event's key is the only way in. Written
 * plainly, the index on (status, sale_starts_at) matches too, and the planner, its sample showing
 * few cancelled events, walked every event ever cancelled on each lease and confirm.
 */
function eventCancelled(eventId: RawBuilder<unknown>) {
  return sql`select 1 from ${sql.table('ticket.events')} e where e.id = ${eventId} and e.status || '' = 'cancelled'`;
}
