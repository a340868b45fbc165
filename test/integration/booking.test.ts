import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, testSockets } from '@tiketi/testing';
import { startTestPlatform, type Session, type TestPlatform } from '../support/platform';
import { onSaleEvent, paySandbox } from './admin.flow';

/** Booking through the gateway as the web app does it: map, live updates, hold, pay, cancel. */
let tp: TestPlatform;
let admin: Session;
const sockets = testSockets();

beforeAll(async () => {
  tp = await startTestPlatform();
  admin = await tp.admin();
});
afterAll(async () => {
  sockets.closeAll();
  await tp?.close();
});

async function seatMap(
  eventId: string,
): Promise<{ version: number; seats: Array<{ id: string; label: string; status: string; price: number }> }> {
  const res = await tp.api('GET', `/api/events/${eventId}/seats`);
  expect(res.status).toBe(200);
  return res.body;
}

describe('booking through the gateway', () => {
  it('holds from the live map, pushes seats:update through /socket.io, pays, and a paid cancel refunds and frees the seats', async () => {
    const eventId = await onSaleEvent(tp, admin, 'Gateway Booking Night', 6, 99_000);
    const [buyer, other] = [await tp.register(), await tp.register()];

    const updates: Array<{ version: number; changes: Array<{ seatId: string; status: string }> }> = [];
    const holds: Array<{ reservationId: string; status: string }> = [];
    const socket = await sockets.open(tp.url, {
      token: buyer.accessToken,
      before: (s) => {
        s.on('seats:update', (m) => updates.push(m));
        s.on('hold:update', (m) => holds.push(m));
      },
    });
    expect(await socket.emitWithAck('event:join', { eventId })).toEqual({ ok: true });

    const map = await seatMap(eventId);
    expect(map.seats).toHaveLength(6);
    expect(map.seats.every((s) => s.status === 'available' && s.price === 99_000)).toBe(true);
    const chosen = map.seats.slice(0, 2).map((s) => s.id);

    const held = await tp.api('POST', '/api/tickets/book', {
      token: buyer.accessToken,
      body: { eventId, seatIds: chosen },
    });
    expect(held.status, JSON.stringify(held.body)).toBe(201);
    const reservation = held.body.reservation;
    expect(reservation).toMatchObject({ status: 'pending', amount: 198_000, currency: 'KRW' });
    const lost = await tp.api('POST', '/api/tickets/book', {
      token: other.accessToken,
      body: { eventId, seatIds: [chosen[1]] },
    });
    expect(lost.status).toBe(409);
    expect(lost.body.error).toMatchObject({ code: 'SEAT_UNAVAILABLE', details: { seatIds: [chosen[1]] } });

    await eventually(() =>
      expect(
        updates
          .flatMap((u) => u.changes)
          .filter((c) => c.status === 'held')
          .map((c) => c.seatId)
          .sort(),
      ).toEqual([...chosen].sort()),
    );
    await eventually(() =>
      expect(holds).toContainEqual(
        expect.objectContaining({ reservationId: reservation.id, status: 'pending' }),
      ),
    );
    expect((await seatMap(eventId)).version).toBeGreaterThanOrEqual(
      Math.max(...updates.map((u) => u.version)),
    );

    expect(
      (await tp.api('GET', `/api/reservations/${reservation.id}`, { token: other.accessToken })).status,
    ).toBe(404);
    const mine = await tp.api('GET', '/api/tickets/my', { token: buyer.accessToken });
    expect(mine.body.items[0]).toMatchObject({
      id: reservation.id,
      event: { id: eventId, title: 'Gateway Booking Night' },
    });

    await paySandbox(tp, buyer, reservation.id);
    expect(
      (await seatMap(eventId)).seats
        .filter((s) => s.status === 'sold')
        .map((s) => s.id)
        .sort(),
    ).toEqual([...chosen].sort());

    const cancelled = await tp.api('POST', `/api/reservations/${reservation.id}/cancel`, {
      token: buyer.accessToken,
      body: { reason: 'cannot come' },
    });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    await eventually(async () => {
      const now = await tp.api('GET', `/api/reservations/${reservation.id}`, { token: buyer.accessToken });
      expect(now.body.reservation.status).toBe('refunded');
    });
    const after = await seatMap(eventId);
    expect(after.seats.filter((s) => chosen.includes(s.id)).map((s) => s.status)).toEqual([
      'available',
      'available',
    ]);
    // The freed seats sell again.
    expect(
      (
        await tp.api('POST', '/api/tickets/book', {
          token: other.accessToken,
          body: { eventId, seatIds: chosen },
        })
      ).status,
    ).toBe(201);
  });
});
