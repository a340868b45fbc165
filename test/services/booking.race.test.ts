import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCoordination } from '@tiketi/platform';
import {
  createTestCoordination,
  createTestIssuer,
  startTestService,
  testEnv,
  type TestService,
} from '@tiketi/testing';
import { createTicketService } from '@tiketi/ticket';
import { createEventFixture, failingCoordination, type EventFixture } from './booking.fixtures';

/**
 * 200 buyers race for the same 20 seats. Whatever the interleaving, and whether or not Redis
 * answers, no seat ends up in two active reservations and what the map shows matches what the
 * winners were told.
 */
interface Attempt {
  asked: string[];
  status: number;
  body: any;
}

// One service for the file (migrations are the slow part); the failure test runs last.
let service: TestService;
let coordination: ReturnType<typeof failingCoordination>;
beforeAll(async () => {
  const inner = await createTestCoordination();
  // Real mode really loses its Redis connection; embedded mode gets errors from the wrapper.
  coordination = failingCoordination(inner, testEnv.redisUrl ? () => inner.close() : undefined);
  const issuer = await createTestIssuer();
  service = await startTestService(createTicketService(), {
    coordination,
    issuer,
    tokens: issuer.verifier(new MemoryCoordination()),
  });
});
afterAll(async () => {
  await service?.close();
});

function start() {
  return { service, coordination };
}

function overlappingRequests(fixture: EventFixture, buyers: number): string[][] {
  const seats = fixture.seatIds;
  // Deterministic pseudo-random windows of 1-3 neighbouring seats: every seat is wanted by many.
  let x = 7;
  const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31);
  return Array.from({ length: buyers }, () => {
    const size = 1 + (next() % 3);
    const start = next() % (seats.length - size + 1);
    return seats.slice(start, start + size);
  });
}

async function race(
  svc: TestService,
  fixture: EventFixture,
  requests: string[][],
  during?: (i: number) => Promise<void>,
): Promise<Attempt[]> {
  const buyers = await Promise.all(requests.map(() => svc.issuer.user('user')));
  return Promise.all(
    requests.map(async (asked, i) => {
      await during?.(i);
      const res = await svc.app.inject({
        method: 'POST',
        url: '/api/tickets/book',
        headers: buyers[i]!.headers,
        payload: { eventId: fixture.eventId, seatIds: asked },
      });
      return { asked, status: res.statusCode, body: res.json() };
    }),
  );
}

async function assertInvariants(
  svc: TestService,
  fixture: EventFixture,
  attempts: Attempt[],
  options: { strict409: boolean },
) {
  const winners = attempts.filter((a) => a.status === 201);
  const losers = attempts.filter((a) => a.status !== 201);
  for (const l of losers) {
    expect(l.status, JSON.stringify(l.body)).toBe(409);
    expect(l.body.error.code).toBe('SEAT_UNAVAILABLE');
  }
  // Every winner holds exactly what it asked for, and no two winners share a seat.
  const won = new Set<string>();
  for (const w of winners) {
    expect(w.body.reservation.status).toBe('pending');
    expect(w.body.reservation.seats.map((s: any) => s.id).sort()).toEqual([...w.asked].sort());
    for (const id of w.asked) {
      expect(won.has(id), `seat ${id} won twice`).toBe(false);
      won.add(id);
    }
  }
  // Every 409 names seats of its own request, and (with nothing released) seats a winner holds.
  for (const l of losers) {
    const named: string[] = l.body.error.details.seatIds;
    expect(named.length).toBeGreaterThan(0);
    for (const id of named) {
      expect(l.asked).toContain(id);
      if (options.strict409) expect(won.has(id), `409 named ${id}, which nobody holds`).toBe(true);
    }
  }
  const db = svc.ctx.db;
  const doubles = await db
    .selectFrom('reservation_seats')
    .select('seat_id')
    .where('active', '=', true)
    .groupBy('seat_id')
    .having((eb) => eb.fn.countAll(), '>', 1)
    .execute();
  expect(doubles).toEqual([]);
  const active = await db
    .selectFrom('reservation_seats')
    .select('seat_id')
    .where('event_id', '=', fixture.eventId)
    .where('active', '=', true)
    .execute();
  expect(active.map((r) => r.seat_id).sort()).toEqual([...won].sort());
  const held = await db
    .selectFrom('seats')
    .select('id')
    .where('event_id', '=', fixture.eventId)
    .where('status', '=', 'held')
    .execute();
  expect(held.map((r) => r.id).sort()).toEqual([...won].sort());
  // What buyers see on the live map is the same set.
  const map = await svc.app.inject({ method: 'GET', url: `/api/events/${fixture.eventId}/seats` });
  expect(map.statusCode).toBe(200);
  const shownHeld = (map.json().seats as Array<{ id: string; status: string }>)
    .filter((s) => s.status === 'held')
    .map((s) => s.id);
  expect(shownHeld.sort()).toEqual([...won].sort());
  return won;
}

describe('booking race: 200 buyers, 20 seats', () => {
  it('overlapping multi-seat requests never double-sell and every answer is true', async () => {
    const { service: svc } = start();
    const fixture = await createEventFixture(svc.ctx.db, { rows: 2, seatsPerRow: 10 });
    // Warm the seat map so the race also exercises the in-place cache updates.
    await svc.app.inject({ method: 'GET', url: `/api/events/${fixture.eventId}/seats` });
    const attempts = await race(svc, fixture, overlappingRequests(fixture, 200));
    const won = await assertInvariants(svc, fixture, attempts, { strict409: true });
    expect(won.size).toBeGreaterThan(0);
  }, 90_000);

  it('single-seat requests sell all 20 seats exactly once', async () => {
    const { service: svc } = start();
    const fixture = await createEventFixture(svc.ctx.db, { rows: 2, seatsPerRow: 10 });
    const requests = Array.from({ length: 200 }, (_, i) => [fixture.seatIds[i % 20]!]);
    const attempts = await race(svc, fixture, requests);
    const won = await assertInvariants(svc, fixture, attempts, { strict409: true });
    expect(won.size).toBe(20);
    expect(attempts.filter((a) => a.status === 201)).toHaveLength(20);
  }, 90_000);

  it('a crowd asking for best available at once gets distinct seats while enough are free', async () => {
    const { service: svc } = start();
    const fixture = await createEventFixture(svc.ctx.db, { rows: 10, seatsPerRow: 20 });
    await svc.app.inject({ method: 'GET', url: `/api/events/${fixture.eventId}/seats` });
    // 60 buyers x 2 seats of 200: without knowing what is being held right now, all would choose
    // the same front-row block, and most would be told no seats are left.
    const buyers = await Promise.all(Array.from({ length: 60 }, () => svc.issuer.user('user')));
    const answers = await Promise.all(
      buyers.map((b) =>
        svc.app.inject({
          method: 'POST',
          url: '/api/tickets/book',
          headers: b.headers,
          payload: { eventId: fixture.eventId, quantity: 2 },
        }),
      ),
    );
    const refused = answers.filter((a) => a.statusCode !== 201).map((a) => a.json());
    expect(refused).toEqual([]);
    const seats = answers.flatMap(
      (a) => a.json().reservation.seats as Array<{ id: string; row: string; number: number }>,
    );
    expect(new Set(seats.map((s) => s.id)).size).toBe(120);
    for (const a of answers) {
      const [x, y] = a.json().reservation.seats as Array<{ row: string; number: number }>;
      expect(x!.row).toBe(y!.row);
      expect(Math.abs(x!.number - y!.number)).toBe(1);
    }
  }, 90_000);

  it('one buyer racing many holds never passes the seat limit; released seats count again', async () => {
    const { service: svc } = start();
    const fixture = await createEventFixture(svc.ctx.db, { rows: 2, seatsPerRow: 20, seatLimit: 4 });
    const buyer = await svc.issuer.user('user');
    const book = (payload: Record<string, unknown>) =>
      svc.app.inject({
        method: 'POST',
        url: '/api/tickets/book',
        headers: buyer.headers,
        payload: { eventId: fixture.eventId, ...payload },
      });
    // 20 holds of distinct seats (one or two each) at once: only the limit stands between them.
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        book({ seatIds: fixture.seatIds.slice(2 * i, 2 * i + 1 + (i % 2)) }),
      ),
    );
    const won = answers.filter((a) => a.statusCode === 201).map((a) => a.json().reservation);
    for (const a of answers.filter((x) => x.statusCode !== 201)) {
      expect(a.statusCode, a.body).toBe(422);
      expect(a.json().error.code).toBe('SEAT_LIMIT_EXCEEDED');
    }
    const heldSeats = won.reduce((n, r) => n + r.seats.length, 0);
    expect(heldSeats).toBeGreaterThanOrEqual(3);
    expect(heldSeats).toBeLessThanOrEqual(4);
    const activeOfBuyer = async () =>
      Number(
        (
          await svc.ctx.db
            .selectFrom('reservation_seats as rs')
            .innerJoin('reservations as r', 'r.id', 'rs.reservation_id')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('r.user_id', '=', buyer.id)
            .where('rs.active', '=', true)
            .executeTakeFirstOrThrow()
        ).n,
      );
    const counted = async () =>
      (
        await svc.ctx.db
          .selectFrom('user_event_seats')
          .select('seats')
          .where('event_id', '=', fixture.eventId)
          .where('user_id', '=', buyer.id)
          .executeTakeFirstOrThrow()
      ).seats;
    expect(await activeOfBuyer()).toBe(heldSeats);
    expect(await counted()).toBe(heldSeats);

    // Cancelling gives the seats back to the allowance, exactly once.
    const first = won[0]!;
    for (let i = 0; i < 2; i++)
      await svc.app.inject({
        method: 'POST',
        url: `/api/reservations/${first.id}/cancel`,
        headers: buyer.headers,
        payload: {},
      });
    expect(await counted()).toBe(heldSeats - first.seats.length);
    const room = 4 - (heldSeats - first.seats.length);
    const again = await book({ quantity: room });
    expect(again.statusCode, again.body).toBe(201);
    expect((await book({ quantity: 1 })).json().error).toMatchObject({
      code: 'SEAT_LIMIT_EXCEEDED',
      details: { limit: 4, held: 4, requested: 1 },
    });
    expect(await counted()).toBe(4);
    expect(await activeOfBuyer()).toBe(4);
  }, 90_000);

  it('keeps every invariant when coordination (Redis) fails in the middle of the race', async () => {
    const { service: svc, coordination } = start();
    const fixture = await createEventFixture(svc.ctx.db, { rows: 2, seatsPerRow: 10 });
    await svc.app.inject({ method: 'GET', url: `/api/events/${fixture.eventId}/seats` });
    const attempts = await race(svc, fixture, overlappingRequests(fixture, 200), async (i) => {
      if (i === 60) await coordination.fail();
    });
    await assertInvariants(svc, fixture, attempts, { strict409: false });
    // Sales went on without Redis: the requests after the failure were decided by PostgreSQL.
    const fastPathFailures = await svc.ctx.metrics
      .getSingleMetric('ticket_hold_fastpath_failures_total')
      ?.get();
    expect(fastPathFailures?.values[0]?.value ?? 0).toBeGreaterThan(0);
    // And a buyer can still hold a free seat while Redis is gone.
    const free = await svc.ctx.db
      .selectFrom('seats')
      .select('id')
      .where('event_id', '=', fixture.eventId)
      .where('status', '=', 'available')
      .execute();
    if (free.length > 0) {
      const buyer = await svc.issuer.user('user');
      const res = await svc.app.inject({
        method: 'POST',
        url: '/api/tickets/book',
        headers: buyer.headers,
        payload: { eventId: fixture.eventId, seatIds: [free[0]!.id] },
      });
      expect(res.statusCode).toBe(201);
    }
  }, 90_000);
});
