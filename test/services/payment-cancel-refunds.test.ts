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
});
