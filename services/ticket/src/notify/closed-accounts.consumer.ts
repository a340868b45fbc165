import type { ServiceContext } from '@tiketi/platform';
import { forgetBuyer } from '../booking/reservation.repository';
import { removeReturnAlerts } from './return-alerts.repository';
import { forgetAlertsOf } from './sale-alerts.repository';

/**
 * An account closed in auth (`user.deleted`, taken by the booking-mail worker's group): the name
 * and address the ticket service copied from it go too. Its bookings stay, without them; its sale
 * alerts go, with their unsent mail, and a booking mail still owed finds no address. Doing it
 * again changes nothing.
 */
export async function forgetClosedAccount(ctx: ServiceContext<any>, userId: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const alerts = (await forgetAlertsOf(trx, userId)) + (await removeReturnAlerts(trx, { userId }));
    const bookings = await forgetBuyer(trx, userId);
    ctx.log.info({ userId, alerts, bookings }, "a closed account's name and address forgotten");
  });
}
