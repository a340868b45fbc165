import { AppError } from '@tiketi/platform';
import * as repo from './reservation.repository';
import { toReservationView, type ReservationView } from './reservation.model';
import { reservationNotFound, stateConflict } from './reservation.service';
import { leaseForPayment, releaseLease } from './checkout.repository';
import type { BookingRuntime } from './booking.runtime';

/**
 * A payment is under way: the sweeper leaves the reservation alone until the lease ends. No payment
 * starts for a cancelled event (its holds are being cancelled).
 */
export async function paymentStarted(
  rt: BookingRuntime,
  id: string,
  paymentId: string,
  ttlSeconds: number,
): Promise<ReservationView> {
  const now = rt.ctx.clock.now();
  const leaseUntil = new Date(now.getTime() + ttlSeconds * 1000);
  const leased = await leaseForPayment(rt.ctx.db, { id, paymentId, now, leaseUntil });
  if (leased) return toReservationView(leased, leased.seats);
  const current = await repo.findReservation(rt.ctx.db, id);
  if (!current) throw reservationNotFound();
  if (current.status === 'pending')
    throw AppError.conflict('RESERVATION_EXPIRED', 'The hold ran out or its event was cancelled', {
      status: 'pending',
    });
  throw stateConflict(current);
}

export async function paymentReleased(rt: BookingRuntime, id: string, paymentId: string): Promise<void> {
  const current = await repo.findReservation(rt.ctx.db, id);
  if (!current) throw reservationNotFound();
  await releaseLease(rt.ctx.db, { id, paymentId, now: rt.ctx.clock.now() });
}
