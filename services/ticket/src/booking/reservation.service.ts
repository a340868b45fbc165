import type { Transaction } from 'kysely';
import { AppError } from '@tiketi/platform';
import * as repo from './reservation.repository';
import {
  iso,
  seatHoldKey,
  toReservationView,
  type ReservationRow,
  type ReservationView,
} from './reservation.model';
import { addSeatChanges, emit, inTransaction, type BookingRuntime, type Effects } from './booking.runtime';

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

/** pending -> cancelled | expired: the seats come back in the same transaction. */
async function closePending(
  rt: BookingRuntime,
  trx: Transaction<any>,
  fx: Effects,
  id: string,
  to: 'cancelled' | 'expired',
  reason?: string,
): Promise<ReservationRow | undefined> {
  const now = rt.ctx.clock.now();
  const row = await repo.transitionReservation(
    trx,
    id,
    ['pending'],
    { status: to, closed_at: now, payment_lease_until: null, ...(reason ? { cancel_reason: reason } : {}) },
    to === 'expired' ? { notLeasedAt: now } : undefined,
  );
  if (!row) return undefined;
  const released = await repo.deactivateSeats(trx, id);
  const seatIds = released.map((s) => s.seat_id);
  const changed = await repo.setSeatStatus(trx, seatIds, ['held'], 'available');
  // After the seat locks, as a hold takes them: seats, then the buyer's count.
  await repo.returnSeatQuota(trx, row.event_id, row.user_id, released.length);
  addSeatChanges(fx, row.event_id, changed, 'available');
  fx.releases.push({ keys: seatIds.map((s) => seatHoldKey(row.event_id, s)), owner: row.id });
  fx.holdUpdates.push({
    userId: row.user_id,
    reservationId: row.id,
    status: to,
    expiresAt: iso(row.expires_at),
  });
  if (to === 'cancelled')
    await emit(trx, fx, 'reservation.cancelled', { ...base(row, now), ...(reason ? { reason } : {}) });
  else await emit(trx, fx, 'reservation.expired', base(row, now));
  rt.metrics.transitions.inc({ to });
  return row;
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

/**
 * One sweep: pending reservations past due (and not under a payment lease) become expired. SKIP
 * LOCKED lets several replicas sweep at once without waiting for, or expiring twice, the same row.
 */
export async function expireDue(rt: BookingRuntime, limit = 200): Promise<number> {
  return inTransaction(rt, async (trx, fx) => {
    const due = await repo.claimExpired(trx, rt.ctx.clock.now(), limit);
    let n = 0;
    for (const row of due) if (await closePending(rt, trx, fx, row.id, 'expired')) n += 1;
    return n;
  });
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
