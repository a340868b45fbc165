import { createMailer, isProduction, mailDirectory } from '@tiketi/platform';
import type { TicketArea } from '../ticket.area';
import { bookingMailAdminRoutes } from './booking-mail.admin';
import { BookingMailAdmin } from './booking-mail.admin.service';
import { bookingMailWorker, startBookingMailWorker } from './booking-mail.worker';
import { announcementRoutes } from './announcement.routes';
import { AnnouncementService } from './announcement.service';
import {
  announcementMigration,
  eventChangedMigration,
  notifyMigration,
  reminderMigration,
  returnAlertMigration,
  saleAlertMigration,
} from './notify.migrations';
import { returnAlertRoutes } from './return-alert.routes';
import { ReturnAlertService } from './return-alert.service';
import { saleAlertRoutes } from './sale-alert.routes';
import { SaleAlertService } from './sale-alert.service';

/**
 * Notify: mail to buyers about their bookings (paid, refunded, coming up), about sales they
 * asked to hear of and seats of a sold-out event that came back, what operators see of it, and forgetting a closed account's address.
 */
export const notifyArea: TicketArea = {
  name: 'notify',
  migrations: {
    '0600_notify': notifyMigration,
    '0601_notify_reminders': reminderMigration,
    '0602_sale_alerts': saleAlertMigration,
    '0603_event_changed_mails': eventChangedMigration,
    '0604_return_alerts': returnAlertMigration,
    '0605_announcements': announcementMigration,
  },
  async routes(app, ctx) {
    // The worker starts after the routes (start()); asked before then, it finds the work on its first sweep.
    const worker = () => {
      try {
        return bookingMailWorker(ctx);
      } catch {
        return null; // not started yet
      }
    };
    await bookingMailAdminRoutes(app, new BookingMailAdmin(ctx, () => void worker()?.sweep()));
    await saleAlertRoutes(app, new SaleAlertService(ctx, () => worker()?.alertsChanged()));
    await returnAlertRoutes(app, new ReturnAlertService(ctx));
    await announcementRoutes(app, new AnnouncementService(ctx, () => void worker()?.sweep()));
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
