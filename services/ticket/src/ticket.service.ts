import { entryArea } from './entry/entry.area';
import { notifyArea } from './notify/notify.area';
import { defineService, outboxClaimMigration, outboxMigration, type MigrationSet } from '@tiketi/platform';
import { ticketConfigSchema, type TicketConfig } from './ticket.config';
import { createTicketShared, type TicketArea } from './ticket.area';
import { coreMigration } from './ticket.migrations';
import { catalogueArea } from './catalogue/catalogue.area';
import { bookingArea } from './booking/booking.area';
import { queueArea } from './queue/queue.area';
import { adminArea } from './admin/admin.area';

const areas: TicketArea[] = [catalogueArea, queueArea, bookingArea, adminArea, entryArea, notifyArea];

const migrations: MigrationSet = {
  '0000_outbox': outboxMigration('ticket'),
  '0000_outbox_claim': outboxClaimMigration('ticket'),
  '0001_core': coreMigration,
  ...Object.assign({}, ...areas.map((a) => a.migrations)),
};

/** Built per process: the shared registry must not leak between two instances in one test. */
export function createTicketService() {
  const shared = createTicketShared();
  return defineService<TicketConfig>({
    name: 'ticket',
    portKey: 'TICKET_PORT',
    schema: 'ticket',
    configSchema: ticketConfigSchema,
    migrations,
    openapi: {
      title: 'TIKETI ticket service',
      description: 'Events, seat maps, holds, reservations, waiting room, live seat map',
    },
    async routes(app, ctx) {
      for (const area of areas) await area.routes(app, ctx, shared);
    },
    async start(ctx, app) {
      for (const area of areas) await area.start?.(ctx, app, shared);
    },
    async seed(ctx) {
      for (const area of areas) await area.seed?.(ctx, shared);
    },
  });
}

export const ticketService = createTicketService();
