import { sql, type Kysely } from 'kysely';

/**
 * The two statements of a hold transaction. Under a flash sale the cost of a hold is mostly round
 * trips to PostgreSQL, so the transaction is BEGIN, these two, COMMIT.
 */
type Db = Kysely<any>;

export interface LockedSeat {
  id: string;
  section_id: string;
  section: string;
  label: string;
  row_label: string;
  number: number;
  price: number;
  status: string;
}

export interface LockedForHold {
  seats: LockedSeat[];
  /** Whether the event is selling at `now` (read with the locks; null when no seat row came back). */
  selling: boolean | null;
}

/**
 * Serialises this user's holds for the event (an advisory lock, taken first as a one-time
 * InitPlan), then row-locks the seats in id order (two buyers of overlapping seats wait, never
 * deadlock) and reads whether the event is still selling. No event-wide lock: buyers of other
 * seats never wait for each other.
 */
export async function lockSeatsForHold(
  trx: Db,
  input: { eventId: string; userId: string; seatIds: string[]; now: Date },
): Promise<LockedForHold> {
  if (input.seatIds.length === 0) return { seats: [], selling: null };
  const { rows } = await sql<LockedSeat & { selling: boolean }>`
    select s.id, s.section_id, c.name as section, s.label, s.row_label, s.number, s.price, s.status,
      exists (
        select 1 from ${sql.table('ticket.events')} e
        where e.id = ${input.eventId} and e.status in ('on_sale', 'sold_out')
          and e.sale_starts_at <= ${input.now} and e.sale_ends_at > ${input.now}
      ) as selling
    from ${sql.table('ticket.seats')} s
    join ${sql.table('ticket.sections')} c on c.id = s.section_id
    where (select count(*) from (select pg_advisory_xact_lock(hashtext(${input.eventId}), hashtext(${input.userId}))) l) = 1
      and s.event_id = ${input.eventId} and s.id = any(${input.seatIds}::text[])
    order by s.id
    for update of s
  `.execute(trx);
  return {
    seats: rows.map(({ selling: _selling, ...seat }) => ({
      ...seat,
      number: Number(seat.number),
      price: Number(seat.price),
    })),
    selling: rows.length > 0 ? Boolean(rows[0]!.selling) : null,
  };
}

export interface HoldWrite {
  reservation: {
    id: string;
    eventId: string;
    userId: string;
    userEmail: string;
    userName: string;
    amount: number;
    expiresAt: Date;
    createdAt: Date;
  };
  seats: LockedSeat[];
  seatLimit: number;
  outbox: { id: string; type: string; payload: string };
}

/**
 * Counts the user's active seats for the event (a fresh snapshot, taken after the advisory lock
 * was granted, so every earlier hold of this user is in it) and, only when the new seats keep the
 * user within the limit, writes the reservation, its seats (where the partial unique index refuses
 * a second active reservation of a seat), the seats' status and the outbox event, in one
 * statement. Returns the count before this hold; nothing is written when it is over the limit.
 */
export async function writeHold(trx: Db, hold: HoldWrite): Promise<{ heldBefore: number }> {
  const r = hold.reservation;
  const ids = hold.seats.map((s) => s.id);
  const count = hold.seats.length;
  const { rows } = await sql<{ n: number }>`
    with held as (
      select count(*)::int as n
      from ${sql.table('ticket.reservation_seats')} rs
      join ${sql.table('ticket.reservations')} rr on rr.id = rs.reservation_id
      where rr.event_id = ${r.eventId} and rr.user_id = ${r.userId} and rs.active
    ),
    ok as (select 1 from held where n + ${count} <= ${hold.seatLimit}),
    new_reservation as (
      insert into ${sql.table('ticket.reservations')}
        (id, event_id, user_id, user_email, user_name, status, amount, seat_count, expires_at, created_at, updated_at)
      select ${r.id}, ${r.eventId}, ${r.userId}, ${r.userEmail}, ${r.userName}, 'pending', ${r.amount}, ${count},
        ${r.expiresAt}, ${r.createdAt}, ${r.createdAt}
      from ok
      returning id
    ),
    new_seats as (
      insert into ${sql.table('ticket.reservation_seats')}
        (reservation_id, seat_id, event_id, price, label, section, row_label, number)
      select ${r.id}, t.seat_id, ${r.eventId}, t.price, t.label, t.section, t.row_label, t.number
      from unnest(
        ${ids}::text[], ${hold.seats.map((s) => s.price)}::int[], ${hold.seats.map((s) => s.label)}::text[],
        ${hold.seats.map((s) => s.section)}::text[], ${hold.seats.map((s) => s.row_label)}::text[],
        ${hold.seats.map((s) => s.number)}::int[]
      ) as t(seat_id, price, label, section, row_label, number)
      where exists (select 1 from ok)
      returning seat_id
    ),
    marked as (
      update ${sql.table('ticket.seats')} set status = 'held'
      where id = any(${ids}::text[]) and exists (select 1 from ok)
      returning id
    ),
    event_out as (
      insert into ${sql.table('ticket.outbox')} (id, type, payload)
      select ${hold.outbox.id}, ${hold.outbox.type}, ${hold.outbox.payload}::jsonb
      from ok
      returning id
    )
    select n from held
  `.execute(trx);
  return { heldBefore: Number(rows[0]?.n ?? 0) };
}
