import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type Session, type TestPlatform } from '../support/platform';
import { hold, onSaleEvent, paySandbox } from './admin.flow';

/**
 * A user sees and touches only their own data: another signed-in buyer who learns the ids of a
 * buyer's reservations, payment and checkout (they are in URLs, screenshots, support tickets)
 * can read, pay, confirm, cancel or refund none of them, and finds none in their own lists.
 */
let tp: TestPlatform;
let owner: Session;
let stranger: Session;
let paid: { id: string };
let payment: { id: string; amount: number };
let pending: { id: string };
let pendingOrder: { orderId: string; paymentKey: string; amount: number };

beforeAll(async () => {
  tp = await startTestPlatform();
  const admin = await tp.admin();
  const eventId = await onSaleEvent(tp, admin, 'Ownership Night', 8, 70_000);
  [owner, stranger] = [await tp.register(), await tp.register()];
  paid = await hold(tp, owner, eventId, 2);
  payment = await paySandbox(tp, owner, paid.id);
  pending = await hold(tp, owner, eventId, 1);
  // The owner got as far as the provider's approval, and no further.
  const created = await tp.api('POST', '/api/payments/create', {
    token: owner.accessToken,
    body: { reservationId: pending.id, method: 'sandbox' },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const approve = await tp.api('POST', new URL(created.body.checkout.url).pathname, {
    body: { action: 'approve' },
  });
  const back = new URL(approve.headers.get('location')!);
  pendingOrder = {
    orderId: back.searchParams.get('orderId')!,
    paymentKey: back.searchParams.get('paymentKey')!,
    amount: Number(back.searchParams.get('amount')),
  };
});
afterAll(async () => {
  await tp?.close();
});

describe("another buyer and a buyer's data", () => {
  it('cannot read, pay, confirm, cancel or refund it, or see its entry pass, and nothing of it changes', async () => {
    const as = { token: stranger.accessToken };
    const refused = [
      await tp.api('GET', `/api/reservations/${paid.id}`, as),
      // The entry pass is the ticket itself: whoever holds its code gets in.
      await tp.api('GET', `/api/reservations/${paid.id}/pass`, as),
      await tp.api('POST', '/api/admin/entry/check-in', {
        ...as,
        body: { code: 'TKT-0000000000000000000000AA' },
      }),
      await tp.api('GET', `/api/payments/${payment.id}`, as),
      await tp.api('GET', `/api/payments/refund-quote?reservationId=${paid.id}`, as),
      await tp.api('POST', '/api/payments/create', {
        ...as,
        body: { reservationId: pending.id, method: 'sandbox' },
      }),
      await tp.api('POST', '/api/payments/confirm', { ...as, body: pendingOrder }),
      await tp.api('POST', `/api/reservations/${pending.id}/cancel`, { ...as, body: { reason: 'not mine' } }),
      await tp.api('POST', `/api/reservations/${paid.id}/cancel`, { ...as, body: { reason: 'not mine' } }),
      await tp.api('POST', '/api/payments/refund', {
        ...as,
        body: { paymentId: payment.id, reason: 'not mine' },
      }),
    ];
    for (const res of refused) {
      expect([403, 404], JSON.stringify(res.body)).toContain(res.status);
      expect(res.body.error.code).toBeTruthy();
    }

    const mine = { token: owner.accessToken };
    expect((await tp.api('GET', `/api/reservations/${paid.id}`, mine)).body.reservation.status).toBe(
      'confirmed',
    );
    expect((await tp.api('GET', `/api/reservations/${pending.id}`, mine)).body.reservation.status).toBe(
      'pending',
    );
    expect((await tp.api('GET', `/api/payments/${payment.id}`, mine)).body.payment).toMatchObject({
      status: 'paid',
      refundedAmount: 0,
    });
    // The owner's own confirm still goes through: the stranger's try spent nothing of it.
    const confirmed = await tp.api('POST', '/api/payments/confirm', { ...mine, body: pendingOrder });
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(confirmed.body.reservation).toMatchObject({ id: pending.id, status: 'confirmed' });
  });

  it("finds none of it in the stranger's own lists", async () => {
    const as = { token: stranger.accessToken };
    expect((await tp.api('GET', '/api/tickets/my', as)).body.items).toEqual([]);
    expect((await tp.api('GET', '/api/payments/history', as)).body.items).toEqual([]);
    const ownerItems = (await tp.api('GET', '/api/tickets/my', { token: owner.accessToken })).body.items;
    expect(ownerItems.map((r: { id: string }) => r.id).sort()).toEqual([paid.id, pending.id].sort());
  });
});
