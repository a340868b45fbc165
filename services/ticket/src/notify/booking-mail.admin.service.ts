import { AppError, newId, type AuthUser, type ServiceContext } from '@tiketi/platform';
import type { TicketConfig } from '../ticket.config';
import { findReservation, findReservationForUpdate } from '../booking/reservation.repository';
import { recordAudit } from '../catalogue/catalogue.events';
import * as repo from './booking-mails.repository';

const PAID = new Set(['confirmed', 'partially_refunded']);
const notFound = () => AppError.notFound('RESERVATION_NOT_FOUND', 'Reservation not found');

/**
 * Operators answer "I never got my confirmation": what was mailed for a booking and when, and a
 * confirmation sent again (to the address the booking was made with).
 */
export class BookingMailAdmin {
  constructor(
    private readonly ctx: ServiceContext<TicketConfig>,
    /** Wakes the mail worker, so a resend goes out now rather than at its next sweep. */
    private readonly poke: () => void,
  ) {}

  async mails(reservationId: string): Promise<repo.BookingMailRow[]> {
    if (!(await findReservation(this.ctx.db, reservationId))) throw notFound();
    return repo.mailsOf(this.ctx.db, reservationId);
  }

  /** Owes the confirmation again, audited; a confirmation still waiting is answered instead. */
  async resend(
    reservationId: string,
    actor: AuthUser,
  ): Promise<{ mail: repo.BookingMailRow; created: boolean }> {
    const now = this.ctx.clock.now();
    const outcome = await this.ctx.db.transaction().execute(async (trx) => {
      // The booking's row, locked: of two resends at once, the second finds the first waiting.
      const booking = await findReservationForUpdate(trx, reservationId);
      if (!booking) throw notFound();
      if (!PAID.has(booking.status))
        throw AppError.conflict('MAIL_NOT_APPLICABLE', 'Only a paid booking has a confirmation to send', {
          status: booking.status,
        });
      const waiting = (await repo.mailsOf(trx, reservationId)).find(
        (m) => m.kind === 'confirmed' && m.status === 'pending',
      );
      if (waiting) return { mail: waiting, created: false };
      await repo.owe(trx, [{ factId: newId('resend'), reservationId, kind: 'confirmed' }], now);
      await recordAudit(trx, actor, 'reservation.mail.resend', 'reservation', reservationId);
      const [created] = await repo.mailsOf(trx, reservationId);
      return { mail: created!, created: true };
    });
    if (outcome.created) {
      this.ctx.relay?.poke();
      this.poke();
    }
    return outcome;
  }
}
