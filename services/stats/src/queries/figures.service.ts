import type { Kysely } from 'kysely';
import { AppError, type Clock } from '@tiketi/platform';
import {
  DAY_MS,
  bucketLabel,
  bucketSize,
  bucketStart,
  bucketsBetween,
  parseBound,
  seoulDate,
  seoulDayStart,
  seoulHour,
  type Granularity,
} from '../time/seoul.time';
import * as q from './stats.repository';

export interface Dashboard {
  revenue: {
    today: number;
    total: number;
    refundsToday: number;
    grossToday: number;
    grossTotal: number;
    refundsTotal: number;
  };
  reservations: {
    today: number;
    total: number;
    confirmed: number;
    cancelled: number;
    expired: number;
    byStatus: Record<string, number>;
  };
  conversionRate: number;
  queueConversionRate: number;
  byPaymentMethod: Array<{ method: string; count: number; amount: number; refunds: number }>;
  hourly: Array<{ hour: number; revenue: number; refunds: number; count: number }>;
  topEvents: Array<{ eventId: string; title: string; seatsSold: number; revenue: number }>;
  generatedAt: string;
}

export interface EventItem {
  eventId: string;
  title: string;
  status: string | null;
  startsAt: string | null;
  seatsTotal: number;
  seatsSold: number;
  seatsHeld: number;
  seatsAvailable: number;
  revenue: number;
  refunds: number;
  conversionRate: number;
  queueConversionRate: number;
}

const ratio = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : 0);

/** The largest series one request may ask for (about two years of days, or a month of hours). */
export const MAX_BUCKETS = 800;

export class FiguresService {
  constructor(
    private readonly db: Kysely<any>,
    private readonly clock: Clock,
    private readonly topEventsCount = 5,
  ) {}

  private today(): { start: Date; end: Date } {
    const start = seoulDayStart(this.clock.now());
    return { start, end: new Date(start.getTime() + DAY_MS) };
  }

  async dashboard(): Promise<Dashboard> {
    const { start, end } = this.today();
    // One snapshot for every figure: read on separate connections, a refund committed in between
    // showed in the totals but not yet in the same response's payment-method rows.
    const [today, total, methods, counts, queue, hours, figures] = await this.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .setAccessMode('read only')
      .execute((db) =>
        Promise.all([
          q.salesTotals(db, { from: start, to: end }),
          q.salesTotals(db),
          q.salesByMethod(db),
          q.reservationCounts(db, start, end),
          q.queueConversionByEvent(db),
          q.salesByHour(db, start, end),
          q.eventFigures(db),
        ]),
      );
    const events = eventItems(figures, queue);
    const byHour = new Map(hours.map((h) => [seoulHour(h.hour), h]));
    const s = counts.byStatus;
    const admissions = [...queue.values()].reduce((sum, v) => sum + v.admissions, 0);
    const purchases = [...queue.values()].reduce((sum, v) => sum + v.purchases, 0);
    return {
      revenue: {
        today: today.revenue - today.refunds,
        total: total.revenue - total.refunds,
        refundsToday: today.refunds,
        grossToday: today.revenue,
        grossTotal: total.revenue,
        refundsTotal: total.refunds,
      },
      reservations: {
        today: counts.today,
        total: counts.total,
        confirmed: (s.confirmed ?? 0) + (s.partially_refunded ?? 0),
        cancelled: (s.cancelled ?? 0) + (s.refunded ?? 0),
        expired: s.expired ?? 0,
        byStatus: counts.byStatus,
      },
      conversionRate: ratio(counts.convertedHolds, counts.holds),
      queueConversionRate: ratio(purchases, admissions),
      byPaymentMethod: methods.map((m) => ({
        method: m.method,
        count: m.sales,
        amount: m.revenue - m.refunds,
        refunds: m.refunds,
      })),
      hourly: Array.from({ length: 24 }, (_, hour) => {
        const h = byHour.get(hour);
        return { hour, revenue: h?.revenue ?? 0, refunds: h?.refunds ?? 0, count: h?.sales ?? 0 };
      }),
      topEvents: [...events]
        .filter((e) => e.revenue !== 0 || e.seatsSold > 0)
        .sort(
          (a, b) => b.revenue - a.revenue || b.seatsSold - a.seatsSold || a.eventId.localeCompare(b.eventId),
        )
        .slice(0, this.topEventsCount)
        .map((e) => ({ eventId: e.eventId, title: e.title, seatsSold: e.seatsSold, revenue: e.revenue })),
      generatedAt: this.clock.now().toISOString(),
    };
  }

  /** Reads from/to (Seoul dates or instants); defaults to the last 30 days, or today for hours. */
  resolveRange(
    fromText: string | undefined,
    toText: string | undefined,
    granularity: Granularity,
  ): { from: Date; to: Date } {
    const now = this.clock.now();
    const to = toText ? parseBound(toText, true) : new Date(seoulDayStart(now).getTime() + DAY_MS - 1);
    if (!to)
      throw AppError.invalid('INVALID_RANGE', '`to` must be a date (YYYY-MM-DD) or an ISO date-time', {
        details: { to: toText },
      });
    const defaultFrom =
      granularity === 'day' ? new Date(seoulDayStart(to).getTime() - 29 * DAY_MS) : seoulDayStart(to);
    const from = fromText ? parseBound(fromText, false) : defaultFrom;
    if (!from)
      throw AppError.invalid('INVALID_RANGE', '`from` must be a date (YYYY-MM-DD) or an ISO date-time', {
        details: { from: fromText },
      });
    if (from.getTime() > to.getTime())
      throw AppError.invalid('INVALID_RANGE', '`from` must not be after `to`', {
        details: { from: fromText, to: toText },
      });
    const buckets =
      Math.floor((to.getTime() - bucketStart(from, granularity).getTime()) / bucketSize(granularity)) + 1;
    if (buckets > MAX_BUCKETS) {
      throw AppError.invalid('RANGE_TOO_LARGE', `At most ${MAX_BUCKETS} ${granularity} buckets per request`, {
        details: { buckets },
      });
    }
    return { from, to };
  }

  async sales(range: { from: Date; to: Date }, granularity: Granularity, eventId?: string) {
    const from = bucketStart(range.from, granularity);
    const hours = await q.salesByHour(this.db, from, new Date(range.to.getTime() + 1), eventId);
    const sums = new Map<number, { revenue: number; refunds: number; count: number }>();
    for (const h of hours) {
      const key = bucketStart(h.hour, granularity).getTime();
      const acc = sums.get(key) ?? { revenue: 0, refunds: 0, count: 0 };
      acc.revenue += h.revenue;
      acc.refunds += h.refunds;
      acc.count += h.sales;
      sums.set(key, acc);
    }
    return {
      series: bucketsBetween(from, range.to, granularity).map((b) => ({
        bucket: bucketLabel(b, granularity),
        ...(sums.get(b.getTime()) ?? { revenue: 0, refunds: 0, count: 0 }),
      })),
    };
  }

  async users(range: { from: Date; to: Date }) {
    const from = seoulDayStart(range.from);
    const { start, end } = this.today();
    const [total, perDay, today] = await Promise.all([
      q.userCount(this.db),
      q.registrationsPerDay(this.db, from, new Date(range.to.getTime() + 1)),
      q.registrationsPerDay(this.db, start, end),
    ]);
    return {
      total,
      newToday: today.get(start.getTime()) ?? 0,
      series: bucketsBetween(from, range.to, 'day').map((b) => ({
        bucket: seoulDate(b),
        count: perDay.get(b.getTime()) ?? 0,
      })),
    };
  }

  async events(): Promise<{ items: EventItem[] }> {
    const [rows, queue] = await Promise.all([q.eventFigures(this.db), q.queueConversionByEvent(this.db)]);
    return { items: eventItems(rows, queue) };
  }
}

function eventItems(
  rows: Awaited<ReturnType<typeof q.eventFigures>>,
  queue: Awaited<ReturnType<typeof q.queueConversionByEvent>>,
): EventItem[] {
  return rows.map((r) => ({
    eventId: r.eventId,
    title: r.title,
    status: r.status,
    startsAt: r.startsAt,
    seatsTotal: r.seatsTotal,
    seatsSold: r.seatsSold,
    seatsHeld: r.seatsHeld,
    seatsAvailable: Math.max(r.seatsTotal - r.seatsSold - r.seatsHeld, 0),
    revenue: r.revenue - r.refunds,
    refunds: r.refunds,
    conversionRate: ratio(r.convertedHolds, r.holds),
    queueConversionRate: ratio(queue.get(r.eventId)?.purchases ?? 0, queue.get(r.eventId)?.admissions ?? 0),
  }));
}
