import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@tiketi/testing';
import { payThrough, publishEventCancelled, startHarness, type PaymentHarness } from './payment-harness';
import type { DoubleEvent } from './payment-ticket-double';

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

async function paidByToss(event: DoubleEvent): Promise<{ id: string; amount: number }> {
  const buyer = await h.svc.issuer.user('user');
  return payThrough(h, buyer, h.ticket.addReservation(buyer.id, { event, prices: [30_000] }).id, 'toss');
}

async function paymentOf(id: string): Promise<{ status: string; refundedAmount: number }> {
  const res = await h.svc.app.inject({ method: 'GET', url: `/api/payments/${id}`, headers: admin.headers });
  return res.json().payment;
}

describe("a cancelled event's refunds", () => {
  it('run PAYMENT_REFUND_CONCURRENCY at a time, each payment refunded once', async () => {
    const event = h.ticket.addEvent({ startsAt: new Date(Date.now() + 3 * 86_400_000).toISOString() });
    const paid: Array<{ id: string; amount: number }> = [];
    for (let i = 0; i < 3 * CONCURRENCY; i++) paid.push(await paidByToss(event));
    const cancelsBefore = h.toss.cancelRequests.length;
    h.toss.knobs.latencyMs = 150;
    try {
      await publishEventCancelled(h, event);
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

  it("of a second event do not wait for the first event's refunds to end", async () => {
    const startsAt = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const first = h.ticket.addEvent({ startsAt });
    const second = h.ticket.addEvent({ startsAt });
    const many: Array<{ id: string; amount: number }> = [];
    for (let i = 0; i < 4 * CONCURRENCY; i++) many.push(await paidByToss(first));
    const one = await paidByToss(second);
    // Each refund is a look-up and a cancel: the first event's take four rounds of 600 ms or more.
    h.toss.knobs.latencyMs = 300;
    try {
      // Before, the first fact's delivery lasted until its last refund: embedded, this publish
      // itself waited that long; through Redis, the group's next delivery (the second) did.
      await publishEventCancelled(h, first);
      await publishEventCancelled(h, second);
      await eventually(async () => {
        expect(await paymentOf(one.id)).toMatchObject({ status: 'refunded', refundedAmount: one.amount });
      }, 20_000);
      const firstRefunded = (await Promise.all(many.map((p) => paymentOf(p.id)))).filter(
        (p) => p.status === 'refunded',
      ).length;
      expect(firstRefunded).toBeLessThan(many.length);
      await eventually(async () => {
        for (const p of many)
          expect(await paymentOf(p.id)).toMatchObject({ status: 'refunded', refundedAmount: p.amount });
      }, 30_000);
    } finally {
      h.toss.knobs.latencyMs = 0;
    }
  });
});
