import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { INTERNAL_TOKEN_HEADER, newId, type EventEnvelope } from '@tiketi/platform';
import { eventually, startTestService, type TestService } from '@tiketi/testing';
import { statsService, type StatsConfig } from '@tiketi/stats';
import { envelope, paymentFacts, reservationFacts } from './stats.fixtures';

// "Now" is 14:00 on 25 Nov 2026 in Seoul (05:00 UTC).
const NOW = new Date('2026-11-25T05:00:00Z');
const EVT_A = newId('evt');
const EVT_B = newId('evt');
const [U1, U2, U3] = [newId('usr'), newId('usr'), newId('usr')];

const r1 = { reservationId: newId('rsv'), eventId: EVT_A, userId: U1, seatCount: 2, amount: 100_000 };
const r2 = { reservationId: newId('rsv'), eventId: EVT_A, userId: U2, seatCount: 1, amount: 50_000 };
const r3 = { reservationId: newId('rsv'), eventId: EVT_B, userId: U3, seatCount: 3, amount: 90_000 };
const r4 = { reservationId: newId('rsv'), eventId: EVT_B, userId: U1, seatCount: 2, amount: 60_000 };
const r5 = { reservationId: newId('rsv'), eventId: EVT_A, userId: U3, seatCount: 4, amount: 200_000 };
const r6 = { reservationId: newId('rsv'), eventId: EVT_B, userId: U2, seatCount: 2, amount: 80_000 };
const R1 = reservationFacts(r1);
const R2 = reservationFacts(r2);
const R3 = reservationFacts(r3);
const R4 = reservationFacts(r4);
const R5 = reservationFacts(r5);
const R6 = reservationFacts(r6);
const P1 = paymentFacts(r1, newId('pay'), 'toss');
const P2 = paymentFacts(r2, newId('pay'), 'kakaopay');
const P5 = paymentFacts(r5, newId('pay'), 'toss');

const eventFact = (
  type: 'event.published' | 'event.updated',
  eventId: string,
  title: string,
  seatsTotal: number,
  at: string,
) => envelope(type, { eventId, title, status: 'on_sale', startsAt: '2026-12-24T10:00:00Z', seatsTotal }, at);
const userFact = (userId: string, at: string) =>
  envelope(
    'user.registered',
    { userId, email: `${userId}@x.test`, name: 'Buyer', role: 'user', registeredAt: at },
    at,
  );
const admitted = (eventId: string, userId: string, at: string) =>
  envelope('queue.admitted', { eventId, userId, occurredAt: at });

const paid1 = P1.paid('2026-11-25T02:05:00Z');
const cancelled6 = R6.cancelled('2026-11-25T04:25:00Z');
const audit1 = envelope('audit.recorded', {
  actorId: 'usr_admin',
  actorEmail: 'admin@x.test',
  action: 'event.publish',
  targetType: 'event',
  targetId: EVT_A,
  before: { status: 'draft' },
  after: { status: 'on_sale' },
  occurredAt: '2026-11-25T00:10:00Z',
});
const audit2 = envelope('audit.recorded', {
  actorId: 'usr_admin',
  action: 'reservation.cancel',
  targetType: 'reservation',
  targetId: r2.reservationId,
  before: 'confirmed',
  after: 'refunded',
  occurredAt: '2026-11-25T04:00:00Z',
});
// A held fact with its seats missing: kept in the history, never counted.
const malformed: EventEnvelope = {
  id: newId('evn'),
  type: 'reservation.held',
  source: 'ticket',
  occurredAt: '2026-11-25T04:20:00Z',
  data: { reservationId: 'rsv_broken' },
};

/** Delivery order is deliberately scrambled: updates before publications, confirmations before holds. */
const FACTS: EventEnvelope[] = [
  eventFact('event.updated', EVT_A, 'Concert A (updated)', 100, '2026-11-20T00:00:00Z'),
  eventFact('event.published', EVT_A, 'Concert A', 100, '2026-11-19T00:00:00Z'),
  eventFact('event.published', EVT_B, 'Musical B', 50, '2026-11-19T01:00:00Z'),
  userFact(U1, '2026-11-25T01:00:00Z'),
  userFact(U2, '2026-11-24T16:00:00Z'),
  userFact(U3, '2026-11-24T14:00:00Z'),
  R1.confirmed('2026-11-25T02:05:01Z'),
  paid1,
  R1.held('2026-11-25T02:00:00Z'),
  paid1,
  R2.held('2026-11-25T03:00:00Z'),
  R2.refunded('2026-11-25T04:00:00Z', 50_000),
  P2.refunded('2026-11-25T04:00:00Z', 50_000, 50_000),
  P2.paid('2026-11-25T03:02:00Z'),
  R2.confirmed('2026-11-25T03:02:01Z'),
  R3.expired('2026-11-25T03:45:00Z'),
  R3.held('2026-11-25T03:30:00Z'),
  R4.held('2026-11-25T04:10:00Z'),
  // The buyer's cancellation arrives before the hold it ends, then once more.
  cancelled6,
  R6.held('2026-11-25T04:15:00Z'),
  cancelled6,
  R5.refunded('2026-11-25T04:30:00Z', 50_000, [newId('seat')]),
  P5.refunded('2026-11-25T04:30:00Z', 50_000, 50_000, true),
  R5.held('2026-11-24T05:00:00Z'),
  P5.paid('2026-11-24T05:01:00Z'),
  R5.confirmed('2026-11-24T05:01:01Z'),
  admitted(EVT_A, U1, '2026-11-25T01:50:00Z'),
  admitted(EVT_A, U2, '2026-11-25T02:50:00Z'),
  admitted(EVT_B, U3, '2026-11-25T03:20:00Z'),
  audit2,
  audit1,
  malformed,
];
const DISTINCT = new Set(FACTS.map((f) => f.id)).size;

let svc: TestService<StatsConfig>;
let admin: { authorization: string };
let buyer: { authorization: string };

async function publishAll(events: EventEnvelope[]): Promise<void> {
  for (const event of events) await svc.ctx.bus.publish(event);
}

async function get(path: string, headers = admin) {
  const res = await svc.app.inject({ method: 'GET', url: path, headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

async function everyFigure() {
  return {
    dashboard: await get('/api/stats/dashboard'),
    events: await get('/api/stats/events'),
    days: await get('/api/stats/sales?from=2026-11-24&to=2026-11-25&granularity=day'),
    hours: await get(`/api/stats/sales?from=2026-11-25&to=2026-11-25&granularity=hour&eventId=${EVT_A}`),
    users: await get('/api/stats/users?from=2026-11-24&to=2026-11-25'),
    audit: await get('/api/admin/audit'),
  };
}

beforeAll(async () => {
  svc = await startTestService(statsService, { clock: { now: () => NOW } });
  admin = (await svc.issuer.user('admin')).headers;
  buyer = (await svc.issuer.user('user')).headers;
  await publishAll(FACTS);
  await eventually(async () => {
    const row = await svc.ctx.db
      .selectFrom('event_history')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    expect(Number(row?.n)).toBe(DISTINCT);
  }, 20_000);
});

afterAll(async () => {
  await svc?.close();
});

describe('stats read models from a scrambled, duplicated event stream', () => {
  it('computes the dashboard exactly', async () => {
    const d = await get('/api/stats/dashboard');
    expect(d.revenue).toEqual({
      today: 50_000,
      total: 250_000,
      refundsToday: 100_000,
      grossToday: 150_000,
      grossTotal: 350_000,
      refundsTotal: 100_000,
    });
    expect(d.reservations).toEqual({
      today: 5,
      total: 6,
      confirmed: 2,
      // cancelled counts cancelled holds and refunded reservations: r6 and r2.
      cancelled: 2,
      expired: 1,
      byStatus: { confirmed: 1, refunded: 1, expired: 1, pending: 1, partially_refunded: 1, cancelled: 1 },
    });
    // Three of six holds were paid for.
    expect(d.conversionRate).toBe(0.5);
    expect(d.queueConversionRate).toBe(0.6667);
    expect(d.byPaymentMethod).toEqual([
      { method: 'kakaopay', count: 1, amount: 0, refunds: 50_000 },
      { method: 'toss', count: 2, amount: 250_000, refunds: 50_000 },
    ]);
    expect(d.hourly).toHaveLength(24);
    expect(d.hourly.filter((h: { revenue: number; refunds: number }) => h.revenue || h.refunds)).toEqual([
      { hour: 11, revenue: 100_000, refunds: 0, count: 1 },
      { hour: 12, revenue: 50_000, refunds: 0, count: 1 },
      { hour: 13, revenue: 0, refunds: 100_000, count: 0 },
    ]);
    expect(d.topEvents).toEqual([
      { eventId: EVT_A, title: 'Concert A (updated)', seatsSold: 5, revenue: 250_000 },
    ]);
  });

  it('computes seats, revenue and conversion per event', async () => {
    const { items } = await get('/api/stats/events');
    const byId = Object.fromEntries(items.map((i: { eventId: string }) => [i.eventId, i]));
    expect(byId[EVT_A]).toMatchObject({
      title: 'Concert A (updated)',
      seatsTotal: 100,
      seatsSold: 5,
      seatsHeld: 0,
      seatsAvailable: 95,
      revenue: 250_000,
      refunds: 100_000,
      conversionRate: 1,
      queueConversionRate: 1,
    });
    // r6's two seats came back when it was cancelled: only r4's hold still counts as held.
    expect(byId[EVT_B]).toMatchObject({
      title: 'Musical B',
      seatsTotal: 50,
      seatsSold: 0,
      seatsHeld: 2,
      seatsAvailable: 48,
      revenue: 0,
      conversionRate: 0,
      queueConversionRate: 0,
    });
  });

  it('buckets sales by Seoul day and hour, with empty buckets filled', async () => {
    const days = await get('/api/stats/sales?from=2026-11-24&to=2026-11-25&granularity=day');
    expect(days.series).toEqual([
      { bucket: '2026-11-24', revenue: 200_000, refunds: 0, count: 1 },
      { bucket: '2026-11-25', revenue: 150_000, refunds: 100_000, count: 2 },
    ]);
    const hours = await get(
      `/api/stats/sales?from=2026-11-25&to=2026-11-25&granularity=hour&eventId=${EVT_A}`,
    );
    expect(hours.series).toHaveLength(24);
    expect(hours.series[11]).toEqual({
      bucket: '2026-11-25T11:00:00+09:00',
      revenue: 100_000,
      refunds: 0,
      count: 1,
    });
    expect(hours.series[13]).toEqual({
      bucket: '2026-11-25T13:00:00+09:00',
      revenue: 0,
      refunds: 100_000,
      count: 0,
    });
    const onlyB = await get(`/api/stats/sales?from=2026-11-24&to=2026-11-25&eventId=${EVT_B}`);
    expect(
      onlyB.series.every((s: { revenue: number; refunds: number }) => s.revenue === 0 && s.refunds === 0),
    ).toBe(true);

    const csv = await svc.app.inject({
      method: 'GET',
      url: '/api/stats/sales.csv?from=2026-11-24&to=2026-11-25',
      headers: admin,
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body).toBe(
      '\uFEFFbucket,revenue,refunds,net,count\r\n2026-11-24,200000,0,200000,1\r\n2026-11-25,150000,100000,50000,2\r\n',
    );

    const bad = await svc.app.inject({
      method: 'GET',
      url: '/api/stats/sales?from=2026-11-26&to=2026-11-25',
      headers: admin,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('INVALID_RANGE');
    const huge = await svc.app.inject({
      method: 'GET',
      url: '/api/stats/sales?from=2020-01-01&to=2026-11-25&granularity=hour',
      headers: admin,
    });
    expect(huge.json().error.code).toBe('RANGE_TOO_LARGE');
  });

  it('counts users and new users per Seoul day', async () => {
    expect(await get('/api/stats/users?from=2026-11-24&to=2026-11-25')).toEqual({
      total: 3,
      newToday: 2,
      series: [
        { bucket: '2026-11-24', count: 1 },
        { bucket: '2026-11-25', count: 2 },
      ],
    });
  });

  it('keeps the audit log with filters and paging', async () => {
    const all = await get('/api/admin/audit');
    expect(all.total).toBe(2);
    expect(all.items.map((i: { id: string }) => i.id)).toEqual([audit2.id, audit1.id]);
    expect(all.items[1]).toMatchObject({
      actorId: 'usr_admin',
      actorEmail: 'admin@x.test',
      action: 'event.publish',
      before: { status: 'draft' },
      after: { status: 'on_sale' },
    });
    expect(all.items[0]).toMatchObject({
      actorEmail: null,
      before: 'confirmed',
      after: 'refunded',
      source: 'ticket',
    });
    const filtered = await get(`/api/admin/audit?action=reservation.cancel&targetId=${r2.reservationId}`);
    expect(filtered.items.map((i: { id: string }) => i.id)).toEqual([audit2.id]);
    const page2 = await get('/api/admin/audit?page=2&limit=1');
    expect(page2).toMatchObject({ total: 2, page: 2, limit: 1 });
    expect(page2.items.map((i: { id: string }) => i.id)).toEqual([audit1.id]);
    // Past the last page: no items, and still the total.
    expect(await get('/api/admin/audit?page=9&limit=1')).toMatchObject({ items: [], total: 2, page: 9 });
  });

  it('exposes business metrics', async () => {
    const res = await svc.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.body).toMatch(/^tiketi_daily_revenue\{service="stats"\} 50000$/m);
    expect(res.body).toMatch(/^tiketi_conversion_rate\{service="stats"\} 0\.5$/m);
    expect(res.body).toContain(`tiketi_seats_available{event_id="${EVT_A}",service="stats"} 95`);
    expect(res.body).toContain(`tiketi_seats_available{event_id="${EVT_B}",service="stats"} 48`);
    expect(res.body).toMatch(/^tiketi_reservations_total\{status="held",service="stats"\} 6$/m);
    // Counted once although it was delivered twice.
    expect(res.body).toMatch(/^tiketi_reservations_total\{status="cancelled",service="stats"\} 1$/m);
    expect(res.body).toMatch(/^tiketi_reservations_total\{status="refunded",service="stats"\} 2$/m);
    // On PostgreSQL the connection pool's state is there too (PGlite has no pool).
    if (svc.ctx.database?.kind === 'postgres') {
      expect(res.body).toMatch(/^db_pool_connections\{state="max",service="stats"\} \d+$/m);
      expect(res.body).toMatch(/^db_pool_connections\{state="waiting",service="stats"\} 0$/m);
    } else {
      expect(res.body).not.toContain('db_pool_connections');
    }
  });

  it('refuses buyers and anonymous callers on every route', async () => {
    for (const url of [
      '/api/stats/dashboard',
      '/api/stats/sales',
      '/api/stats/sales.csv',
      '/api/stats/users',
      '/api/stats/events',
      '/api/admin/audit',
      '/api/stats/live',
    ]) {
      const asBuyer = await svc.app.inject({ method: 'GET', url, headers: buyer });
      expect(asBuyer.statusCode, url).toBe(403);
      const anonymous = await svc.app.inject({ method: 'GET', url });
      expect(anonymous.statusCode, url).toBe(401);
    }
    const rebuild = await svc.app.inject({ method: 'POST', url: '/internal/stats/rebuild', headers: admin });
    expect(rebuild.statusCode).toBe(403);
  });

  it('changes nothing when the whole stream is delivered again', async () => {
    const before = await everyFigure();
    // Sentinels at the end of each group's re-delivery (neither counts): once both are in the history,
    // every re-delivered fact before them has been handled (the Redis bus delivers asynchronously).
    const failed = paymentFacts(r4, newId('pay'), 'toss').paid('2026-11-25T04:40:00Z');
    const sentinels: EventEnvelope[] = [
      { ...failed, type: 'payment.failed', data: { ...failed.data, code: 'CARD_DECLINED' } },
      {
        id: newId('evn'),
        type: 'audit.recorded',
        source: 'ticket',
        occurredAt: '2026-11-25T04:41:00Z',
        data: { action: 'broken' },
      },
    ];
    await publishAll([...[...FACTS].reverse(), ...sentinels]);
    await eventually(async () => {
      const rows = await svc.ctx.db
        .selectFrom('event_history')
        .select('id')
        .where(
          'id',
          'in',
          sentinels.map((e) => e.id),
        )
        .execute();
      expect(rows).toHaveLength(2);
    }, 20_000);
    expect(await everyFigure()).toEqual(before);
  });

  it('rebuilds every read model from the history with the same figures', async () => {
    const before = await everyFigure();
    // Damage the read models: a rebuild must not depend on them.
    await sql`delete from ${sql.table('stats.sales_hourly')}`.execute(svc.ctx.db);
    await sql`update ${sql.table('stats.reservations')} set status = 'pending', status_rank = 0`.execute(
      svc.ctx.db,
    );
    await sql`update ${sql.table('stats.reservations')} set seat_count = 0 where reservation_id = ${r6.reservationId}`.execute(
      svc.ctx.db,
    );
    await sql`delete from ${sql.table('stats.audit_log')}`.execute(svc.ctx.db);
    expect((await get('/api/stats/dashboard')).revenue.total).toBe(0);

    const res = await svc.app.inject({
      method: 'POST',
      url: '/internal/stats/rebuild',
      headers: { [INTERNAL_TOKEN_HEADER]: svc.ctx.config.INTERNAL_TOKEN },
    });
    expect(res.statusCode, res.body).toBe(200);
    // The history now also holds the two sentinels: one well-formed failure, one malformed audit fact.
    expect(res.json()).toMatchObject({ events: DISTINCT, skipped: 2 });
    const after = await everyFigure();
    expect(after).toEqual(before);
    expect(after.dashboard.reservations).toMatchObject({
      cancelled: 2,
      byStatus: expect.objectContaining({ cancelled: 1 }),
    });
  });
});
