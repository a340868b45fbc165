import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface QueueMetrics {
  waiting: Gauge<'event_id'>;
  admitted: Counter<'event_id'>;
  waitSeconds: Histogram<'event_id'>;
}

export function createQueueMetrics(registry: Registry): QueueMetrics {
  return {
    waiting: new Gauge({
      name: 'tiketi_queue_waiting',
      help: 'Buyers waiting in an event waiting room',
      labelNames: ['event_id'],
      registers: [registry],
    }),
    admitted: new Counter({
      name: 'tiketi_queue_admitted_total',
      help: 'Buyers admitted from an event waiting room (counted by the replica that admitted them)',
      labelNames: ['event_id'],
      registers: [registry],
    }),
    waitSeconds: new Histogram({
      name: 'tiketi_queue_wait_seconds',
      help: 'Time from joining a waiting room to admission',
      labelNames: ['event_id'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
      registers: [registry],
    }),
  };
}
