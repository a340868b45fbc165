import { Counter, type Registry } from 'prom-client';

export interface CatalogueMetrics {
  cache: Counter<'kind' | 'result'>;
  cacheErrors: Counter<string>;
  transitions: Counter<'to' | 'cause'>;
  schedulerWithoutLease: Counter<string>;
}

export function createCatalogueMetrics(registry: Registry): CatalogueMetrics {
  return {
    cache: new Counter({
      name: 'ticket_catalogue_cache_requests_total',
      help: 'Public event list/detail reads by cache result (hit, miss, bypass: coordination unavailable)',
      labelNames: ['kind', 'result'],
      registers: [registry],
    }),
    cacheErrors: new Counter({
      name: 'ticket_catalogue_cache_errors_total',
      help: 'Catalogue cache reads, writes and invalidations that coordination failed (served from the database)',
      registers: [registry],
    }),
    transitions: new Counter({
      name: 'ticket_event_status_transitions_total',
      help: 'Event status changes by target status and cause (clock, seats)',
      labelNames: ['to', 'cause'],
      registers: [registry],
    }),
    schedulerWithoutLease: new Counter({
      name: 'ticket_catalogue_scheduler_unleased_runs_total',
      help: 'Scheduler runs made without the lease because coordination was unavailable',
      registers: [registry],
    }),
  };
}
