import { createObjectStore, type ObjectStore, type ServiceContext } from '@tiketi/platform';
import type { TicketConfig } from '../ticket.config';
import { CatalogueCache } from './catalogue.cache';
import { createCatalogueMetrics, type CatalogueMetrics } from './catalogue.metrics';
import { CatalogueScheduler } from './catalogue.scheduler';
import { EventQueryService } from './event-query.service';
import { EventService } from './event.service';
import { PosterService } from './poster.service';

/** The catalogue's services for one service context (one per process, one per test service). */
export interface Catalogue {
  cache: CatalogueCache;
  metrics: CatalogueMetrics;
  events: EventService;
  queries: EventQueryService;
  posters: PosterService;
  scheduler: CatalogueScheduler;
  store: ObjectStore;
}

const instances = new WeakMap<ServiceContext<any>, Catalogue>();

export function catalogueFor(ctx: ServiceContext<TicketConfig>): Catalogue {
  let catalogue = instances.get(ctx);
  if (!catalogue) {
    const metrics = createCatalogueMetrics(ctx.metrics);
    const cache = new CatalogueCache(ctx.coordination, { metrics, log: ctx.log });
    ctx.onClose(() => cache.close());
    const store = createObjectStore(ctx.config);
    catalogue = {
      cache,
      metrics,
      store,
      events: new EventService(ctx, cache, metrics),
      queries: new EventQueryService(ctx, cache),
      posters: new PosterService(ctx, store, cache),
      scheduler: new CatalogueScheduler(ctx, cache, metrics),
    };
    instances.set(ctx, catalogue);
  }
  return catalogue;
}
