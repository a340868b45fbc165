import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collect,
  createTestBus,
  createTestCoordination,
  createTestDatabase,
  createTestIssuer,
  eventually,
  startTestService,
  type TestDatabase,
  testEnv,
  testRedisPrefix,
  testSockets,
  type TestService,
} from '@tiketi/testing';
import type { Coordination, EventBus } from '@tiketi/platform';
import { createTicketService, type TicketConfig } from '@tiketi/ticket';
import { bookingInstance } from '../../services/ticket/src/booking/booking.area';
import { queueRuntime } from '../../services/ticket/src/queue';
import { createEventFixture, movableClock } from './booking.fixtures';

/** Two ticket-service replicas on one database and one coordination: maps, sockets and sweepers agree. */
const clock = movableClock();
let database: TestDatabase;
let coordination: Coordination;
let bus: EventBus;
let a: TestService<TicketConfig>;
let b: TestService<TicketConfig>;
const sockets = testSockets();

beforeAll(async () => {
  database = await createTestDatabase('booking_replicas');
  coordination = await createTestCoordination();
  bus = await createTestBus();
  const issuer = await createTestIssuer();
  const env: Record<string, string> = testEnv.redisUrl
    ? { REDIS_URL: testEnv.redisUrl, REDIS_KEY_PREFIX: testRedisPrefix() }
    : {};
  const options = { database, coordination, bus, issuer, clock, listen: true, env };
  a = await startTestService(createTicketService(), options);
  b = await startTestService(createTicketService(), options);
});
afterAll(async () => {
  sockets.closeAll();
  await a?.close();
  await b?.close();
  await coordination?.close();
  await bus?.close();
  await database?.drop();
});

async function map(svc: TestService, eventId: string) {
  const res = await svc.app.inject({ method: 'GET', url: `/api/events/${eventId}/seats` });
  expect(res.statusCode).toBe(200);
  return res.json() as { version: number; seats: Array<{ id: string; status: string }> };
}

describe('booking on two replicas', () => {
  it('a replica whose cached map fell behind refetches it, and the live update reaches the other replica’s sockets', async () => {
    const f = await createEventFixture(a.ctx.db);
    const before = await map(b, f.eventId);
    expect(before.seats.every((s) => s.status === 'available')).toBe(true);

    // With Redis the adapter carries room messages between replicas; embedded there is one process and no adapter to cross.
    const listener = testEnv.redisUrl ? b : a;
    const updates: Array<{ version: number; changes: Array<{ seatId: string; status: string }> }> = [];
    const socket = await sockets.open(listener.url!, {
      before: (s) => s.on('seats:update', (m) => updates.push(m)),
    });
    await socket.emitWithAck('event:join', { eventId: f.eventId });

    const buyer = await a.issuer.user('user');
    const seats = f.rows.A!.slice(0, 2);
    const held = await a.app.inject({
      method: 'POST',
      url: '/api/tickets/book',
      headers: buyer.headers,
      payload: { eventId: f.eventId, seatIds: seats },
    });
    expect(held.statusCode).toBe(201);

    const onB = await map(b, f.eventId);
    const onA = await map(a, f.eventId);
    expect(onB.version).toBe(onA.version);
    expect(onB.version).toBeGreaterThan(before.version);
    expect(
      onB.seats
        .filter((s) => s.status === 'held')
        .map((s) => s.id)
        .sort(),
    ).toEqual([...seats].sort());
    await eventually(() =>
      expect(
        updates
          .flatMap((u) => u.changes)
          .map((c) => c.seatId)
          .sort(),
      ).toEqual([...seats].sort()),
    );

    // A buyer on replica B cannot take what replica A holds.
    const other = await b.issuer.user('user');
    const lost = await b.app.inject({
      method: 'POST',
      url: '/api/tickets/book',
      headers: other.headers,
      payload: { eventId: f.eventId, seatIds: [seats[1]!] },
    });
    expect(lost.statusCode).toBe(409);
    expect(lost.json().error.details.seatIds).toEqual([seats[1]]);
  });

  it('one message to many users reaches each on whichever replica holds their socket, and nobody else', async () => {
    const [here, there, away] = [
      await a.issuer.user('user'),
      await a.issuer.user('user'),
      await a.issuer.user('user'),
    ];
    // With Redis the second replica's sockets hear it through one publish; embedded, one process serves both.
    const far = testEnv.redisUrl ? b : a;
    const open = async (svc: TestService, token: string) =>
      collect<unknown>(await sockets.open(svc.url!, { token }), 'queue:update');
    const [onA, onFar, bystander] = [
      await open(a, here.token),
      await open(far, there.token),
      await open(far, away.token),
    ];
    queueRuntime(a.ctx).service.pushMany('queue:update', [
      { userId: here.id, payload: { position: 1 } },
      { userId: there.id, payload: { position: 2 } },
      { userId: 'usr_nobody_connected', payload: { position: 3 } },
    ]);
    await eventually(() => {
      expect(onA).toEqual([{ position: 1 }]);
      expect(onFar).toEqual([{ position: 2 }]);
    });
    // A later message on the same path arrives after the first: by then any stray one would have too.
    queueRuntime(a.ctx).service.pushMany('queue:update', [{ userId: there.id, payload: { position: 1 } }]);
    await eventually(() => expect(onFar).toEqual([{ position: 2 }, { position: 1 }]));
    expect(bystander).toEqual([]);
    expect(onA).toEqual([{ position: 1 }]);
  });

  it('hold updates reach each buyer on whichever replica holds their socket, in commit order', async () => {
    const f = await createEventFixture(a.ctx.db, { rows: 1, seatsPerRow: 12 });
    const far = testEnv.redisUrl ? b : a;
    const buyers = await Promise.all(Array.from({ length: 6 }, () => a.issuer.user('user')));
    const heard = await Promise.all(
      buyers.map(async (buyer, i) =>
        collect<{ reservationId: string; status: string }>(
          await sockets.open((i % 2 ? far : a).url!, { token: buyer.token }),
          'hold:update',
        ),
      ),
    );
    // Held at once on replica A: their commits share turns of its event loop, and their messages the publishes.
    const held = await Promise.all(
      buyers.map((buyer, i) =>
        a.app.inject({
          method: 'POST',
          url: '/api/tickets/book',
          headers: buyer.headers,
          payload: { eventId: f.eventId, seatIds: [f.seatIds[i]!] },
        }),
      ),
    );
    expect(held.map((r) => r.statusCode)).toEqual(buyers.map(() => 201));
    const ids = held.map((r) => r.json().reservation.id as string);
    await eventually(() =>
      expect(heard.map((h) => h.map((m) => m.reservationId))).toEqual(ids.map((id) => [id])),
    );
    // The buyer cancels through replica A again: the later update follows the first across.
    const cancelled = await a.app.inject({
      method: 'POST',
      url: `/api/reservations/${ids[1]}/cancel`,
      headers: buyers[1]!.headers,
    });
    expect(cancelled.statusCode).toBe(200);
    await eventually(() => expect(heard[1]!.map((m) => m.status)).toEqual(['pending', 'cancelled']));
    expect(heard[0]!.map((m) => m.status)).toEqual(['pending']);
  });

  it('both replicas sweep, and every expired hold is expired exactly once', async () => {
    const f = await createEventFixture(a.ctx.db, { rows: 1, seatsPerRow: 10, holdMinutes: 1 });
    const ids: string[] = [];
    for (const seat of f.seatIds) {
      const buyer = await a.issuer.user('user');
      const svc = ids.length % 2 === 0 ? a : b;
      const res = await svc.app.inject({
        method: 'POST',
        url: '/api/tickets/book',
        headers: buyer.headers,
        payload: { eventId: f.eventId, seatIds: [seat] },
      });
      ids.push(res.json().reservation.id);
    }
    clock.advance(61_000);
    const swept = await Promise.all([
      bookingInstance(a.ctx).workers!.sweep(),
      bookingInstance(b.ctx).workers!.sweep(),
    ]);
    expect(swept[0] + swept[1]).toBeLessThanOrEqual(10);
    await eventually(async () => {
      const rows = await a.ctx.db
        .selectFrom('reservations')
        .select('status')
        .where('id', 'in', ids)
        .execute();
      expect(rows.every((r) => r.status === 'expired')).toBe(true);
    });
    const facts = await a.ctx.db
      .selectFrom('outbox')
      .select('payload')
      .where('type', '=', 'reservation.expired')
      .execute();
    const expiredIds = facts
      .map(
        (r) =>
          (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload).data.reservationId as string,
      )
      .filter((id) => ids.includes(id));
    expect(expiredIds.sort()).toEqual([...ids].sort());
    expect((await map(b, f.eventId)).seats.every((s) => s.status === 'available')).toBe(true);
  });
});
