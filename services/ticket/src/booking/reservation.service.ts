import type { Transaction } from 'kysely';
import { AppError } from '@tiketi/platform';
import * as repo from './reservation.repository';
import * as release from './reservation-release.repository';
import {
  iso,
  seatHoldKey,
  toReservationView,
  type ReservationRow,
  type ReservationView,
} from './reservation.model';
import {
  addSeatChanges,
  emitMany,
  inTransaction,
  type BookingRuntime,
  type Effects,
} from './booking.runtime';

export function reservationNotFound(): AppError {
  return AppError.notFound('RESERVATION_NOT_FOUND', 'Reservation not found');
}

export async function viewOf(rt: BookingRuntime, row: ReservationRow): Promise<ReservationView> {
  return toReservationView(row, await repo.seatsOf(rt.ctx.db, [row.id]));
}

export async function getReservation(rt: BookingRuntime, id: string): Promise<ReservationView | undefined> {
  const row = await repo.findReservation(rt.ctx.db, id);
  return row ? viewOf(rt, row) : undefined;
}

export function base(row: ReservationRow, now: Date) {
  return {
    reservationId: row.id,
    eventId: row.event_id,
    userId: row.user_id,
    seatCount: row.seat_count,
    amount: row.amount,
    occurredAt: now.toISOString(),
  };
}

/**
 * pending -> cancelled | expired for each of `ids` still pending: the seats come back in the same
 * transaction. A sweep's whole batch is a handful of statements, not a handful per reservation.
 */
async function closePendingMany(
  rt: BookingRuntime,
  trx: Transaction<any>,
  fx: Effects,
  ids: string[],
  to: 'cancelled' | 'expired',
  reason?: string,
): Promise<ReservationRow[]> {
  const now = rt.ctx.clock.now();
  if (ids.length === 0) return [];
  const rows = (await repo
    .transitionReservationStatement(
      trx,
      ids,
      ['pending'],
      { status: to, closed_at: now, payment_lease_until: null, ...(reason ? { cancel_reason: reason } : {}) },
      to === 'expired' ? { notLeasedAt: now } : undefined,
    )
    .execute()) as ReservationRow[];
  if (rows.length === 0) return rows;
  const released = await release.deactivateSeatsOf(
    trx,
    rows.map((r) => r.id),
  );
  const seatsOf = new Map<string, string[]>(rows.map((r) => [r.id, []]));
  for (const s of released) seatsOf.get(s.reservation_id)!.push(s.seat_id);
  const changed = new Set(
    await repo.setSeatStatus(
      trx,
      released.map((s) => s.seat_id),
      ['held'],
      'available',
    ),
  );
  // After the seat locks, as a hold takes them: seats, then the buyers' counts.
  await release.returnSeatQuotas(
    trx,
    rows.map((r) => ({ eventId: r.event_id, userId: r.user_id, seats: seatsOf.get(r.id)!.length })),
  );
  for (const row of rows) {
    const seatIds = seatsOf.get(row.id)!;
    addSeatChanges(
      fx,
      row.event_id,
      seatIds.filter((id) => changed.has(id)),
      'available',
    );
    fx.releases.push({ keys: seatIds.map((s) => seatHoldKey(row.event_id, s)), owner: row.id });
    fx.holdUpdates.push({
      userId: row.user_id,
      reservationId: row.id,
      status: to,
      expiresAt: iso(row.expires_at),
    });
  }
  if (to === 'cancelled')
    await emitMany(
      trx,
      fx,
      'reservation.cancelled',
      rows.map((row) => ({ ...base(row, now), ...(reason ? { reason } : {}) })),
    );
  else
    await emitMany(
      trx,
      fx,
      'reservation.expired',
      rows.map((row) => base(row, now)),
    );
  rt.metrics.transitions.inc({ to }, rows.length);
  return rows;
}

async function closePending(
  rt: BookingRuntime,
  trx: Transaction<any>,
  fx: Effects,
  id: string,
  to: 'cancelled' | 'expired',
  reason?: string,
): Promise<ReservationRow | undefined> {
  return (await closePendingMany(rt, trx, fx, [id], to, reason))[0];
}

/**
 * Runs inside the transaction that changes the reservation, with the row as it is then (an
 * operator's audit record commits with the change or not at all).
 */
export type WithinChange = (trx: Transaction<any>, after: ReservationRow) => Promise<void>;

/** Cancels a pending reservation; undefined when it was no longer pending (another transition won). */
export async function cancelPending(
  rt: BookingRuntime,
  id: string,
  reason?: string,
  within?: WithinChange,
): Promise<ReservationRow | undefined> {
  return inTransaction(rt, async (trx, fx) => {
    const row = await closePending(rt, trx, fx, id, 'cancelled', reason);
    if (row && within) await within(trx, row);
    return row;
  });
}

/** Closes the rows `claim` locks, all in one transaction; how many it closed. */
async function closeClaimed(
  rt: BookingRuntime,
  claim: (trx: Transaction<any>) => Promise<ReservationRow[]>,
  to: 'cancelled' | 'expired',
  reason?: string,
): Promise<number> {
  return inTransaction(rt, async (trx, fx) => {
    const claimed = await claim(trx);
    const closed = await closePendingMany(
      rt,
      trx,
      fx,
      claimed.map((r) => r.id),
      to,
      reason,
    );
    return closed.length;
  });
}

/**
 * One sweep: pending reservations past due (and not under a payment lease) become expired. SKIP
 * LOCKED lets several replicas sweep at once without waiting for, or expiring twice, the same row.
 */
export async function expireDue(rt: BookingRuntime, limit = 200): Promise<number> {
  return closeClaimed(rt, (trx) => release.claimExpired(trx, rt.ctx.clock.now(), limit), 'expired');
}

/**
 * Cancels up to `limit` pending reservations of an event in one transaction. Rows another
 * transaction holds at that moment (a confirm, a buyer's own cancel) are skipped, not waited for.
 */
export async function cancelPendingOfEvent(
  rt: BookingRuntime,
  eventId: string,
  reason: string,
  limit: number,
): Promise<number> {
  return closeClaimed(rt, (trx) => release.claimPendingOfEvent(trx, eventId, limit), 'cancelled', reason);
}

export function stateConflict(row: ReservationRow): AppError {
  if (row.status === 'confirmed' || row.status === 'refunded' || row.status === 'partially_refunded') {
    return AppError.conflict('RESERVATION_NOT_PENDING', 'The reservation is already paid', {
      status: row.status,
    });
  }
  return AppError.conflict('RESERVATION_EXPIRED', 'The reservation expired or was cancelled', {
    status: row.status,
  });
}
