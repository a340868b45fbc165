import { AppError } from '@tiketi/platform';
import * as repo from './reservation.repository';
import type { ReservationRow, ReservationView } from './reservation.model';
import { reservationNotFound, stateConflict, viewOf } from './reservation.service';
import type { BookingRuntime } from './booking.runtime';

/** A payment is under way: the sweeper leaves the reservation alone until the lease ends. */
export async function paymentStarted(
  rt: BookingRuntime,
  id: string,
  paymentId: string,
  ttlSeconds: number,
): Promise<ReservationView> {
  const now = rt.ctx.clock.now();
  const leaseUntil = new Date(now.getTime() + ttlSeconds * 1000);
  const row = await rt.ctx.db
    .updateTable('reservations')
    .set({ payment_id: paymentId, payment_lease_until: leaseUntil, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('expires_at', '>', now)
    // No payment starts for a cancelled event (its holds are being cancelled).
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('events')
            .select('events.id')
            .whereRef('events.id', '=', 'reservations.event_id')
            .where('events.status', '=', 'cancelled'),
        ),
      ),
    )
    .returningAll()
    .executeTakeFirst();
  if (row) return viewOf(rt, row as ReservationRow);
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
  await rt.ctx.db
    .updateTable('reservations')
    .set({ payment_lease_until: null, updated_at: rt.ctx.clock.now() })
    .where('id', '=', id)
    .where('payment_id', '=', paymentId)
    .where('status', '=', 'pending')
    .execute();
}
