import type { Kysely, Transaction } from 'kysely';
import { AppError } from '@tiketi/platform';
import type { ReservationStatus } from '@tiketi/contracts';
import * as repo from './reservation.repository';
import { returnSeatQuotas } from './reservation-release.repository';
import * as queries from './reservation.queries';
import {
  iso,
  seatHoldKey,
  toReservationView,
  type ReservationRow,
  type ReservationView,
} from './reservation.model';
import {
  addSeatChanges,
  applyEffects,
  emit,
  inTransaction,
  newEffects,
  type BookingRuntime,
  type Effects,
} from './booking.runtime';
import { confirmForPayment } from './checkout.repository';
import { releaseRefundClaim } from '../entry/entry.repository';
import {
  base,
  cancelPending,
  getReservation,
  reservationNotFound,
  stateConflict,
  viewOf,
  type WithinChange,
} from './reservation.service';

// Where a reservation meets its payment: confirmed once paid, the refunds the payment service
// reports back, and a cancel (a paid reservation is refunded through the payment service first).
// Confirm and refunds are idempotent, as HTTP retries and at-least-once events need.

async function confirmIn(
  rt: BookingRuntime,
  db: Kysely<any>,
  fx: Effects,
  id: string,
  paymentId: string,
): Promise<ReservationView> {
  const done = await confirmForPayment(db, { id, paymentId, now: rt.ctx.clock.now() });
  if (done) {
    const row = done.reservation;
    const active = row.seats.filter((s) => s.active).map((s) => s.seat_id);
    addSeatChanges(fx, row.event_id, done.sold, 'sold');
    fx.sold.push({ keys: active.map((seatId) => seatHoldKey(row.event_id, seatId)), owner: id });
    fx.purchases.push({ eventId: row.event_id, userId: row.user_id });
    fx.holdUpdates.push({
      userId: row.user_id,
      reservationId: id,
      status: 'confirmed',
      expiresAt: iso(row.expires_at),
    });
    fx.events += 1;
    rt.metrics.transitions.inc({ to: 'confirmed' });
    return toReservationView(row, row.seats);
  }
  const current = await repo.findReservation(db, id);
  if (!current) throw reservationNotFound();
  // Idempotent: the same payment confirming again (HTTP retry, or the payment.paid event) is a
  // success, even when the event was cancelled since.
  const settled = !['pending', 'expired', 'cancelled'].includes(current.status);
  if (settled && current.payment_id === paymentId) return viewOf(rt, current);
  // A cancelled event sells nothing: its holds are being cancelled, and a payment that got this
  // far is refused (payment refunds it, as for an expired hold).
  if ((await queries.eventStatusOfReservation(db, id)) === 'cancelled') {
    throw AppError.conflict('RESERVATION_EXPIRED', 'The event was cancelled', {
      status: current.status,
      eventStatus: 'cancelled',
    });
  }
  throw stateConflict(current);
}

/** One statement, so no transaction around it; its effects follow the commit. */
export async function confirm(rt: BookingRuntime, id: string, paymentId: string): Promise<ReservationView> {
  const fx = newEffects();
  const view = await confirmIn(rt, rt.ctx.db, fx, id, paymentId);
  await applyEffects(rt, fx);
  return view;
}

/** For the payment.paid consumer: same transition inside the consumer's applyOnce transaction. */
export async function confirmInConsumer(
  rt: BookingRuntime,
  trx: Transaction<any>,
  fx: Effects,
  id: string,
  paymentId: string,
): Promise<void> {
  try {
    await confirmIn(rt, trx, fx, id, paymentId);
  } catch (err) {
    // Expired or paid by someone else: the payment service got (or will get) 409 from confirm and refunds.
    if (!(err instanceof AppError)) throw err;
    rt.ctx.log.info({ reservationId: id, paymentId, code: err.code }, 'payment.paid not applied');
  }
}

export interface RefundedInput {
  paymentId: string;
  amount: number;
  seatIds?: string[];
  /** "money": an operator's amount only; every seat stays sold. */
  scope?: 'all' | 'seats' | 'money';
  /** The payment's refunded total after this refund. */
  refundedTotal?: number;
  /** The refund reported: it ends that refund's claim on the reservation (the gate may admit again). */
  refundId?: string;
}

/**
 * confirmed -> refunded (every seat) or partially_refunded (the given seats): those seats come
 * back. Idempotent: seats already returned are not returned or counted twice. A money-only refund,
 * and a kept fee returned to a refunded booking, return no seat and record the payment's refunded
 * total instead.
 */
export async function refundedIn(
  rt: BookingRuntime,
  trx: Transaction<any>,
  fx: Effects,
  id: string,
  input: RefundedInput,
): Promise<ReservationRow> {
  const now = rt.ctx.clock.now();
  const row = await repo.findReservationForUpdate(trx, id);
  if (!row) throw reservationNotFound();
  if (input.refundId) await releaseRefundClaim(trx, id, input.refundId);
  // A refunded booking has no seat left to return: more money back is its kept fee.
  if (row.status === 'refunded') return moneyRefundedIn(rt, trx, fx, row, input, now);
  if (row.status !== 'confirmed' && row.status !== 'partially_refunded') return row;
  if (input.scope === 'money') return moneyRefundedIn(rt, trx, fx, row, input, now);
  const partialAsked = input.seatIds !== undefined && input.seatIds.length > 0;
  const returned = await repo.deactivateSeats(trx, id, partialAsked ? input.seatIds : undefined, true);
  if (returned.length === 0) return row;
  const remaining = await repo.activeSeatCount(trx, id);
  const status: ReservationStatus = remaining > 0 ? 'partially_refunded' : 'refunded';
  const updated = await repo.transitionReservation(trx, id, [row.status], {
    status,
    refunded_amount: refundedTotalAfter(row, input),
    ...(remaining === 0 ? { closed_at: now } : {}),
  });
  const seatIds = returned.map((s) => s.seat_id);
  const changed = await repo.setSeatStatus(trx, seatIds, ['sold', 'held'], 'available');
  await returnSeatQuotas(trx, [{ eventId: row.event_id, userId: row.user_id, seats: returned.length }]);
  addSeatChanges(fx, row.event_id, changed, 'available');
  fx.releases.push({ keys: seatIds.map((s) => seatHoldKey(row.event_id, s)), owner: row.id });
  fx.holdUpdates.push({ userId: row.user_id, reservationId: id, status, expiresAt: iso(row.expires_at) });
  await emit(trx, fx, 'reservation.refunded', {
    ...base(row, now),
    seatCount: returned.length,
    amount: Math.max(0, input.amount),
    partial: status === 'partially_refunded' || partialAsked,
    seatIds,
  });
  rt.metrics.transitions.inc({ to: status });
  return updated ?? row;
}

/**
 * The reservation's refunded figure after a refund: the payment's running total where the report
 * carries it, so two refunds reported out of order (the bus does not keep their order) end at the
 * payment's figure, not at a sum that counts one twice.
 */
function refundedTotalAfter(row: ReservationRow, input: RefundedInput): number {
  const total = input.refundedTotal ?? row.refunded_amount + Math.max(0, input.amount);
  return Math.max(row.refunded_amount, Math.min(row.amount, total));
}

/**
 * Money back, no seat moving. On a standing booking an operator's amount: confirmed|
 * partially_refunded -> partially_refunded. On a refunded one the cancellation fee its buyer paid
 * on cancelling, returned when the organiser cancelled the event afterwards or by an operator:
 * refunded stays refunded. Either fact tells the buyer (a refund mail) and stats. Idempotent
 * without a seat to key on: the payment's running total only moves the figure up, so the HTTP call
 * and the bus fact for one refund count once.
 */
async function moneyRefundedIn(
  rt: BookingRuntime,
  trx: Transaction<any>,
  fx: Effects,
  row: ReservationRow,
  input: RefundedInput,
  now: Date,
): Promise<ReservationRow> {
  // Without the payment's total a report to a refunded booking cannot say what is new.
  if (row.status === 'refunded' && input.refundedTotal === undefined) return row;
  const target = refundedTotalAfter(row, input);
  if (target <= row.refunded_amount) return row;
  const status: ReservationStatus = row.status === 'refunded' ? 'refunded' : 'partially_refunded';
  const updated = await repo.transitionReservation(trx, row.id, [row.status], {
    status,
    refunded_amount: target,
  });
  if (!updated) return row;
  fx.holdUpdates.push({ userId: row.user_id, reservationId: row.id, status, expiresAt: iso(row.expires_at) });
  await emit(trx, fx, 'reservation.refunded', {
    ...base(row, now),
    seatCount: 0,
    amount: target - row.refunded_amount,
    partial: status === 'partially_refunded',
    seatIds: [],
  });
  if (row.status !== status) rt.metrics.transitions.inc({ to: status });
  return updated;
}

export async function refunded(
  rt: BookingRuntime,
  id: string,
  input: RefundedInput,
): Promise<ReservationView> {
  const row = await inTransaction(rt, (trx, fx) => refundedIn(rt, trx, fx, id, input));
  return viewOf(rt, row);
}

export interface CancelInput {
  actorId: string;
  reason?: string;
  /** For a paid reservation: refund by the event's policy (buyer) or in full (operator). */
  refund: 'policy' | 'full';
  within?: WithinChange;
}

/**
 * Cancels a reservation: a pending one at once; a paid one through the payment service, which
 * refunds with the provider and then reports back (/internal/reservations/:id/refunded).
 */
export async function cancelReservation(
  rt: BookingRuntime,
  id: string,
  input: CancelInput,
  requestId?: string,
): Promise<ReservationView> {
  const row = await repo.findReservation(rt.ctx.db, id);
  if (!row) throw reservationNotFound();
  if (row.status === 'pending') {
    const cancelled = await cancelPending(rt, id, input.reason, input.within);
    if (cancelled) return (await getReservation(rt, id))!;
    const now = await repo.findReservation(rt.ctx.db, id);
    throw AppError.conflict(
      'RESERVATION_NOT_CANCELLABLE',
      'The reservation changed before it could be cancelled',
      { status: now?.status },
    );
  }
  if (row.status === 'confirmed' || row.status === 'partially_refunded') {
    // The holder went in: the ticket was used. An operator may still refund it in full.
    if (input.refund === 'policy' && row.checked_in_at)
      throw AppError.conflict(
        'TICKET_USED',
        'This ticket was used at the entrance and can no longer be cancelled',
        {
          checkedInAt: iso(row.checked_in_at),
        },
      );
    // The organiser cancelled the event: everything goes back, whoever asks. Payment decides so
    // too once it has the fact; ticket has it first.
    const refund =
      input.refund === 'policy' && (await rt.events.fresh(row.event_id))?.status === 'cancelled'
        ? 'full'
        : input.refund;
    const { payment } = await rt.payments.call<{
      payment: { id: string; status: string; refundedAmount: number };
    }>('/internal/payments/refund-reservation', {
      method: 'POST',
      body: {
        reservationId: id,
        reason: input.reason ?? 'cancelled',
        refund,
        actorId: input.actorId,
      },
      requestId,
      timeoutMs: 15_000,
    });
    const within = input.within;
    if (within) {
      await inTransaction(rt, async (trx, fx) => {
        const locked = await repo.findReservationForUpdate(trx, id);
        if (!locked) throw reservationNotFound();
        // The payment's report (its HTTP call or the bus) may not have landed: apply it here, once
        // (refundedIn is idempotent), so the caller's record commits with the change it describes.
        const after =
          payment.status === 'refunded'
            ? await refundedIn(rt, trx, fx, id, {
                paymentId: payment.id,
                amount: Math.max(0, payment.refundedAmount - locked.refunded_amount),
              })
            : locked;
        await within(trx, after);
      });
    }
    return (await getReservation(rt, id))!;
  }
  throw AppError.conflict('RESERVATION_NOT_CANCELLABLE', `A ${row.status} reservation cannot be cancelled`, {
    status: row.status,
  });
}
