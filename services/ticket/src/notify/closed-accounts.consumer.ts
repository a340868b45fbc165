import type { ServiceContext } from '@tiketi/platform';
import { EventTypes, type EventDataByType } from '@tiketi/contracts';
import { forgetBuyer } from '../booking/reservation.repository';
import { forgetAlertsOf } from './sale-alerts.repository';

export const CLOSED_ACCOUNTS_GROUP = 'ticket.closed-accounts';

/**
 * An account closed in auth (`user.deleted`): the name and address the ticket service copied
 * from it go too. Its bookings stay, without them; its sale alerts go, with their unsent mail, and
 * a booking mail still owed finds no address. Doing it again changes nothing.
 */
export function subscribeClosedAccounts(ctx: ServiceContext<any>): Promise<() => Promise<void>> {
  return ctx.bus.subscribe(
    { group: CLOSED_ACCOUNTS_GROUP, types: [EventTypes.userDeleted] },
    async (event) => {
      const { userId } = event.data as EventDataByType['user.deleted'];
      await ctx.db.transaction().execute(async (trx) => {
        const alerts = await forgetAlertsOf(trx, userId);
        const bookings = await forgetBuyer(trx, userId);
        ctx.log.info({ userId, alerts, bookings }, "a closed account's name and address forgotten");
      });
    },
  );
}
