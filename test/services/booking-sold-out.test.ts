import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type Session, type TestPlatform } from '../support/platform';
import { hold, onSaleEvent } from '../integration/admin.flow';
import { serviceMetric } from '../../bench/lib/memory';

/**
 * A sold-out event's holds through the gateway (ADR 0009): the ticket service says the event is
 * sold out, the gateway then answers the event's holds itself for a moment with the same answer,
 * and a seat that comes back can be held again within a couple of seconds.
 */
let tp: TestPlatform;
let admin: Session;

beforeAll(async () => {
  tp = await startTestPlatform({ services: 'auth,ticket,gateway' });
  admin = await tp.admin();
});
afterAll(async () => {
  await tp?.close();
});

const answeredAtEdge = () =>
  serviceMetric(tp.url, 'tiketi_gateway_sold_out_holds_total', { label: 'outcome="answered"', absent: 0 });

const until = async <T>(what: () => Promise<T>, done: (value: T) => boolean, ms = 8_000): Promise<T> => {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await what();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe('holds for a sold-out event', () => {
  it("are answered at the edge with the service's own answer, and a returned seat is holdable again", async () => {
    const eventId = await onSaleEvent(tp, admin, 'Sold Out Night', 4, 99_000);
    const first = await tp.register();
    const second = await tp.register();
    const kept = await hold(tp, first, eventId, 2);
    const returned = await hold(tp, second, eventId, 2);
    const late = await tp.register();
    const seat = kept.seats[0]!.id;

    // The ticket service sees the event sold out once its status caught up (a moment after the last seat went).
    const fromService = await until(
      () =>
        tp.api('POST', '/api/tickets/book', { token: late.accessToken, body: { eventId, seatIds: [seat] } }),
      (res) => res.body?.error?.details?.soldOut === true,
    );
    expect(fromService.status).toBe(409);
    expect(fromService.body.error).toMatchObject({
      code: 'SEAT_UNAVAILABLE',
      message: 'This event is sold out',
      details: { seatIds: [seat], soldOut: true },
    });
    // Meant for the gateway, never for the client.
    expect(fromService.headers.get('x-tiketi-sold-out')).toBeNull();

    // Now the gateway answers: the same body (but the request id), and the service is not asked.
    const before = await answeredAtEdge();
    const fromEdge = await tp.api('POST', '/api/tickets/book', {
      token: late.accessToken,
      body: { eventId, seatIds: [seat, seat] },
    });
    expect(fromEdge.status).toBe(409);
    const { requestId: _a, ...edgeError } = fromEdge.body.error;
    const { requestId: _b, ...serviceError } = fromService.body.error;
    expect(edgeError).toEqual(serviceError);
    const best = await tp.api('POST', '/api/tickets/book', {
      token: late.accessToken,
      body: { eventId, quantity: 1 },
    });
    expect(best.status).toBe(409);
    expect(best.body.error.details).toEqual({ seatIds: [], soldOut: true });
    expect(await answeredAtEdge()).toBe(before + 2);

    // What the edge does not know it leaves to the service: a body that is not a valid hold, and
    // more seats than a buyer may hold.
    const invalid = await tp.api('POST', '/api/tickets/book', { token: late.accessToken, body: { eventId } });
    expect(invalid.status).toBe(400);
    const tooMany = await tp.api('POST', '/api/tickets/book', {
      token: late.accessToken,
      body: { eventId, quantity: 50 },
    });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.error.code).toBe('SEAT_LIMIT_EXCEEDED');
    expect(await answeredAtEdge()).toBe(before + 2);

    // A seat comes back: within a couple of seconds a hold reaches the service and gets it.
    const cancelled = await tp.api('POST', `/api/reservations/${returned.id}/cancel`, {
      token: second.accessToken,
      body: {},
    });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    const startedAt = Date.now();
    const again = await until(
      () => tp.api('POST', '/api/tickets/book', { token: late.accessToken, body: { eventId, quantity: 1 } }),
      (res) => res.status === 201,
    );
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(Date.now() - startedAt).toBeLessThan(5_000);
  });

  it('says sold out from the first refusal after the last seat went, before the event row catches up', async () => {
    const eventId = await onSaleEvent(tp, admin, 'Sold Out At Once', 2, 99_000);
    const first = await tp.register();
    const late = await tp.register();
    // The row the service keeps for a second is read by this hold: on sale, with seats left.
    const kept = await hold(tp, first, eventId, 2);
    const refused = await tp.api('POST', '/api/tickets/book', {
      token: late.accessToken,
      body: { eventId, seatIds: [kept.seats[0]!.id] },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error.details).toEqual({ seatIds: [kept.seats[0]!.id], soldOut: true });
    // A refusal while seats remain says nothing of the kind.
    const openEvent = await onSaleEvent(tp, admin, 'Seats Left', 3, 99_000);
    const some = await hold(tp, first, openEvent, 1);
    const taken = await tp.api('POST', '/api/tickets/book', {
      token: late.accessToken,
      body: { eventId: openEvent, seatIds: [some.seats[0]!.id] },
    });
    expect(taken.status).toBe(409);
    expect(taken.body.error.details).toEqual({ seatIds: [some.seats[0]!.id] });
  });
});
