import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { Dashboard, EventItem, FiguresService } from './queries/figures.service';

export const RESERVATION_TRANSITIONS = ['held', 'confirmed', 'cancelled', 'expired', 'refunded'] as const;

export interface StatsMetrics {
  /** Counts a reservation fact the moment this process applies it (re-deliveries are not counted). */
  reservationApplied(type: string): void;
}

/**
 * Business metrics on the stats service's /metrics. Gauges are read from the read models at
 * scrape time (one query round per scrape, shared by all gauges), so every replica reports the
 * same figures and a restart loses nothing.
 */
export function registerStatsMetrics(registry: Registry, figures: FiguresService, log: Logger): StatsMetrics {
  let cached: { at: number; value: Promise<{ dashboard: Dashboard; events: EventItem[] }> } | null = null;
  const snapshot = () => {
    if (!cached || Date.now() - cached.at > 1_000) {
      const value = Promise.all([figures.dashboard(), figures.events()]).then(([dashboard, events]) => ({
        dashboard,
        events: events.items,
      }));
      cached = { at: Date.now(), value };
      value.catch(() => {
        cached = null;
      });
    }
    return cached.value;
  };
  const read = async <T>(
    pick: (s: { dashboard: Dashboard; events: EventItem[] }) => T,
  ): Promise<T | null> => {
    try {
      return pick(await snapshot());
    } catch (err) {
      log.warn({ err }, 'business metrics unavailable');
      return null;
    }
  };

  const reservations = new Counter({
    name: 'tiketi_reservations_total',
    help: 'Reservation lifecycle facts applied by this stats process, by the status reached',
    labelNames: ['status'],
    registers: [registry],
  });
  for (const status of RESERVATION_TRANSITIONS) reservations.inc({ status }, 0);

  new Gauge({
    name: 'tiketi_daily_revenue',
    help: "Today's net revenue in KRW (sales minus refunds, Asia/Seoul day)",
    registers: [registry],
    async collect() {
      const value = await read((s) => s.dashboard.revenue.today);
      if (value !== null) this.set(value);
    },
  });
  new Gauge({
    name: 'tiketi_conversion_rate',
    help: 'Share of seat holds that became paid reservations (0-1)',
    registers: [registry],
    async collect() {
      const value = await read((s) => s.dashboard.conversionRate);
      if (value !== null) this.set(value);
    },
  });
  new Gauge({
    name: 'tiketi_seats_available',
    help: 'Seats neither sold nor held, per event',
    labelNames: ['event_id'],
    registers: [registry],
    async collect() {
      const events = await read((s) => s.events);
      if (events === null) return;
      this.reset();
      for (const e of events) this.set({ event_id: e.eventId }, e.seatsAvailable);
    },
  });

  return {
    reservationApplied(type) {
      const status = type.startsWith('reservation.') ? type.slice('reservation.'.length) : null;
      if (status && (RESERVATION_TRANSITIONS as readonly string[]).includes(status))
        reservations.inc({ status });
    },
  };
}
