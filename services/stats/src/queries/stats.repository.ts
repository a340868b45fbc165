import { sql, type Kysely } from 'kysely';

const t = (name: string) => sql.table(`stats.${name}`);
const toDate = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));
const num = (v: unknown): number => Number(v ?? 0);

export interface HourRow {
  hour: Date;
  revenue: number;
  sales: number;
  refunds: number;
  refundCount: number;
}

/** Sales per hour in [from, to), optionally for one event. */
export async function salesByHour(
  db: Kysely<any>,
  from: Date,
  to: Date,
  eventId?: string,
): Promise<HourRow[]> {
  const rows = await sql<
    Record<string, unknown>
  >`select hour, sum(revenue) as revenue, sum(sales) as sales, sum(refunds) as refunds,
      sum(refund_count) as refund_count
    from ${t('sales_hourly')} where hour >= ${from} and hour < ${to} ${eventId ? sql`and event_id = ${eventId}` : sql``}
    group by hour order by hour`.execute(db);
  return rows.rows.map((r) => ({
    hour: toDate(r.hour),
    revenue: num(r.revenue),
    sales: num(r.sales),
    refunds: num(r.refunds),
    refundCount: num(r.refund_count),
  }));
}

export interface Totals {
  revenue: number;
  sales: number;
  refunds: number;
}

/** Gross sales and refunds, all time or in [from, to). */
export async function salesTotals(db: Kysely<any>, range?: { from: Date; to: Date }): Promise<Totals> {
  const rows = await sql<
    Record<string, unknown>
  >`select coalesce(sum(revenue), 0) as revenue, coalesce(sum(sales), 0) as sales,
      coalesce(sum(refunds), 0) as refunds
    from ${t('sales_hourly')} ${range ? sql`where hour >= ${range.from} and hour < ${range.to}` : sql``}`.execute(
    db,
  );
  const r = rows.rows[0] ?? {};
  return { revenue: num(r.revenue), sales: num(r.sales), refunds: num(r.refunds) };
}

export interface MethodRow extends Totals {
  method: string;
}

export async function salesByMethod(db: Kysely<any>): Promise<MethodRow[]> {
  const rows = await sql<
    Record<string, unknown>
  >`select method, sum(revenue) as revenue, sum(sales) as sales, sum(refunds) as refunds
    from ${t('sales_hourly')} group by method order by method`.execute(db);
  return rows.rows.map((r) => ({
    method: String(r.method),
    revenue: num(r.revenue),
    sales: num(r.sales),
    refunds: num(r.refunds),
  }));
}

export interface ReservationCounts {
  total: number;
  today: number;
  byStatus: Record<string, number>;
  holds: number;
  convertedHolds: number;
}

export async function reservationCounts(
  db: Kysely<any>,
  todayStart: Date,
  todayEnd: Date,
): Promise<ReservationCounts> {
  const rows = await sql<Record<string, unknown>>`select status, count(*) as n,
      count(*) filter (where created_at >= ${todayStart} and created_at < ${todayEnd}) as today,
      count(*) filter (where held) as holds, count(*) filter (where held and converted) as converted
    from ${t('reservations')} group by status`.execute(db);
  const out: ReservationCounts = { total: 0, today: 0, byStatus: {}, holds: 0, convertedHolds: 0 };
  for (const r of rows.rows) {
    out.byStatus[String(r.status)] = num(r.n);
    out.total += num(r.n);
    out.today += num(r.today);
    out.holds += num(r.holds);
    out.convertedHolds += num(r.converted);
  }
  return out;
}

export interface QueueConversion {
  admissions: number;
  purchases: number;
}

/** Queue admissions per event, and how many ended in a paid reservation for the same buyer and event. */
export async function queueConversionByEvent(db: Kysely<any>): Promise<Map<string, QueueConversion>> {
  const rows = await sql<Record<string, unknown>>`select q.event_id, count(*) as admissions,
      count(*) filter (where exists (select 1 from ${t('reservations')} r
        where r.event_id = q.event_id and r.user_id = q.user_id and r.converted)) as purchases
    from ${t('queue_admissions')} q group by q.event_id`.execute(db);
  return new Map(
    rows.rows.map((r) => [
      String(r.event_id),
      { admissions: num(r.admissions), purchases: num(r.purchases) },
    ]),
  );
}

export interface EventRow {
  eventId: string;
  title: string;
  status: string | null;
  startsAt: string | null;
  seatsTotal: number;
  seatsSold: number;
  seatsHeld: number;
  revenue: number;
  refunds: number;
  holds: number;
  convertedHolds: number;
}

/** Per-event figures: every event known from its own facts or from reservations and sales. */
export async function eventFigures(db: Kysely<any>): Promise<EventRow[]> {
  const rows = await sql<Record<string, unknown>>`
    with res as (
      select event_id,
        sum(case when status = 'confirmed' then seat_count
                 when status = 'partially_refunded' then greatest(seat_count - refunded_seats, 0) else 0 end) as sold,
        sum(case when status = 'pending' and held then seat_count else 0 end) as held_seats,
        count(*) filter (where held) as holds,
        count(*) filter (where held and converted) as converted
      from ${t('reservations')} group by event_id
    ), money as (
      select event_id, sum(revenue) as revenue, sum(refunds) as refunds from ${t('sales_hourly')} group by event_id
    ), ids as (
      select event_id from ${t('events')} union select event_id from res union select event_id from money
    )
    select ids.event_id, e.title, e.status, e.starts_at, e.seats_total, res.sold, res.held_seats, res.holds, res.converted,
      money.revenue, money.refunds
    from ids left join ${t('events')} e on e.event_id = ids.event_id
      left join res on res.event_id = ids.event_id left join money on money.event_id = ids.event_id
    order by ids.event_id`.execute(db);
  return rows.rows.map((r) => ({
    eventId: String(r.event_id),
    title: r.title == null ? '' : String(r.title),
    status: r.status == null ? null : String(r.status),
    startsAt: r.starts_at == null ? null : String(r.starts_at),
    seatsTotal: num(r.seats_total),
    seatsSold: num(r.sold),
    seatsHeld: num(r.held_seats),
    revenue: num(r.revenue),
    refunds: num(r.refunds),
    holds: num(r.holds),
    convertedHolds: num(r.converted),
  }));
}

export async function userCount(db: Kysely<any>): Promise<number> {
  const r = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirst();
  return num(r?.n);
}

/** Registrations per Seoul day in [from, to): Seoul day start (epoch ms) -> count. */
export async function registrationsPerDay(
  db: Kysely<any>,
  from: Date,
  to: Date,
): Promise<Map<number, number>> {
  const rows = await sql<
    Record<string, unknown>
  >`select floor((extract(epoch from registered_at) + 32400) / 86400) as day, count(*) as n
    from ${t('users')} where registered_at >= ${from} and registered_at < ${to} group by 1`.execute(db);
  return new Map(rows.rows.map((r) => [num(r.day) * 86_400_000 - 32_400_000, num(r.n)]));
}
