import type { TicketArea } from '../ticket.area';
import { aliasRoutes } from './alias.routes';
import { catalogueMigration } from './catalogue.migrations';
import { catalogueFor } from './catalogue.registry';
import { seedCatalogue } from './catalogue.seed';
import { eventRoutes } from './event.routes';
import { posterRoutes } from './poster.routes';
import { seatBlockRoutes } from './seat-block.routes';
import { venueRoutes } from './venue.routes';

/** How often the clock-driven status transitions are checked. */
export const SCHEDULER_INTERVAL_MS = 1_000;

/** Events, search, venue templates and layouts, seat generation, posters. */
export const catalogueArea: TicketArea = {
  name: 'catalogue',
  migrations: { '0100_catalogue': catalogueMigration },
  async routes(app, ctx, shared) {
    const catalogue = catalogueFor(ctx);
    shared.seatsChanged.push((eventId) => catalogue.events.seatsChanged(eventId));
    await eventRoutes(app, catalogue);
    await venueRoutes(app, ctx);
    await aliasRoutes(app, ctx, catalogue.cache);
    await posterRoutes(app, ctx, catalogue);
    await seatBlockRoutes(app, ctx, shared);
  },
  async start(ctx) {
    catalogueFor(ctx).scheduler.start(SCHEDULER_INTERVAL_MS);
  },
  async seed(ctx) {
    await seedCatalogue(ctx, catalogueFor(ctx));
  },
};
