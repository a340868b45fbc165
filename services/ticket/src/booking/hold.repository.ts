import { sql, type Kysely } from 'kysely';
import { preparedStatement } from '@tiketi/platform';

/**
 * A hold is one autocommit statement. Under a flash sale its cost is mostly round trips between
 * processes (each one a write that wakes a PostgreSQL backend), so BEGIN, lock, count, write and
 * COMMIT became a single statement whose parts run only when every check passed.
 */
type Db = Kysely<any>;

export interface HeldSeat {
  id: string;
  section_id: string;
  section: string;
  label: string;
  row_label: string;
  number: number;
  price: number;
}

export interface HoldRequest {
  reservation: {
    id: string;
    eventId: string;
    userId: string;
    userEmail: string;
    userName: string;
    expiresAt: Date;
    createdAt: Date;
  };
  /** Distinct seat ids, as asked. */
  seatIds: string[];
  seatLimit: number;
  now: Date;
  /** The outbox row, written only with the hold; its `data.amount` is set from the locked seats' prices. */
  outbox: { id: string; type: string; payload: string };
}

export type HoldOutcome =
  | { kind: 'held'; seats: HeldSeat[]; amount: number }
  | { kind: 'not_selling' }
  | { kind: 'not_found'; seatIds: string[] }
  /** `held`: the buyer's active seats for the event before this hold (a snapshot). */
  | { kind: 'over_limit'; held: number }
  | { kind: 'unavailable'; seatIds: string[]; held: number };

/**
 * In one statement: whether the event is selling now; the requested seats of this event that are
 * available, row-locked in id order (two buyers of overlapping seats wait, never deadlock; a seat
 * taken meanwhile is re-checked after the wait and drops out); the buyer's seat count raised only
 * when all of them were locked and the limit allows (the count row serialises one buyer's racing
 * holds); and only then the reservation, its seats (where the partial unique index refuses a
 * second active reservation of a seat), the seats' status and the outbox event.
 */
export async function takeHold(db: Db, hold: HoldRequest): Promise<HoldOutcome> {
  const r = hold.reservation;
  const n = hold.seatIds.length;
  const { rows } = await sql<{
    selling: boolean;
    found: string[];
    taken: string[];
    held_before: number | null;
    quota: number | null;
    seats: HeldSeat[] | null;
  }>`${preparedStatement('ticket_take_hold')}
    with selling as materialized (
      select exists (
        select 1 from ${sql.table('ticket.events')} e
        where e.id = ${r.eventId} and e.status in ('on_sale', 'sold_out')
          and e.sale_starts_at <= ${hold.now} and e.sale_ends_at > ${hold.now}
      ) as ok
    ),
    asked as materialized (
      select s.id, s.status from ${sql.table('ticket.seats')} s
      where s.event_id = ${r.eventId} and s.id = any(${hold.seatIds}::text[])
    ),
    held_before as materialized (
      select coalesce(sum(seats), 0)::int as n from ${sql.table('ticket.user_event_seats')}
      where event_id = ${r.eventId} and user_id = ${r.userId}
    ),
    -- Over the limit as last committed: refused without locking anything (a buyer hammering holds
    -- never makes other buyers wait for the seats it asked for).
    all_free as materialized (
      select count(*) = ${n} and (select n from held_before) + ${n}::int <= ${hold.seatLimit}::int as ok
      from asked where status = 'available'
    ),
    locked as materialized (
      select s.id, s.section_id, c.name as section, s.label, s.row_label, s.number, s.price
      from ${sql.table('ticket.seats')} s
      join ${sql.table('ticket.sections')} c on c.id = s.section_id
      where (select ok from selling)
        and (select ok from all_free)
        and s.event_id = ${r.eventId} and s.id = any(${hold.seatIds}::text[]) and s.status = 'available'
      order by s.id
      for update of s
    ),
    quota as materialized (
      insert into ${sql.table('ticket.user_event_seats')} as q (event_id, user_id, seats)
      select ${r.eventId}, ${r.userId}, ${n}::int
      where (select count(*) from locked) = ${n} and ${n}::int <= ${hold.seatLimit}::int
      on conflict (event_id, user_id) do update set seats = q.seats + excluded.seats
        where q.seats + excluded.seats <= ${hold.seatLimit}::int
      returning q.seats
    ),
    amount as (select coalesce(sum(price), 0)::int as total from locked),
    new_reservation as (
      insert into ${sql.table('ticket.reservations')}
        (id, event_id, user_id, user_email, user_name, status, amount, seat_count, expires_at, created_at, updated_at)
      select ${r.id}, ${r.eventId}, ${r.userId}, ${r.userEmail}, ${r.userName}, 'pending', amount.total, ${n},
        ${r.expiresAt}, ${r.createdAt}, ${r.createdAt}
      from amount where exists (select 1 from quota)
      returning id
    ),
    new_seats as (
      insert into ${sql.table('ticket.reservation_seats')}
        (reservation_id, seat_id, event_id, price, label, section, row_label, number)
      select ${r.id}, l.id, ${r.eventId}, l.price, l.label, l.section, l.row_label, l.number
      from locked l
      where exists (select 1 from quota)
      returning seat_id
    ),
    marked as (
      update ${sql.table('ticket.seats')} set status = 'held'
      where id in (select id from locked) and exists (select 1 from quota)
      returning id
    ),
    event_out as (
      insert into ${sql.table('ticket.outbox')} (id, type, payload)
      select ${hold.outbox.id}, ${hold.outbox.type},
        jsonb_set(${hold.outbox.payload}::jsonb, '{data,amount}', to_jsonb(amount.total))
      from amount where exists (select 1 from quota)
      returning id
    )
    select
      (select ok from selling) as selling,
      array(select id from asked) as found,
      array(
        select a.id from asked a
        where a.status <> 'available' or ((select ok from all_free) and a.id not in (select id from locked))
        order by a.id
      ) as taken,
      (select n from held_before) as held_before,
      (select seats from quota) as quota,
      (select json_agg(l order by l.id) from locked l where exists (select 1 from quota)) as seats
  `.execute(db);
  const row = rows[0]!;
  if (row.found.length !== n) {
    const found = new Set(row.found);
    return { kind: 'not_found', seatIds: hold.seatIds.filter((id) => !found.has(id)) };
  }
  if (!row.selling) return { kind: 'not_selling' };
  const heldBefore = Number(row.held_before ?? 0);
  if (row.quota !== null && row.seats) {
    const seats = row.seats.map((s) => ({ ...s, number: Number(s.number), price: Number(s.price) }));
    return { kind: 'held', seats, amount: seats.reduce((sum, s) => sum + s.price, 0) };
  }
  // The limit takes precedence over taken seats.
  if (heldBefore + n > hold.seatLimit) return { kind: 'over_limit', held: heldBefore };
  if (row.taken.length > 0) return { kind: 'unavailable', seatIds: row.taken, held: heldBefore };
  // All seats were locked and within the limit as read, but the count row said otherwise by the
  // time it was locked (a racing hold of the same buyer): the limit is what refused.
  return { kind: 'over_limit', held: heldBefore };
}
