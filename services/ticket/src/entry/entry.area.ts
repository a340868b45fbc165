import type { TicketArea } from '../ticket.area';
import { entryMigration, refundClaimMigration } from './entry.migrations';
import { entryRoutes } from './entry.routes';
import { EntryService } from './entry.service';

/** Entry: the buyer's pass for a paid booking and the venue gate that admits it once. */
export const entryArea: TicketArea = {
  name: 'entry',
  migrations: { '0500_entry': entryMigration, '0501_refund_claims': refundClaimMigration },
  async routes(app, ctx) {
    await entryRoutes(app, new EntryService(ctx));
  },
};
