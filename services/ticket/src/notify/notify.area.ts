import { createMailer, isProduction, mailDirectory } from '@tiketi/platform';
import type { TicketArea } from '../ticket.area';
import { bookingMailAdminRoutes } from './booking-mail.admin';
import { BookingMailAdmin } from './booking-mail.admin.service';
import { bookingMailWorker, startBookingMailWorker } from './booking-mail.worker';
import { notifyMigration, reminderMigration } from './notify.migrations';

/** Notify: mail to buyers about their bookings (paid, refunded, coming up), and what operators see of it. */
export const notifyArea: TicketArea = {
  name: 'notify',
  migrations: { '0600_notify': notifyMigration, '0601_notify_reminders': reminderMigration },
  async routes(app, ctx) {
    // The worker starts after the routes (start()); a resend asked before then waits for its timer.
    const admin = new BookingMailAdmin(ctx, () => {
      try {
        void bookingMailWorker(ctx).sweep();
      } catch {
        // not started yet
      }
    });
    await bookingMailAdminRoutes(app, admin);
  },
  async start(ctx) {
    if (isProduction(ctx.config) && !ctx.config.SMTP_URL)
      ctx.log.warn(
        { dir: mailDirectory(ctx.config) },
        'no SMTP_URL: booking mail is written to disk, not sent; buyers will not get it',
      );
    const mailer = createMailer(ctx.config);
    const worker = await startBookingMailWorker(ctx, mailer);
    ctx.onClose(async () => {
      await worker.stop();
      await mailer.close();
    });
  },
};
