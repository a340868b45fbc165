import type { TicketArea } from '../ticket.area';
import { entryMigration, refundClaimMigration, seatPassMigration } from './entry.migrations';
import { entryRoutes } from './entry.routes';
import { EntryService } from './entry.service';
import { PassService } from './pass.service';

/** Entry: the buyer's passes for a paid booking (the booking's and each seat's) and the venue gate that admits each seat once. */
export const entryArea: TicketArea = {
  name: 'entry',
  migrations: {
    '0500_entry': entryMigration,
    '0501_refund_claims': refundClaimMigration,
    '0502_seat_passes': seatPassMigration,
  },
  async routes(app, ctx) {
    await entryRoutes(app, new EntryService(ctx), new PassService(ctx));
  },
};
