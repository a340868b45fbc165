import { sql, type Kysely } from 'kysely';
import { preparedStatement } from '@tiketi/platform';

/**
 * A hold is part of one autocommit statement. Under a flash sale its cost is mostly round trips
 * between processes (each one a write that wakes a PostgreSQL backend) and commits, so BEGIN, lock,
 * count, write and COMMIT became a single statement whose parts run only when every check passed,
 * and the holds arriving together share that statement (hold.groups.ts).
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

interface HoldRow {
  selling: boolean;
  found: string[];
  taken: string[];
  held_before: number | null;
  quota: number | null;
  seats: HeldSeat[] | null;
}

/**
 * Holds in one statement (ticket.take_holds, hold-function.migrations.ts), in the given order, one
 * outcome each. Per hold: whether the event is selling now; the requested seats of this event that
 * are available, row-locked in id order (two buyers of overlapping seats wait, never deadlock; a
 * seat taken meanwhile is re-checked after the wait and drops out); the buyer's seat count raised
 * only when all of them were locked and the limit allows (the count row serialises one buyer's
 * racing holds); and only then the reservation, its seats (where the partial unique index refuses
 * a second active reservation of a seat), the seats' status and the outbox event. A statement
 * error (a unique violation) rolls back every hold of the call.
 */
export async function takeHolds(db: Db, holds: readonly HoldRequest[]): Promise<HoldOutcome[]> {
  const { rows } = await sql<{ outcome: HoldRow }>`${preparedStatement('ticket_take_holds')}
    select t.outcome from ticket.take_holds(${JSON.stringify(holds)}::jsonb) with ordinality as t(outcome, i)
    order by t.i
  `.execute(db);
  if (rows.length !== holds.length)
    throw new Error(`take_holds answered ${rows.length} of ${holds.length} holds`);
  return rows.map((row, i) => outcomeOf(holds[i]!, row.outcome));
}

function outcomeOf(hold: HoldRequest, row: HoldRow): HoldOutcome {
  const n = hold.seatIds.length;
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
