import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@tiketi/testing';
import { buyerApproves, startHarness, type PaymentHarness } from './payment-harness';

/**
 * A provider's notification (or a late copy of an earlier one) that arrives while our own confirm
 * is still waiting on a slow provider must only look the payment up: a second, concurrent confirm
 * at the provider is how a charged payment used to end "failed" with its hold released.
 */
let h: PaymentHarness;
let buyer: { id: string; headers: { authorization: string } };

beforeAll(async () => {
  // Generous timeout: the held confirm must stay in flight for as long as the test needs.
  h = await startHarness({ PAYMENT_PROVIDER_TIMEOUT_MS: '30000' });
  buyer = await h.svc.issuer.user('user');
});
afterAll(async () => {
  await h?.close();
});

type Method = 'toss' | 'kakaopay' | 'naverpay';
const fakeOf = (method: Method) => (method === 'toss' ? h.toss : method === 'kakaopay' ? h.kakao : h.naver);
const inject = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
  h.svc.app.inject({ method, url, payload: payload as any, headers: buyer.headers });

/** What each provider's notification looks like for this order, as the provider sees it now. */
function notification(method: Method, orderId: string): Record<string, unknown> {
  if (method === 'toss') {
    const p = [...h.toss.payments.values()].find((x) => x.orderId === orderId)!;
    return { eventType: 'PAYMENT_STATUS_CHANGED', createdAt: new Date().toISOString(), data: { ...p } };
  }
  if (method === 'kakaopay') {
    const o = [...h.kakao.orders.values()].find((x) => x.partner_order_id === orderId)!;
    return { tid: o.tid, partner_order_id: orderId, status: o.status };
  }
  const r = [...h.naver.reserves.values()].find((x) => x.merchantPayKey === orderId)!;
  return { paymentId: r.paymentId, merchantPayKey: orderId, admissionState: 'AUTHORIZED' };
}

async function paymentRow(id: string) {
  return h.svc.ctx.db.selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function outboxTypes(paymentId: string): Promise<string[]> {
  const rows = await h.svc.ctx.db.selectFrom('outbox').select(['payload']).orderBy('id').execute();
  return rows
    .map((r) => (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload))
    .filter((e: any) => e.data?.paymentId === paymentId)
    .map((e: any) => e.type);
}

describe.each(['toss', 'kakaopay', 'naverpay'] as const)('%s: a webhook during a slow confirm', (method) => {
  it('only looks the payment up; the one confirm charges once and the payment ends paid and confirmed', async () => {
    const fake = fakeOf(method);
    const reservation = h.ticket.addReservation(buyer.id, { prices: [42_000] });
    const created = await inject('POST', '/api/payments/create', { reservationId: reservation.id, method });
    expect(created.statusCode, created.body).toBe(201);
    const { id: paymentId, orderId } = created.json().payment;
    const body = await buyerApproves(h, method, created.json());
    const charges = fake.charges();
    const requests = fake.confirmRequests();

    fake.knobs.holdBeforeCharge = true;
    let confirming: ReturnType<typeof inject> | undefined;
    try {
      confirming = inject('POST', '/api/payments/confirm', body);
      await eventually(() => expect(fake.confirmRequests()).toBe(requests + 1), 15_000);
      expect((await paymentRow(paymentId)).status).toBe('pending');
      for (let i = 0; i < 2; i++) {
        const hook = await h.svc.app.inject({
          method: 'POST',
          url: `/api/payments/webhooks/${method}`,
          payload: notification(method, orderId),
        });
        expect(hook.statusCode).toBe(200);
      }
      // The provider does not show a charge yet, so nothing may change: no second confirm, no failure.
      expect((await paymentRow(paymentId)).status).toBe('pending');
      expect(h.ticket.count('payment-released', reservation.id)).toBe(0);
    } finally {
      fake.knobs.holdBeforeCharge = false;
      fake.releaseHeld();
    }
    const res = await confirming!;
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      payment: { id: paymentId, status: 'paid' },
      reservation: { status: 'confirmed' },
    });
    expect(h.ticket.reservations.get(reservation.id)!.status).toBe('confirmed');
    expect(fake.charges()).toBe(charges + 1);
    // Counted after everything settled: a second confirm sent by a webhook would show here.
    expect(fake.confirmRequests()).toBe(requests + 1);
    expect(await outboxTypes(paymentId)).toEqual(['payment.paid']);
  });
});

describe('naverpay: answers that do not mean "declined"', () => {
  it('reads AlreadyComplete as an unknown outcome and settles from the history, never as a failure', async () => {
    const reservation = h.ticket.addReservation(buyer.id, { prices: [30_000] });
    const created = (
      await inject('POST', '/api/payments/create', { reservationId: reservation.id, method: 'naverpay' })
    ).json();
    const body = await buyerApproves(h, 'naverpay', created);
    const requests = h.naver.confirmRequests();
    h.naver.knobs.holdBeforeCharge = true;
    let confirming: ReturnType<typeof inject> | undefined;
    try {
      confirming = inject('POST', '/api/payments/confirm', body);
      await eventually(() => expect(h.naver.confirmRequests()).toBe(requests + 1), 15_000);
      // Another approve of the same paymentId (an earlier attempt of ours, say) settles it first.
      h.naver.knobs.holdBeforeCharge = false;
      const other = await fetch(`${h.naver.url}/${h.naver.partnerId}/naverpay/payments/v2.2/apply/payment`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-naver-client-id': h.naver.clientId,
          'x-naver-client-secret': h.naver.clientSecret,
          'x-naverpay-chain-id': h.naver.chainId!,
        },
        body: new URLSearchParams({ paymentId: String(body.paymentId) }).toString(),
      });
      expect(((await other.json()) as { code: string }).code).toBe('Success');
    } finally {
      h.naver.knobs.holdBeforeCharge = false;
      h.naver.releaseHeld();
    }
    // Our held approve now meets AlreadyComplete: unknown, then the reconciler reads the history.
    const res = await confirming!;
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().payment.status).toBe('needs_reconciliation');
    await eventually(async () => {
      expect((await paymentRow(created.payment.id)).status).toBe('paid');
      expect(h.ticket.reservations.get(reservation.id)!.status).toBe('confirmed');
    }, 20_000);
    expect(await outboxTypes(created.payment.id)).toEqual(['payment.paid']);
  });

  it('keeps a payment whose history inquiry fails unsettled instead of reading it as "never charged"', async () => {
    const reservation = h.ticket.addReservation(buyer.id, { prices: [31_000] });
    const created = (
      await inject('POST', '/api/payments/create', { reservationId: reservation.id, method: 'naverpay' })
    ).json();
    const body = await buyerApproves(h, 'naverpay', created);
    const requests = h.naver.confirmRequests();
    // The answer to the approve is lost after the charge, and the first history inquiry is refused.
    h.naver.knobs.dropAfterCharge = true;
    h.naver.knobs.forceError = {
      operation: 'history',
      code: 'InvalidMerchant',
      message: 'temporarily refused',
    };
    const res = await inject('POST', '/api/payments/confirm', body);
    expect(res.statusCode, res.body).toBe(202);
    await eventually(async () => {
      expect(h.naver.knobs.forceError).toBeNull();
      expect((await paymentRow(created.payment.id)).status).toBe('paid');
      expect(h.ticket.reservations.get(reservation.id)!.status).toBe('confirmed');
    }, 20_000);
    // Settled by looking up, never by approving again.
    expect(h.naver.confirmRequests()).toBe(requests + 1);
    expect(await outboxTypes(created.payment.id)).toEqual(['payment.paid']);
  });
});

describe('a decline while the money was taken', () => {
  it('asks the provider before failing a payment, and applies a charge it finds', async () => {
    const reservation = h.ticket.addReservation(buyer.id, { prices: [27_000] });
    const created = (
      await inject('POST', '/api/payments/create', { reservationId: reservation.id, method: 'toss' })
    ).json();
    const body = (await buyerApproves(h, 'toss', created)) as {
      paymentKey: string;
      orderId: string;
      amount: number;
    };
    // Someone (an earlier attempt under another idempotency key) confirmed the session already...
    const direct = await fetch(`${h.toss.url}/v1/payments/confirm`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${h.toss.secretKey}:`).toString('base64')}`,
        'idempotency-key': 'earlier-attempt',
      },
      body: JSON.stringify(body),
    });
    expect(direct.status).toBe(200);
    // ...and our confirm is answered with a decline.
    h.toss.knobs.forceError = { operation: 'confirm', code: 'REJECT_CARD_PAYMENT' };
    const res = await inject('POST', '/api/payments/confirm', body);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ payment: { status: 'paid' }, reservation: { status: 'confirmed' } });
    expect(await outboxTypes(created.payment.id)).toEqual(['payment.paid']);
  });

  it('a charge reported for a payment we had closed as failed is paid and confirmed, not kept', async () => {
    const reservation = h.ticket.addReservation(buyer.id, { prices: [26_000] });
    const created = (
      await inject('POST', '/api/payments/create', { reservationId: reservation.id, method: 'naverpay' })
    ).json();
    const body = await buyerApproves(h, 'naverpay', created);
    h.naver.knobs.forceError = { operation: 'approve', code: 'OwnerAuthFail' };
    const declined = await inject('POST', '/api/payments/confirm', body);
    expect(declined.statusCode, declined.body).toBe(422);
    expect((await paymentRow(created.payment.id)).status).toBe('failed');
    // The provider settles it after all (its own retry), and tells us.
    const reserve = h.naver.reserves.get(created.checkout.url.split('/').pop())!;
    reserve.state = 'APPROVED';
    h.naver.history.push({
      paymentId: reserve.paymentId!,
      payHistId: 'Hlate',
      merchantPayKey: reserve.merchantPayKey,
      admissionTypeCode: '01',
      admissionState: 'SUCCESS',
      totalPayAmount: reserve.totalPayAmount,
      admissionYmdt: new Date().toISOString(),
    });
    const hook = await h.svc.app.inject({
      method: 'POST',
      url: '/api/payments/webhooks/naverpay',
      payload: {
        paymentId: reserve.paymentId,
        merchantPayKey: reserve.merchantPayKey,
        admissionState: 'SUCCESS',
      },
    });
    expect(hook.statusCode).toBe(200);
    await eventually(async () => {
      const row = await paymentRow(created.payment.id);
      expect(row.status).toBe('paid');
      expect(row.reservation_confirmed_at).not.toBeNull();
    }, 10_000);
    expect(h.ticket.reservations.get(reservation.id)!.status).toBe('confirmed');
    expect(await outboxTypes(created.payment.id)).toEqual(['payment.failed', 'payment.paid']);
  });
});

describe('a confirm we gave up on while the provider still works on it', () => {
  // Our side times out after 2 s; the provider may still be processing that request for a while.
  let slow: PaymentHarness;
  let who: { id: string; headers: { authorization: string } };
  beforeAll(async () => {
    slow = await startHarness({ PAYMENT_PROVIDER_TIMEOUT_MS: '2000', PAYMENT_STUCK_PENDING_MS: '60000' });
    who = await slow.svc.issuer.user('user');
  });
  afterAll(async () => {
    await slow?.close();
  });

  it.each(['toss', 'kakaopay', 'naverpay'] as const)(
    '%s: the reconciler only looks it up until it lands, and never approves it a second time',
    async (method) => {
      const fake = method === 'toss' ? slow.toss : method === 'kakaopay' ? slow.kakao : slow.naver;
      const call = (url: string, payload: unknown) =>
        slow.svc.app.inject({ method: 'POST', url, payload: payload as object, headers: who.headers });
      const reservation = slow.ticket.addReservation(who.id, { prices: [38_000] });
      const created = await call('/api/payments/create', { reservationId: reservation.id, method });
      expect(created.statusCode, created.body).toBe(201);
      const body = await buyerApproves(slow, method, created.json());
      const requests = fake.confirmRequests();
      fake.knobs.holdBeforeCharge = true;
      try {
        const res = await call('/api/payments/confirm', body);
        expect(res.statusCode, res.body).toBe(202);
        expect(res.json().payment.status).toBe('needs_reconciliation');
        // The reconciler looks it up, pass after pass, and finds no charge yet...
        const lookups = fake.lookups();
        await eventually(() => expect(fake.lookups()).toBeGreaterThanOrEqual(lookups + 3), 15_000);
        // ...and does not send the approve again while the first may still land.
        expect(fake.confirmRequests()).toBe(requests + 1);
      } finally {
        fake.knobs.holdBeforeCharge = false;
        fake.releaseHeld();
      }
      // The first approve lands at the provider; the next look-up applies it.
      const paymentId = created.json().payment.id as string;
      await eventually(async () => {
        const row = await slow.svc.ctx.db
          .selectFrom('payments')
          .selectAll()
          .where('id', '=', paymentId)
          .executeTakeFirstOrThrow();
        expect(row.status).toBe('paid');
        expect(slow.ticket.reservations.get(reservation.id)!.status).toBe('confirmed');
      }, 20_000);
      expect(fake.confirmRequests()).toBe(requests + 1);
    },
  );
});
