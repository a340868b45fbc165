import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@tiketi/testing';
import {
  INTERNAL_TOKEN,
  payThrough,
  publishEventCancelled,
  startHarness,
  type PaymentHarness,
} from './payment-harness';

/**
 * A refund claims its ticket at the ticket service before the provider is asked for the money, so
 * the venue's gate cannot admit a ticket whose money is on its way back (and a buyer cannot get
 * their money back for a ticket the gate admitted a moment earlier). The ticket double keeps the
 * claim as the real ticket service does (test/services/entry.test.ts covers that side).
 */
let h: PaymentHarness;
let buyer: { id: string; headers: { authorization: string } };
let admin: { id: string; headers: { authorization: string } };

beforeAll(async () => {
  h = await startHarness();
  buyer = await h.svc.issuer.user('user');
  admin = await h.svc.issuer.user('admin');
});
afterAll(async () => {
  await h?.close();
});

const refund = (paymentId: string, who = buyer, extra: object = {}) =>
  h.svc.app.inject({
    method: 'POST',
    url: '/api/payments/refund',
    payload: { paymentId, reason: 'cannot come', ...extra },
    headers: who.headers,
  });

async function tossPaid(prices = [60_000]) {
  const reservation = h.ticket.addReservation(buyer.id, { prices });
  const payment = await payThrough(h, buyer, reservation.id, 'toss');
  const { provider_payment_key: key } = await h.svc.ctx.db
    .selectFrom('payments')
    .select('provider_payment_key')
    .where('id', '=', payment.id)
    .executeTakeFirstOrThrow();
  expect(key).toBeTruthy();
  const cancels = () => h.toss.cancelRequests.filter((c) => c.paymentKey === key);
  return { reservation, payment, cancels };
}

async function refundRows(paymentId: string) {
  return h.svc.ctx.db
    .selectFrom('refunds')
    .select(['id', 'status', 'used_ticket_ok'])
    .where('payment_id', '=', paymentId)
    .orderBy('created_at')
    .execute();
}

describe('a refund claims its ticket before the provider is asked', () => {
  it('keeps the gate shut while the provider answers, and its report opens it for nobody', async () => {
    const { reservation, payment } = await tossPaid();
    h.toss.knobs.latencyMs = 300;
    let refunding: ReturnType<typeof refund>;
    try {
      refunding = refund(payment.id);
      // The claim is in place before the provider's look-up and cancel have answered.
      await eventually(() => expect(reservation.refundClaim).toMatch(/^rfd_/), 2_000, 10);
      expect(h.ticket.checkIn(reservation.id)).toBe(false);
      const res = await refunding;
      expect(res.statusCode, res.body).toBe(200);
    } finally {
      h.toss.knobs.latencyMs = 0;
    }
    const [row] = await refundRows(payment.id);
    expect(row).toMatchObject({ status: 'done', used_ticket_ok: false });
    expect(h.ticket.calls.find((c) => c.op === 'refund-claim' && c.id === reservation.id)?.body).toEqual({
      refundId: row!.id,
      usedTicketOk: false,
    });
    // The report names the refund: its claim ends with it, and the refunded ticket admits nobody.
    expect(reservation).toMatchObject({ status: 'refunded', refundClaim: null });
    expect(h.ticket.checkIn(reservation.id)).toBe(false);
  });

  it("refuses a buyer's refund of a ticket the gate admitted first, sending nothing to the provider; an operator's still goes", async () => {
    const { reservation, payment, cancels } = await tossPaid();
    expect(h.ticket.checkIn(reservation.id)).toBe(true);

    const own = await refund(payment.id);
    expect(own.statusCode).toBe(409);
    expect(own.json().error.code).toBe('TICKET_USED');
    // Through the ticket service's cancel (the buyer's other way in) the same.
    const viaTicket = await h.svc.app.inject({
      method: 'POST',
      url: '/internal/payments/refund-reservation',
      headers: { 'x-internal-token': INTERNAL_TOKEN },
      payload: { reservationId: reservation.id, reason: 'cannot come', refund: 'policy', actorId: buyer.id },
    });
    expect(viaTicket.statusCode).toBe(409);
    expect(viaTicket.json().error.code).toBe('TICKET_USED');
    expect(cancels()).toEqual([]);
    const after = await h.svc.app.inject({
      method: 'GET',
      url: `/api/payments/${payment.id}`,
      headers: buyer.headers,
    });
    expect(after.json().payment).toMatchObject({ status: 'paid', refundedAmount: 0 });
    // Stopped before the provider was asked: no refund is on record (none was tried).
    expect(await refundRows(payment.id)).toEqual([]);

    const byOperator = await refund(payment.id, admin, { reason: 'goodwill' });
    expect(byOperator.statusCode, byOperator.body).toBe(200);
    expect(byOperator.json().payment).toMatchObject({ status: 'refunded', refundedAmount: 60_000 });
    expect(cancels()).toHaveLength(1);
    expect((await refundRows(payment.id)).at(-1)).toMatchObject({ status: 'done', used_ticket_ok: true });
  });

  it('gives the ticket back when the provider refuses the refund', async () => {
    const { reservation, payment } = await tossPaid();
    h.toss.knobs.forceError = {
      operation: 'cancel',
      code: 'NOT_CANCELABLE_PAYMENT',
      status: 403,
      message: 'no',
    };
    const res = await refund(payment.id);
    expect(res.statusCode).toBe(502);
    expect(res.json().error.code).toBe('REFUND_REJECTED');
    const [row] = await refundRows(payment.id);
    expect(row!.status).toBe('failed');
    expect(h.ticket.calls.filter((c) => c.op === 'refund-claim-released' && c.id === reservation.id)).toEqual(
      [{ op: 'refund-claim-released', id: reservation.id, body: { refundId: row!.id } }],
    );
    expect(reservation.refundClaim).toBeNull();
    expect(h.ticket.checkIn(reservation.id)).toBe(true);
  });

  it('holds the claim through an unknown outcome; the reconciler claims again with the same refund and finishes it', async () => {
    const { reservation, payment, cancels } = await tossPaid([40_000]);
    h.toss.knobs.dropAfterCancel = true;
    try {
      const res = await refund(payment.id);
      expect(res.statusCode, res.body).toBe(202);
    } finally {
      h.toss.knobs.dropAfterCancel = false;
    }
    // The provider took the cancel but the answer was lost: the gate stays shut meanwhile.
    expect(reservation.refundClaim).toMatch(/^rfd_/);
    expect(h.ticket.checkIn(reservation.id)).toBe(false);
    await eventually(() => expect(reservation.status).toBe('refunded'), 20_000);
    const [row] = await refundRows(payment.id);
    const claims = h.ticket.calls.filter((c) => c.op === 'refund-claim' && c.id === reservation.id);
    expect(claims.length).toBeGreaterThanOrEqual(2);
    expect(new Set(claims.map((c) => c.body.refundId))).toEqual(new Set([row!.id]));
    expect(cancels()).toHaveLength(1);
    expect(reservation.refundClaim).toBeNull();
  });

  it("claims nothing for a cancelled event's refunds: the gate admits nobody to it, and ticket need not answer", async () => {
    const event = h.ticket.addEvent();
    const reservation = h.ticket.addReservation(buyer.id, { event, prices: [30_000] });
    const payment = await payThrough(h, buyer, reservation.id, 'toss');
    await publishEventCancelled(h, event);
    await eventually(() => expect(reservation.status).toBe('refunded'), 20_000);
    const after = await h.svc.app.inject({
      method: 'GET',
      url: `/api/payments/${payment.id}`,
      headers: buyer.headers,
    });
    expect(after.json().payment).toMatchObject({ status: 'refunded', refundedAmount: 30_000 });
    expect(h.ticket.calls.filter((c) => c.op === 'refund-claim' && c.id === reservation.id)).toEqual([]);
  });
});
