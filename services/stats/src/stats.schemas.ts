import { Type } from '@sinclair/typebox';

const Krw = (description: string) => Type.Integer({ description: `${description} (KRW)` });

export const DashboardBody = Type.Object({
  revenue: Type.Object({
    today: Krw("today's net revenue: sales minus refunds, Asia/Seoul day"),
    total: Krw('net revenue since the start'),
    refundsToday: Krw('refunds paid out today'),
    grossToday: Krw("today's sales before refunds"),
    grossTotal: Krw('all sales before refunds'),
    refundsTotal: Krw('all refunds'),
  }),
  reservations: Type.Object({
    today: Type.Integer({ description: 'reservations created today' }),
    total: Type.Integer(),
    confirmed: Type.Integer({ description: 'paid and standing (confirmed or partially refunded)' }),
    cancelled: Type.Integer({
      description: 'cancelled, including paid reservations cancelled with a full refund',
    }),
    expired: Type.Integer({ description: 'holds that ran out unpaid' }),
    byStatus: Type.Record(Type.String(), Type.Integer(), {
      description: 'exact count per reservation status',
    }),
  }),
  conversionRate: Type.Number({ description: 'holds that became paid reservations / holds (0-1)' }),
  queueConversionRate: Type.Number({
    description: 'waiting-room admissions that became purchases / admissions (0-1)',
  }),
  byPaymentMethod: Type.Array(
    Type.Object({
      method: Type.String(),
      count: Type.Integer({ description: 'payments made with it' }),
      amount: Krw('net amount: paid minus refunded'),
      refunds: Krw('refunded'),
    }),
  ),
  hourly: Type.Array(
    Type.Object({
      hour: Type.Integer({ minimum: 0, maximum: 23, description: 'hour of today, Asia/Seoul' }),
      revenue: Krw('sales in that hour'),
      refunds: Krw('refunds in that hour'),
      count: Type.Integer({ description: 'payments in that hour' }),
    }),
  ),
  topEvents: Type.Array(
    Type.Object({
      eventId: Type.String(),
      title: Type.String(),
      seatsSold: Type.Integer(),
      revenue: Krw('net revenue'),
    }),
  ),
  generatedAt: Type.String({ format: 'date-time' }),
});

export const SalesQuery = Type.Object({
  from: Type.Optional(
    Type.String({
      description:
        'Seoul date YYYY-MM-DD or ISO date-time; default 30 days (day) or today (hour) before `to`',
    }),
  ),
  to: Type.Optional(
    Type.String({ description: 'Seoul date YYYY-MM-DD (inclusive) or ISO date-time; default today' }),
  ),
  granularity: Type.Union([Type.Literal('day'), Type.Literal('hour')], { default: 'day' }),
  eventId: Type.Optional(Type.String()),
});

export const SalesBody = Type.Object({
  series: Type.Array(
    Type.Object({
      bucket: Type.String({ description: 'YYYY-MM-DD, or YYYY-MM-DDTHH:00:00+09:00 for hours (Asia/Seoul)' }),
      revenue: Krw('sales in the bucket'),
      refunds: Krw('refunds in the bucket'),
      count: Type.Integer({ description: 'payments in the bucket' }),
    }),
  ),
});

export const UsersQuery = Type.Object({
  from: Type.Optional(Type.String()),
  to: Type.Optional(Type.String()),
});

export const UsersBody = Type.Object({
  total: Type.Integer(),
  newToday: Type.Integer(),
  series: Type.Array(
    Type.Object({ bucket: Type.String({ description: 'Seoul date' }), count: Type.Integer() }),
  ),
});

export const EventsBody = Type.Object({
  items: Type.Array(
    Type.Object({
      eventId: Type.String(),
      title: Type.String(),
      status: Type.Union([Type.String(), Type.Null()]),
      startsAt: Type.Union([Type.String(), Type.Null()]),
      seatsTotal: Type.Integer(),
      seatsSold: Type.Integer(),
      seatsHeld: Type.Integer(),
      seatsAvailable: Type.Integer(),
      revenue: Krw('net revenue'),
      refunds: Krw('refunded'),
      conversionRate: Type.Number(),
      queueConversionRate: Type.Number(),
    }),
  ),
});

export const AuditQuery = Type.Object({
  actorId: Type.Optional(Type.String()),
  action: Type.Optional(Type.String()),
  targetType: Type.Optional(Type.String()),
  targetId: Type.Optional(Type.String()),
  from: Type.Optional(Type.String()),
  to: Type.Optional(Type.String()),
  page: Type.Integer({ minimum: 1, default: 1 }),
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
});

export const AuditBody = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      actorId: Type.String(),
      actorEmail: Type.Union([Type.String(), Type.Null()]),
      action: Type.String(),
      targetType: Type.String(),
      targetId: Type.String(),
      before: Type.Unknown(),
      after: Type.Unknown(),
      source: Type.String(),
      occurredAt: Type.String({ format: 'date-time' }),
    }),
  ),
  total: Type.Integer(),
  page: Type.Integer(),
  limit: Type.Integer(),
});

export const RebuildBody = Type.Object({
  events: Type.Integer(),
  skipped: Type.Integer(),
  durationMs: Type.Integer(),
});
