import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import {
  collect,
  startTestService,
  testEnv,
  testRedisPrefix,
  testSockets,
  type TestService,
} from '@tiketi/testing';
import { createTicketService, type TicketConfig } from '@tiketi/ticket';
import { createEventFixture, movableClock } from './booking.fixtures';

/** The live seat map over Socket.IO (with the Redis adapter in real mode) against a listening service. */
const clock = movableClock();
let svc: TestService<TicketConfig>;
const sockets = testSockets();

beforeAll(async () => {
  svc = await startTestService(createTicketService(), {
    clock,
    listen: true,
    env: testEnv.redisUrl ? { REDIS_URL: testEnv.redisUrl, REDIS_KEY_PREFIX: testRedisPrefix() } : {},
  });
});
afterAll(async () => {
  sockets.closeAll();
  await svc?.close();
});

const open = (token?: string, before?: (socket: Socket) => void) => sockets.open(svc.url!, { token, before });

async function until<T>(check: () => T | undefined, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting for a realtime message');
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface SeatsUpdate {
  eventId: string;
  version: number;
  fromVersion: number;
  changes: Array<{ seatId: string; status: string }>;
}

describe('live seat map', () => {
  it('sends batched, versioned seats:update without buyer identity, and hold:update to the buyer; expiry returns the seats', async () => {
    const f = await createEventFixture(svc.ctx.db, { holdMinutes: 1 });
    const buyer = await svc.issuer.user('user');
    const watcher = await open();
    const own = await open(buyer.token);
    const updates = collect<SeatsUpdate>(watcher, 'seats:update');
    const holds = collect<{ reservationId: string; status: string; expiresAt: string }>(own, 'hold:update');
    expect(await watcher.emitWithAck('event:join', { eventId: f.eventId })).toEqual({ ok: true });
    expect(await watcher.emitWithAck('event:join', { nope: 1 })).toMatchObject({ ok: false });

    const seats = f.rows.A!.slice(0, 3);
    const before = (await svc.app.inject({ method: 'GET', url: `/api/events/${f.eventId}/seats` })).json()
      .version as number;
    const res = await svc.app.inject({
      method: 'POST',
      url: '/api/tickets/book',
      headers: buyer.headers,
      payload: { eventId: f.eventId, seatIds: seats },
    });
    expect(res.statusCode).toBe(201);
    const reservationId = res.json().reservation.id as string;

    const held = await until(() => updates.find((u) => u.changes.some((c) => c.status === 'held')));
    // One hold of three seats is one message, not three.
    expect(held.eventId).toBe(f.eventId);
    expect(held.changes.map((c) => c.seatId).sort()).toEqual([...seats].sort());
    expect(held.version).toBeGreaterThan(before);
    const raw = JSON.stringify(updates);
    expect(raw).not.toContain(buyer.id);
    expect(raw).not.toContain(reservationId);
    const map = (await svc.app.inject({ method: 'GET', url: `/api/events/${f.eventId}/seats` })).json();
    expect(map.version).toBe(held.version);
    expect(
      map.seats
        .filter((s: any) => s.status === 'held')
        .map((s: any) => s.id)
        .sort(),
    ).toEqual([...seats].sort());
    await until(() => holds.find((h) => h.reservationId === reservationId && h.status === 'pending'));

    // The hold runs out: the sweeper returns the seats and everyone hears of it.
    clock.advance(61_000);
    const back = await until(
      () => updates.find((u) => u.changes.some((c) => c.status === 'available')),
      6_000,
    );
    expect(back.changes.map((c) => c.seatId).sort()).toEqual([...seats].sort());
    expect(back.version).toBeGreaterThan(held.version);
    await until(() => holds.find((h) => h.reservationId === reservationId && h.status === 'expired'));

    // A watcher that left the room hears nothing more.
    await watcher.emitWithAck('event:leave', { eventId: f.eventId });
    const count = updates.length;
    const other = await svc.issuer.user('user');
    await svc.app.inject({
      method: 'POST',
      url: '/api/tickets/book',
      headers: other.headers,
      payload: { eventId: f.eventId, seatIds: [f.rows.B![0]!] },
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(updates).toHaveLength(count);
  });

  it('serves the map for an unknown event as 404 and keeps a bad token from private rooms', async () => {
    const res = await svc.app.inject({ method: 'GET', url: '/api/events/evt_missing/seats' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('EVENT_NOT_FOUND');
    let errors: Array<{ code: string }> = [];
    const socket = await open('not-a-token', (s) => (errors = collect<{ code: string }>(s, 'auth:error')));
    expect(await until(() => errors[0])).toEqual({ code: 'TOKEN_INVALID' });
    // Still allowed to watch a seat map.
    expect(await socket.emitWithAck('event:join', { eventId: 'evt_any' })).toEqual({ ok: true });
  });
});
