import { Counter, Histogram, type Registry } from 'prom-client';

export interface BookingMetrics {
  holds: Counter<'outcome'>;
  holdSeconds: Histogram;
  holdGroupSize: Histogram;
  fastPathFailures: Counter;
  transitions: Counter<'to'>;
}

export function createBookingMetrics(registry: Registry): BookingMetrics {
  return {
    holds: new Counter({
      name: 'ticket_hold_attempts_total',
      help: 'Hold attempts by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    holdSeconds: new Histogram({
      name: 'ticket_hold_duration_seconds',
      help: 'Time to hold seats (fast path and database)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    holdGroupSize: new Histogram({
      name: 'ticket_hold_group_size',
      help: 'Holds sent to PostgreSQL together in one statement',
      buckets: [1, 2, 4, 8, 16, 32, 64],
      registers: [registry],
    }),
    fastPathFailures: new Counter({
      name: 'ticket_hold_fastpath_failures_total',
      help: 'Holds that went to PostgreSQL alone because coordination (Redis) failed',
      registers: [registry],
    }),
    transitions: new Counter({
      name: 'ticket_reservation_transitions_total',
      help: 'Reservation state changes',
      labelNames: ['to'],
      registers: [registry],
    }),
  };
}
