import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestService } from '@tiketi/testing';
import type { TicketConfig } from '@tiketi/ticket';
import { INTERNAL_HEADERS, createEventFixture, movableClock, startTicketAlone } from './booking.fixtures';

// What auth asks before it closes an account: what the buyer still has going.
const clock = movableClock();
let svc: TestService<TicketConfig>;
const internal = INTERNAL_HEADERS;

beforeAll(async () => {
  svc = await startTicketAlone(clock);
});
afterAll(async () => {
  await svc?.close();
});

const openBookings = async (userId: string, headers: Record<string, string> = internal) =>
  svc.app.inject({ method: 'GET', url: `/internal/users/${userId}/open-bookings`, headers });

describe('open bookings of a buyer (internal)', () => {
  it('counts an unpaid hold, then a paid booking until its event has ended', async () => {
    const f = await createEventFixture(svc.ctx.db);
    const buyer = await svc.issuer.user();
    const stranger = await svc.issuer.user();
    const held = await svc.app.inject({
      method: 'POST',
      url: '/api/tickets/book',
      headers: buyer.headers,
      payload: { eventId: f.eventId, quantity: 2 },
    });
    expect(held.statusCode, held.body).toBe(201);
    const reservationId = held.json().reservation.id as string;
    expect((await openBookings(buyer.id)).json()).toEqual({ pending: 1, upcoming: 0 });
    expect((await openBookings(stranger.id)).json()).toEqual({ pending: 0, upcoming: 0 });

    for (const step of ['payment-started', 'confirm'] as const) {
      const res = await svc.app.inject({
        method: 'POST',
        url: `/internal/reservations/${reservationId}/${step}`,
        headers: internal,
        payload: step === 'confirm' ? { paymentId: 'pay_open' } : { paymentId: 'pay_open', ttlSeconds: 600 },
      });
      expect(res.statusCode, res.body).toBe(200);
    }
    expect((await openBookings(buyer.id)).json()).toEqual({ pending: 0, upcoming: 1 });

    // The fixture's event ends 30 days and two hours from now: after it, nothing is going.
    clock.advance(31 * 86_400_000);
    expect((await openBookings(buyer.id)).json()).toEqual({ pending: 0, upcoming: 0 });
  });

  it('answers only to services (the internal token)', async () => {
    const buyer = await svc.issuer.user();
    expect((await openBookings(buyer.id, buyer.headers)).statusCode).toBe(403);
    expect((await openBookings(buyer.id, {})).statusCode).toBe(403);
  });
});
