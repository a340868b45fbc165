import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@tiketi/testing';
import { newId } from '@tiketi/platform';
import { buyerApproves, startHarness, type PaymentHarness } from './payment-harness';

const CONCURRENCY = 4;
let h: PaymentHarness;
let admin: { id: string; headers: { authorization: string } };

beforeAll(async () => {
  // The reconciler's sweep stays out of the way after its first pass: the fact's own pass is
  // what is watched here.
  h = await startHarness({
    PAYMENT_REFUND_CONCURRENCY: String(CONCURRENCY),
    PAYMENT_RECONCILE_INTERVAL_MS: '600000',
  });
  admin = await h.svc.issuer.user('admin');
});
afterAll(async () => {
  await h?.close();
});

async function paidByToss(eventId: string): Promise<{ id: string; amount: number }> {
  const buyer = await h.svc.issuer.user('user');
  const event = h.ticket.events.get(eventId)!;
  const reservation = h.ticket.addReservation(buyer.id, { event, prices: [30_000] });
  const created = await h.svc.app.inject({
    method: 'POST',
    url: '/api/payments/create',
    payload: { reservationId: reservation.id, method: 'toss' },
    headers: buyer.headers,
  });
  expect(created.statusCode, created.body).toBe(201);
  const body = await buyerApproves(h, 'toss', created.json());
  const res = await h.svc.app.inject({
    method: 'POST',
    url: '/api/payments/confirm',
    payload: body,
    headers: buyer.headers,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().payment;
}

describe("a cancelled event's refunds", () => {
  it('run PAYMENT_REFUND_CONCURRENCY at a time, each payment refunded once', async () => {
    const event = h.ticket.addEvent({ startsAt: new Date(Date.now() + 3 * 86_400_000).toISOString() });
    const paid: Array<{ id: string; amount: number }> = [];
    for (let i = 0; i < 3 * CONCURRENCY; i++) paid.push(await paidByToss(event.id));
    const cancelsBefore = h.toss.cancelRequests.length;
    h.toss.knobs.latencyMs = 150;
    try {
      await h.svc.bus.publish({
        id: newId('evn'),
        type: 'event.cancelled',
        source: 'ticket',
        occurredAt: new Date().toISOString(),
        data: {
          eventId: event.id,
          title: event.title,
          status: 'cancelled',
          startsAt: event.startsAt,
          seatsTotal: 100,
        },
      });
      await eventually(async () => {
        for (const p of paid) {
          const res = await h.svc.app.inject({
            method: 'GET',
            url: `/api/payments/${p.id}`,
            headers: admin.headers,
          });
          expect(res.json().payment).toMatchObject({ status: 'refunded', refundedAmount: p.amount });
        }
      }, 20_000);
    } finally {
      h.toss.knobs.latencyMs = 0;
    }
    expect(h.toss.cancelRequests.length - cancelsBefore).toBe(paid.length);
    // One at a time before (the provider saw at most two at once, when the reconciler's first pass,
    // a second after boot, overlapped the fact's pass). Each pass now keeps CONCURRENCY under way.
    expect(h.toss.mostCancelsAtOnce).toBeGreaterThanOrEqual(CONCURRENCY);
    expect(h.toss.mostCancelsAtOnce).toBeLessThanOrEqual(2 * CONCURRENCY);
  });
});
