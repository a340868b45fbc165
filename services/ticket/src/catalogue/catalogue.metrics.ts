import { Counter, type Registry } from 'prom-client';

export interface CatalogueMetrics {
  cache: Counter<'kind' | 'result'>;
  transitions: Counter<'to' | 'cause'>;
}

export function createCatalogueMetrics(registry: Registry): CatalogueMetrics {
  return {
    cache: new Counter({
      name: 'ticket_catalogue_cache_requests_total',
      help: 'Public event list/detail reads by cache result',
      labelNames: ['kind', 'result'],
      registers: [registry],
    }),
    transitions: new Counter({
      name: 'ticket_event_status_transitions_total',
      help: 'Event status changes by target status and cause (clock, seats)',
      labelNames: ['to', 'cause'],
      registers: [registry],
    }),
  };
}
