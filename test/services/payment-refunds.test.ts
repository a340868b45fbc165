import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@tiketi/testing';
import { paymentDeps } from '@tiketi/payment';
import { calendarDaysBefore } from '../../services/payment/src/policy/refund-policy';
import { refundPayment, type RefundRequest } from '../../services/payment/src/payments/refund.service';
import {
  buyerApproves,
  INTERNAL_TOKEN,
  atProvider,
  payThrough,
  publishEventCancelled,
  startHarness,
  type PaymentHarness,
} from './payment-harness';

let h: PaymentHarness;
let buyer: { id: string; headers: { authorization: string } };
let admin: { id: string; headers: { authorization: string } };
const DAY = 86_400_000;

beforeAll(async () => {
  h = await startHarness();
  buyer = await h.svc.issuer.user('user');
  admin = await h.svc.issuer.user('admin');
});
afterAll(async () => {
  await h?.close();
});

const inject = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown, who = buyer) =>
  h.svc.app.inject({ method, url, payload: payload as any, headers: who.headers });

async function paidFor(
  reservation: ReturnType<PaymentHarness['ticket']['addReservation']>,
  method = 'sandbox',
  who = buyer,
) {
  return payThrough(h, who, reservation.id, method);
}

describe('refunds by policy and by the ticket service', () => {
  it('quotes and applies the fee of the policy snapshotted at purchase when ticket cancels a reservation', async () => {
    const event = h.ticket.addEvent({ startsAt: new Date(Date.now() + 5 * DAY).toISOString() });
    const reservation = h.ticket.addReservation(buyer.id, { event, prices: [50_000, 50_000] });
    const payment = await paidFor(reservation);
    const quote = await inject('GET', `/api/payments/refund-quote?reservationId=${reservation.id}`);
    expect(quote.statusCode, quote.body).toBe(200);
    // Five days before the show: 20% under the default schedule.
    expect(quote.json()).toMatchObject({
      refundable: true,
      amount: 100_000,
      fee: 20_000,
      refundAmount: 80_000,
      policy: { id: 'standard' },
    });
    const stranger = await h.svc.issuer.user('user');
    expect(
      (await inject('GET', `/api/payments/refund-quote?reservationId=${reservation.id}`, undefined, stranger))
        .statusCode,
    ).toBe(404);

    const call = () =>
      h.svc.app.inject({
        method: 'POST',
        url: '/internal/payments/refund-reservation',
        payload: {
          reservationId: reservation.id,
          reason: 'buyer cancelled',
          refund: 'policy',
          actorId: buyer.id,
        },
        headers: { 'x-internal-token': INTERNAL_TOKEN },
      });
    const res = await call();
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().payment).toEqual({
      id: payment.id,
      status: 'refunded',
      refundedAmount: 80_000,
      fee: 20_000,
    });
    expect(h.ticket.reservations.get(reservation.id)!.status).toBe('refunded');
    expect(
      h.ticket.calls.filter((c) => c.op === 'refunded' && c.id === reservation.id).map((c) => c.body),
    ).toEqual([
      {
        paymentId: payment.id,
        amount: 80_000,
        refundedTotal: 80_000,
        refundId: expect.stringMatching(/^rfd_/),
      },
    ]);
    // Repeated by a retrying caller: the same answer, no second refund.
    const again = await call();
    expect(again.json().payment).toEqual(res.json().payment);
    expect(h.ticket.count('refunded', reservation.id)).toBe(1);
    const forbidden = await h.svc.app.inject({
      method: 'POST',
      url: '/internal/payments/refund-reservation',
      payload: { reservationId: reservation.id, reason: 'x', refund: 'full' },
    });
    expect(forbidden.statusCode).toBe(403);
  });

  it('refuses a buyer refund on the day of the show but lets an admin refund in full', async () => {
    // Later today in Seoul, however close to midnight this runs (the policy counts Seoul's dates).
    const now = new Date();
    const startsAt = [6 * 3_600_000, 3_600_000, 60_000, 1_000]
      .map((ms) => new Date(now.getTime() + ms))
      .find((t) => calendarDaysBefore(t, now) === 0)!;
    const event = h.ticket.addEvent({ startsAt: startsAt.toISOString() });
    const reservation = h.ticket.addReservation(buyer.id, { event, prices: [30_000] });
    const payment = await paidFor(reservation);
    const own = await inject('POST', '/api/payments/refund', {
      paymentId: payment.id,
      reason: 'changed my mind',
    });
    expect(own.statusCode).toBe(409);
    expect(own.json().error.code).toBe('REFUND_NOT_ALLOWED');
    const byAdmin = await inject(
      'POST',
      '/api/payments/refund',
      { paymentId: payment.id, reason: 'venue problem' },
      admin,
    );
    expect(byAdmin.statusCode, byAdmin.body).toBe(200);
    expect(byAdmin.json().payment).toMatchObject({ status: 'refunded', refundedAmount: 30_000, fee: 0 });
  });

  it('refunds every paid payment of a cancelled event in full', async () => {
    const event = h.ticket.addEvent({ startsAt: new Date(Date.now() + 2 * DAY).toISOString() });
    const other = await h.svc.issuer.user('user');
    const p1 = await paidFor(h.ticket.addReservation(buyer.id, { event, prices: [40_000] }));
    const p2 = await paidFor(
      h.ticket.addReservation(other.id, { event, prices: [20_000, 20_000] }),
      'toss',
      other,
    );
    const untouched = await paidFor(h.ticket.addReservation(buyer.id, { prices: [10_000] }));
    await publishEventCancelled(h, event);
    await eventually(async () => {
      for (const p of [p1, p2]) {
        const now = (await inject('GET', `/api/payments/${p.id}`, undefined, admin)).json().payment;
        expect(now).toMatchObject({ status: 'refunded', refundedAmount: p.amount, fee: 0 });
      }
    }, 20_000);
    expect((await inject('GET', `/api/payments/${untouched.id}`)).json().payment.status).toBe('paid');
  });

  it('refunds automatically and answers 409 when the reservation expired while the confirm was in flight', async () => {
    const reservation = h.ticket.addReservation(buyer.id, { prices: [25_000] });
    const created = await inject('POST', '/api/payments/create', {
      reservationId: reservation.id,
      method: 'toss',
    });
    const body = await buyerApproves(h, 'toss', created.json());
    h.toss.knobs.latencyMs = 300;
    try {
      const confirming = inject('POST', '/api/payments/confirm', body);
      await eventually(() => expect(h.ticket.count('payment-started', reservation.id)).toBe(1));
      // The lease would stop the sweeper; an operator cancelling the hold does not wait for it.
      h.ticket.expire(reservation.id, true);
      const res = await confirming;
      expect(res.statusCode, res.body).toBe(409);
      expect(res.json().error.code).toBe('RESERVATION_EXPIRED');
    } finally {
      h.toss.knobs.latencyMs = 0;
    }
    const p = (await inject('GET', `/api/payments/${created.json().payment.id}`)).json().payment;
    expect(p).toMatchObject({ status: 'refunded', refundedAmount: 25_000 });
    const atToss = [...h.toss.payments.values()].find((x) => x.orderId === p.orderId)!;
    expect(atToss).toMatchObject({ status: 'CANCELED', balanceAmount: 0 });
    const again = await inject('POST', '/api/payments/confirm', body);
    expect(again.statusCode).toBe(409);
    expect(atToss.cancels).toHaveLength(1);
  });

  it('refuses to confirm for a reservation that expired before the charge, taking nothing', async () => {
    const reservation = h.ticket.addReservation(buyer.id, { prices: [15_000] });
    const created = await inject('POST', '/api/payments/create', {
      reservationId: reservation.id,
      method: 'toss',
    });
    const body = await buyerApproves(h, 'toss', created.json());
    h.ticket.expire(reservation.id, true);
    const charges = h.toss.charges();
    const res = await inject('POST', '/api/payments/confirm', body);
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('RESERVATION_EXPIRED');
    expect(h.toss.charges()).toBe(charges);
  });
});

describe('a cancellation fee when the organiser cancels afterwards', () => {
  const paymentOf = async (id: string) =>
    (await inject('GET', `/api/payments/${id}`, undefined, admin)).json().payment;
  const cancelByPolicy = (reservationId: string) =>
    h.svc.app.inject({
      method: 'POST',
      url: '/internal/payments/refund-reservation',
      payload: { reservationId, reason: 'cannot come', refund: 'policy', actorId: buyer.id },
      headers: { 'x-internal-token': INTERNAL_TOKEN },
    });

  it('is given back with the rest of the money, once, and only by a refund without a fee', async () => {
    // Five days before the show: 20% under the default schedule.
    const event = h.ticket.addEvent({ startsAt: new Date(Date.now() + 5 * DAY).toISOString() });
    const cancelled = h.ticket.addReservation(buyer.id, { event, prices: [50_000, 50_000] });
    const whole = await paidFor(cancelled, 'toss');
    expect((await cancelByPolicy(cancelled.id)).json().payment).toMatchObject({
      status: 'refunded',
      refundedAmount: 80_000,
      fee: 20_000,
    });
    const halved = h.ticket.addReservation(buyer.id, { event, prices: [30_000, 30_000] });
    const half = await paidFor(halved);
    const oneSeat = await inject('POST', '/api/payments/refund', {
      paymentId: half.id,
      seatIds: [halved.seats[0]!.id],
      reason: 'one friend cannot come',
    });
    expect(oneSeat.json().payment).toMatchObject({
      status: 'partially_refunded',
      refundedAmount: 24_000,
      fee: 6_000,
    });
    // The buyer cannot ask for their own fee back: only a refund without one returns it.
    const own = await inject('POST', '/api/payments/refund', { paymentId: whole.id, reason: 'my fee' });
    expect(own.statusCode).toBe(409);
    expect(own.json().error.code).toBe('NOT_REFUNDABLE');

    // Toss refuses to return the fee for a while: the payment stays refunded with its fee kept.
    h.toss.knobs.forceError = {
      operation: 'cancel',
      code: 'NOT_CANCELABLE_PAYMENT',
      message: 'try later',
      every: true,
    };
    const refundsOf = (paymentId: string) =>
      h.svc.ctx.db
        .selectFrom('refunds')
        .select(['status', 'amount', 'fee'])
        .where('payment_id', '=', paymentId)
        .orderBy('created_at')
        .execute();
    try {
      await publishEventCancelled(h, event);
      await eventually(async () => {
        expect(await paymentOf(half.id)).toMatchObject({
          status: 'refunded',
          refundedAmount: 60_000,
          fee: 0,
        });
        expect((await refundsOf(whole.id)).filter((r) => r.status === 'failed').length).toBeGreaterThan(0);
      }, 20_000);
      expect(await paymentOf(whole.id)).toMatchObject({
        status: 'refunded',
        refundedAmount: 80_000,
        fee: 20_000,
      });
    } finally {
      h.toss.knobs.forceError = null;
    }
    // The sweep tries again once the provider takes it.
    await eventually(async () => {
      expect(await paymentOf(whole.id)).toMatchObject({
        status: 'refunded',
        refundedAmount: 100_000,
        fee: 0,
      });
    }, 20_000);
    const tried = await refundsOf(whole.id);
    expect(tried[0]).toEqual({ status: 'done', amount: 80_000, fee: 20_000 });
    expect(tried.at(-1)).toEqual({ status: 'done', amount: 20_000, fee: 0 });
    expect(tried.slice(1, -1).every((r) => r.status === 'failed' && r.amount === 20_000)).toBe(true);
    const atToss = [...h.toss.payments.values()].find((x) => x.orderId === whole.orderId)!;
    expect(atToss).toMatchObject({ status: 'CANCELED', balanceAmount: 0 });
    // Ticket is told after the refund's own transaction commits.
    await eventually(() =>
      expect(
        h.ticket.calls.filter((c) => c.op === 'refunded' && c.id === cancelled.id).map((c) => c.body),
      ).toEqual([
        expect.objectContaining({ amount: 80_000, refundedTotal: 80_000 }),
        expect.objectContaining({ amount: 20_000, refundedTotal: 100_000 }),
      ]),
    );

    // The fact again (a redelivery, the sweep): nothing more goes back.
    await publishEventCancelled(h, event);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(atToss.cancels).toHaveLength(2);
    expect(h.ticket.count('refunded', cancelled.id)).toBe(2);
  });

  it.each(['sandbox', 'toss', 'kakaopay', 'naverpay'])(
    'an operator may give it back (%s); the fee gone, nothing is left to refund',
    async (method) => {
      const event = h.ticket.addEvent({ startsAt: new Date(Date.now() + 5 * DAY).toISOString() });
      const reservation = h.ticket.addReservation(buyer.id, { event, prices: [40_000] });
      const payment = await paidFor(reservation, method);
      expect((await cancelByPolicy(reservation.id)).json().payment).toMatchObject({
        refundedAmount: 32_000,
        fee: 8_000,
      });
      const goodwill = await inject(
        'POST',
        '/api/payments/refund',
        { paymentId: payment.id, reason: 'goodwill' },
        admin,
      );
      expect(goodwill.statusCode, goodwill.body).toBe(200);
      expect(goodwill.json().payment).toMatchObject({ status: 'refunded', refundedAmount: 40_000, fee: 0 });
      // The provider's books agree: the whole charge cancelled, in two parts.
      expect(await atProvider(h, method, payment.id)).toMatchObject({
        status: 'cancelled',
        cancelledAmount: 40_000,
      });
      const statement = (await inject('GET', `/api/payments/${payment.id}/statement`)).json().statement;
      expect(statement.refunds.map((r: { amount: number; fee: number; feeReturned: boolean }) => r)).toEqual([
        expect.objectContaining({ amount: 32_000, fee: 8_000, feeReturned: false }),
        expect.objectContaining({ amount: 8_000, fee: 0, feeReturned: true }),
      ]);
      expect(statement.net).toBe(0);
      const again = await inject(
        'POST',
        '/api/payments/refund',
        { paymentId: payment.id, reason: 'again' },
        admin,
      );
      expect(again.statusCode).toBe(409);
      expect(again.json().error.code).toBe('NOT_REFUNDABLE');
    },
  );
});

describe("a payment's statement", () => {
  it('lists what was charged, each refund with its fee and seats, and the net; to its owner and operators only', async () => {
    const event = h.ticket.addEvent({ startsAt: new Date(Date.now() + 5 * DAY).toISOString() });
    const reservation = h.ticket.addReservation(buyer.id, { event, prices: [30_000, 30_000] });
    const payment = await paidFor(reservation);
    const seat = reservation.seats[0]!;
    const refunded = await inject('POST', '/api/payments/refund', {
      paymentId: payment.id,
      seatIds: [seat.id],
      reason: 'one cannot come',
    });
    expect(refunded.json().payment).toMatchObject({ refundedAmount: 24_000, fee: 6_000 });
    const statement = await inject('GET', `/api/payments/${payment.id}/statement`);
    expect(statement.statusCode, statement.body).toBe(200);
    expect(statement.json().statement).toEqual({
      paymentId: payment.id,
      orderId: payment.orderId,
      orderName: expect.any(String),
      method: 'sandbox',
      currency: 'KRW',
      paidAt: payment.paidAt,
      seats: reservation.seats.map((s) => ({ label: s.label, price: 30_000 })),
      amount: 60_000,
      refunds: [
        { amount: 24_000, fee: 6_000, seats: [seat.label], feeReturned: false, at: expect.any(String) },
      ],
      refundedAmount: 24_000,
      net: 36_000,
    });
    expect((await inject('GET', `/api/payments/${payment.id}/statement`, undefined, admin)).statusCode).toBe(
      200,
    );
    const stranger = await h.svc.issuer.user('user');
    const hidden = await inject('GET', `/api/payments/${payment.id}/statement`, undefined, stranger);
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json().error.code).toBe('PAYMENT_NOT_FOUND');

    const unpaid = h.ticket.addReservation(buyer.id, { event, prices: [10_000] });
    const created = await inject('POST', '/api/payments/create', {
      reservationId: unpaid.id,
      method: 'sandbox',
    });
    const never = await inject('GET', `/api/payments/${created.json().payment.id}/statement`);
    expect(never.statusCode).toBe(409);
    expect(never.json().error.code).toBe('NOT_PAID');
  });
});

describe('two payments for one reservation', () => {
  it('confirms the first, refunds the loser in full, and a later cancellation refunds the winner', async () => {
    const reservation = h.ticket.addReservation(buyer.id, { prices: [33_000] });
    const open = async () => {
      const created = await inject('POST', '/api/payments/create', {
        reservationId: reservation.id,
        method: 'toss',
      });
      expect(created.statusCode, created.body).toBe(201);
      return { created: created.json(), body: await buyerApproves(h, 'toss', created.json()) };
    };
    const [a, b] = [await open(), await open()];
    h.toss.knobs.latencyMs = 200;
    let results;
    try {
      results = await Promise.all([
        inject('POST', '/api/payments/confirm', a.body),
        inject('POST', '/api/payments/confirm', b.body),
      ]);
    } finally {
      h.toss.knobs.latencyMs = 0;
    }
    const statuses = results.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([200, 409]);
    const winner = results[0]!.statusCode === 200 ? a : b;
    const loser = winner === a ? b : a;
    const lost = (await inject('GET', `/api/payments/${loser.created.payment.id}`)).json().payment;
    // Either it was charged and refunded in full, or it was stopped before the charge.
    expect(['refunded', 'cancelled']).toContain(lost.status);
    if (lost.status === 'refunded') expect(lost.refundedAmount).toBe(33_000);
    expect(h.ticket.reservations.get(reservation.id)).toMatchObject({
      status: 'confirmed',
      paymentId: winner.created.payment.id,
    });

    const res = await h.svc.app.inject({
      method: 'POST',
      url: '/internal/payments/refund-reservation',
      payload: { reservationId: reservation.id, reason: 'operator cancel', refund: 'full' },
      headers: { 'x-internal-token': INTERNAL_TOKEN },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().payment).toMatchObject({
      id: winner.created.payment.id,
      status: 'refunded',
      refundedAmount: 33_000,
      fee: 0,
    });
  });
});

describe('refund policies', () => {
  it('lets an admin define a policy and keeps the one snapshotted at purchase', async () => {
    const rules = {
      freeWithinDaysOfBooking: 0,
      freeUnlessShowWithinDays: 0,
      noRefundWithinDays: 1,
      tiers: [{ minDaysBefore: 1, feePercent: 50 }],
    };
    const denied = await inject('PUT', '/api/admin/payments/refund-policies/strict', {
      name: 'Strict',
      rules,
    });
    expect(denied.statusCode).toBe(403);
    const put = await inject(
      'PUT',
      '/api/admin/payments/refund-policies/strict',
      { name: 'Strict', rules },
      admin,
    );
    expect(put.statusCode, put.body).toBe(200);
    const event = h.ticket.addEvent({ refundPolicyId: 'strict' });
    const reservation = h.ticket.addReservation(buyer.id, { event, prices: [20_000] });
    await paidFor(reservation);
    const before = (await inject('GET', `/api/payments/refund-quote?reservationId=${reservation.id}`)).json();
    expect(before).toMatchObject({ fee: 10_000, refundAmount: 10_000, policy: { id: 'strict' } });
    // Changing the policy later does not change what this buyer agreed to.
    const later = { ...rules, tiers: [{ minDaysBefore: 1, feePercent: 90 }] };
    expect(
      (
        await inject(
          'PUT',
          '/api/admin/payments/refund-policies/strict',
          { name: 'Stricter', rules: later },
          admin,
        )
      ).statusCode,
    ).toBe(200);
    expect(
      (await inject('GET', `/api/payments/refund-quote?reservationId=${reservation.id}`)).json(),
    ).toMatchObject({ fee: 10_000 });
    const listed = (await inject('GET', '/api/admin/payments/refund-policies', undefined, admin)).json()
      .items;
    expect(listed.map((p: { id: string }) => p.id)).toEqual(['standard', 'strict']);
    const invalid = await inject(
      'PUT',
      '/api/admin/payments/refund-policies/bad',
      { name: 'Bad', rules: { tiers: 'no' } },
      admin,
    );
    expect(invalid.statusCode).toBe(400);
  });
});

describe("money-only refunds (an operator's amount, no seats)", () => {
  const refundFacts = async (paymentId: string) => {
    const rows = await h.svc.ctx.db
      .selectFrom('outbox')
      .select(['type', 'payload'])
      .where('type', '=', 'payment.refunded')
      .orderBy('id')
      .execute();
    return rows
      .map((r) => (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload).data)
      .filter((d: any) => d.paymentId === paymentId);
  };

  it('publishes payment.refunded with scope money and tells ticket to keep the seats', async () => {
    const reservation = h.ticket.addReservation(buyer.id, { prices: [60_000, 40_000] });
    const payment = await paidFor(reservation);
    const res = await inject(
      'POST',
      '/api/payments/refund',
      { paymentId: payment.id, amount: 25_000, reason: 'goodwill' },
      admin,
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().payment).toMatchObject({ status: 'partially_refunded', refundedAmount: 25_000 });
    expect(await refundFacts(payment.id)).toEqual([
      expect.objectContaining({
        amount: 25_000,
        refundedTotal: 25_000,
        status: 'partially_refunded',
        scope: 'money',
        seatIds: [],
      }),
    ]);
    const call = h.ticket.calls.filter((c) => c.op === 'refunded' && c.id === reservation.id);
    expect(call.map((c) => c.body)).toEqual([
      {
        paymentId: payment.id,
        amount: 25_000,
        scope: 'money',
        refundedTotal: 25_000,
        refundId: expect.stringMatching(/^rfd_/),
      },
    ]);
    expect(h.ticket.reservations.get(reservation.id)).toMatchObject({
      status: 'partially_refunded',
      returnedSeatIds: [],
    });
  });

  it('refunds nothing twice when a refund was planned on a read older than another refund', async () => {
    // An event's cancellation works through a list read at its start, an operator acts on the page
    // they loaded: another refund may have completed in between, leaving the payment refundable.
    const reservation = h.ticket.addReservation(buyer.id, { prices: [30_000, 20_000] });
    const payment = await paidFor(reservation, 'toss');
    const deps = paymentDeps(h.svc.ctx);
    const stale = (await deps.repo.byId(payment.id))!;
    const seat = stale.seats[0]!.id;
    const bySeat: RefundRequest = {
      seatIds: [seat],
      reason: 'seat returned',
      actorId: admin.id,
      mode: 'full',
      notifyTicket: false,
    };
    const first = await refundPayment(deps, stale, bySeat);
    expect(first).toMatchObject({ status: 'partially_refunded', refunded_amount: 30_000 });
    await expect(refundPayment(deps, stale, bySeat)).rejects.toMatchObject({ code: 'REFUND_IN_PROGRESS' });
    await expect(
      refundPayment(deps, stale, {
        reason: 'event cancelled',
        actorId: null,
        mode: 'full',
        notifyTicket: false,
      }),
    ).rejects.toMatchObject({ code: 'REFUND_IN_PROGRESS' });
    const cancels = () => h.toss.cancelRequests.filter((c) => c.paymentKey === stale.provider_payment_key);
    expect(cancels().map((c) => c.body.cancelAmount)).toEqual([30_000]);
    expect(await deps.repo.byId(payment.id)).toMatchObject({
      status: 'partially_refunded',
      refunded_amount: 30_000,
    });
    // Read again, the rest is refunded once.
    const rest = await refundPayment(deps, (await deps.repo.byId(payment.id))!, {
      reason: 'event cancelled',
      actorId: null,
      mode: 'full',
      notifyTicket: false,
    });
    expect(rest).toMatchObject({ status: 'refunded', refunded_amount: 50_000 });
    expect(cancels()).toHaveLength(2);
  });

  it('publishes the fact when the reconciler finishes a money-only refund whose answer was lost', async () => {
    const reservation = h.ticket.addReservation(buyer.id, { prices: [70_000] });
    const payment = await paidFor(reservation, 'toss');
    h.toss.knobs.dropAfterCancel = true;
    try {
      const res = await inject(
        'POST',
        '/api/payments/refund',
        { paymentId: payment.id, amount: 30_000, reason: 'late start' },
        admin,
      );
      expect(res.statusCode, res.body).toBe(202);
      expect(res.json().payment.status).toBe('refund_pending');
    } finally {
      h.toss.knobs.dropAfterCancel = false;
    }
    await eventually(async () => {
      expect((await inject('GET', `/api/payments/${payment.id}`)).json().payment).toMatchObject({
        status: 'partially_refunded',
        refundedAmount: 30_000,
      });
    }, 20_000);
    expect(await refundFacts(payment.id)).toEqual([
      expect.objectContaining({ amount: 30_000, refundedTotal: 30_000, scope: 'money', seatIds: [] }),
    ]);
    // The reconciler tells ticket right after it records the outcome.
    await eventually(
      () =>
        expect(h.ticket.reservations.get(reservation.id)).toMatchObject({
          status: 'partially_refunded',
          returnedSeatIds: [],
        }),
      10_000,
    );
  });
});

describe('history and metrics', () => {
  it('shows buyers only their own payments and lets admins filter', async () => {
    const other = await h.svc.issuer.user('user');
    const event = h.ticket.addEvent();
    const mine = await paidFor(h.ticket.addReservation(buyer.id, { event, prices: [11_000] }));
    const theirs = await paidFor(
      h.ticket.addReservation(other.id, { event, prices: [12_000] }),
      'sandbox',
      other,
    );
    const own = (await inject('GET', '/api/payments/history')).json().items;
    expect(own.every((p: any) => p.userId === buyer.id)).toBe(true);
    expect(own.map((p: any) => p.id)).toContain(mine.id);
    const sneaky = (await inject('GET', `/api/payments/history?userId=${other.id}`)).json().items;
    expect(sneaky.map((p: any) => p.id)).not.toContain(theirs.id);
    expect((await inject('GET', `/api/payments/${theirs.id}`)).statusCode).toBe(404);
    const byEvent = (
      await inject('GET', `/api/payments/history?eventId=${event.id}&status=paid`, undefined, admin)
    ).json().items;
    expect(byEvent.map((p: any) => p.id).sort()).toEqual([mine.id, theirs.id].sort());
    const byUser = (
      await inject('GET', `/api/admin/payments?userId=${other.id}&method=sandbox`, undefined, admin)
    ).json().items;
    expect((await inject('GET', '/api/admin/payments')).statusCode).toBe(403);
    expect(byUser.map((p: any) => p.id)).toContain(theirs.id);
    expect(byUser.every((p: any) => p.userId === other.id)).toBe(true);
  });

  it('exports payment counts, amounts and provider latency', async () => {
    const res = await h.svc.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.body).toMatch(/tiketi_payments_total\{[^}]*method="sandbox"[^}]*status="paid"[^}]*\} [1-9]/);
    expect(res.body).toMatch(/tiketi_payment_amount_krw_total\{[^}]*method="toss"[^}]*\} [1-9]/);
    expect(res.body).toMatch(
      /tiketi_payment_provider_call_seconds_count\{[^}]*provider="toss"[^}]*operation="confirm"/,
    );
  });
});
