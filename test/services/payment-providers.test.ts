import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@tiketi/testing';
import { atProvider, buyerApproves, providerOf, startHarness, type PaymentHarness } from './payment-harness';

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

const inject = (method: 'GET' | 'POST', url: string, payload?: unknown, who = buyer) =>
  h.svc.app.inject({ method, url, payload: payload as any, headers: who.headers });

async function create(method: string, prices?: number[]) {
  const reservation = h.ticket.addReservation(buyer.id, { prices });
  const res = await inject('POST', '/api/payments/create', { reservationId: reservation.id, method });
  expect(res.statusCode, res.body).toBe(201);
  return { reservation, created: res.json() };
}

async function paid(method: string, prices?: number[]) {
  const { reservation, created } = await create(method, prices);
  const confirmBody = await buyerApproves(h, method, created);
  const res = await inject('POST', '/api/payments/confirm', confirmBody);
  expect(res.statusCode, res.body).toBe(200);
  return { reservation, created, confirmBody, payment: res.json().payment };
}

async function outboxTypes(paymentId: string): Promise<string[]> {
  const rows = await h.svc.ctx.db.selectFrom('outbox').select(['type', 'payload']).orderBy('id').execute();
  return rows
    .map((r) => (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload))
    .filter((e: any) => e.data?.paymentId === paymentId || e.data?.targetId === paymentId)
    .map((e: any) => e.type);
}

const fakeOf = (method: string) =>
  method === 'toss' ? h.toss : method === 'kakaopay' ? h.kakao : method === 'naverpay' ? h.naver : null;

const DECLINES: Record<string, { operation: string; code: string; status?: number }> = {
  toss: { operation: 'confirm', code: 'REJECT_CARD_PAYMENT' },
  kakaopay: { operation: 'approve', code: '-780', status: 400 },
  naverpay: { operation: 'approve', code: 'OwnerAuthFail' },
};

describe('payment methods', () => {
  it('lists every method with the configured ones enabled', async () => {
    const res = await inject('GET', '/api/payments/methods');
    expect(res.json().methods.map((m: any) => [m.method, m.enabled])).toEqual([
      ['sandbox', true],
      ['toss', true],
      ['kakaopay', true],
      ['naverpay', true],
    ]);
  });

  it("rejects a return URL on a foreign origin and a reservation that is not the buyer's", async () => {
    const mine = h.ticket.addReservation(buyer.id);
    const bad = await inject('POST', '/api/payments/create', {
      reservationId: mine.id,
      method: 'toss',
      successUrl: 'https://evil.example/x',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('INVALID_RETURN_URL');
    const other = h.ticket.addReservation('usr_someone_else');
    const res = await inject('POST', '/api/payments/create', { reservationId: other.id, method: 'toss' });
    expect(res.statusCode).toBe(404);
    h.ticket.reservations.get(mine.id)!.status = 'cancelled';
    const notPending = await inject('POST', '/api/payments/create', {
      reservationId: mine.id,
      method: 'toss',
    });
    expect(notPending.statusCode).toBe(409);
  });
});

describe.each(['sandbox', 'toss', 'kakaopay', 'naverpay'])('%s adapter', (method) => {
  it('takes the amount from the reservation and confirms it once, however often confirm is repeated', async () => {
    const { reservation, created, confirmBody, payment } = await paid(method, [70_000, 30_000]);
    expect(created.payment).toMatchObject({ amount: 100_000, method, status: 'ready' });
    expect(payment).toMatchObject({ status: 'paid', amount: 100_000 });
    expect(h.ticket.reservations.get(reservation.id)!.status).toBe('confirmed');
    const again = await inject('POST', '/api/payments/confirm', confirmBody);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({
      payment: { id: payment.id, status: 'paid' },
      reservation: { id: reservation.id, status: 'confirmed' },
    });
    const fake = fakeOf(method);
    const looked = await providerOf(h, method)
      .lookup({ orderId: payment.orderId, providerRef: null, providerKey: null, amount: 0 })
      .catch(() => null);
    if (method === 'sandbox' || method === 'toss')
      expect(looked).toMatchObject({ status: 'paid', totalAmount: 100_000 });
    if (fake) expect(fake.charges()).toBeGreaterThan(0);
    expect((await outboxTypes(payment.id)).filter((t) => t === 'payment.paid')).toHaveLength(1);
  });

  it('declines without taking money and releases the reservation', async () => {
    const { reservation, created } = await create(method);
    let body: Record<string, unknown>;
    if (method === 'sandbox') {
      const path = new URL(created.checkout.url).pathname;
      const fail = await h.svc.app.inject({
        method: 'POST',
        url: path,
        payload: 'action=fail',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(fail.statusCode).toBe(303);
      const back = new URL(fail.headers.location as string);
      expect(back.origin + back.pathname).toBe('http://web.test/payments/fail');
      expect(back.searchParams.get('code')).toBe('PAY_PROCESS_CANCELED');
      body = { orderId: created.payment.orderId, paymentKey: 'sbx_forged', amount: created.payment.amount };
    } else {
      body = await buyerApproves(h, method, created);
      fakeOf(method)!.knobs.forceError = DECLINES[method]!;
    }
    const charges = fakeOf(method)?.charges();
    const res = await inject('POST', '/api/payments/confirm', body);
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().error.code).toBe('PAYMENT_DECLINED');
    expect(fakeOf(method)?.charges()).toBe(charges);
    expect(h.ticket.reservations.get(reservation.id)!.status).toBe('pending');
    expect(h.ticket.count('payment-released', reservation.id)).toBe(1);
    const again = await inject('POST', '/api/payments/confirm', body);
    expect(again.statusCode).toBe(422);
    expect(await outboxTypes(created.payment.id)).toEqual(['payment.failed']);
  });

  it('refuses a confirm whose amount differs from the order (400 AMOUNT_MISMATCH) without charging', async () => {
    const { reservation, created } = await create(method);
    const body = await buyerApproves(h, method, created);
    const res = await inject('POST', '/api/payments/confirm', { ...body, amount: 1_000 });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('AMOUNT_MISMATCH');
    expect(h.ticket.reservations.get(reservation.id)!.status).toBe('pending');
  });

  if (method !== 'sandbox') {
    it('cancels at the provider when the provider charged a different amount', async () => {
      const { reservation, created } = await create(method);
      const body = await buyerApproves(h, method, created);
      fakeOf(method)!.knobs.chargeAmountOverride = 1_000;
      const res = await inject('POST', '/api/payments/confirm', body);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.code).toBe('AMOUNT_MISMATCH');
      const p = (await inject('GET', `/api/payments/${created.payment.id}`)).json().payment;
      expect(p).toMatchObject({ status: 'cancelled', failureCode: 'AMOUNT_MISMATCH' });
      expect(await atProvider(h, method, p.id)).toMatchObject({
        status: 'cancelled',
        totalAmount: 1_000,
        cancelledAmount: 1_000,
      });
      expect(h.ticket.reservations.get(reservation.id)!.status).toBe('pending');
    });

    it('keeps a mismatched charge open while the provider refuses its cancel, until the reconciler gets it cancelled', async () => {
      const { reservation, created } = await create(method);
      const body = await buyerApproves(h, method, created);
      const fake = fakeOf(method)!;
      fake.knobs.chargeAmountOverride = 1_000;
      fake.knobs.forceError = {
        operation: 'cancel',
        code: 'NOT_CANCELABLE_PAYMENT',
        status: 400,
        message: 'try again later',
        every: true,
      };
      const res = await inject('POST', '/api/payments/confirm', body);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.code).toBe('AMOUNT_MISMATCH');
      // While the provider keeps refusing (the reconciler asks again every 100 ms), the money is
      // still taken there, and the payment must not say cancelled.
      await new Promise((r) => setTimeout(r, 500));
      const open = (await inject('GET', `/api/payments/${created.payment.id}`)).json().payment;
      expect(open).toMatchObject({ status: 'needs_reconciliation', failureCode: 'AMOUNT_MISMATCH' });
      expect(await atProvider(h, method, created.payment.id)).toMatchObject({
        totalAmount: 1_000,
        cancelledAmount: 0,
      });
      fake.knobs.forceError = null;
      await eventually(async () => {
        const p = (await inject('GET', `/api/payments/${created.payment.id}`)).json().payment;
        expect(p).toMatchObject({ status: 'cancelled', failureCode: 'AMOUNT_MISMATCH' });
      }, 20_000);
      expect(await atProvider(h, method, created.payment.id)).toMatchObject({
        status: 'cancelled',
        totalAmount: 1_000,
        cancelledAmount: 1_000,
      });
      expect(h.ticket.reservations.get(reservation.id)!.status).toBe('pending');
    });

    it('never fails a confirm whose answer was lost: needs_reconciliation, then the reconciler settles it', async () => {
      const { reservation, created } = await create(method);
      const body = await buyerApproves(h, method, created);
      const fake = fakeOf(method)!;
      const before = fake.charges();
      fake.knobs.dropAfterCharge = true;
      const res = await inject('POST', '/api/payments/confirm', body);
      expect(res.statusCode, res.body).toBe(202);
      expect(res.json().payment.status).toBe('needs_reconciliation');
      await eventually(async () => {
        const p = (await inject('GET', `/api/payments/${created.payment.id}`)).json().payment;
        expect(p.status).toBe('paid');
        expect(h.ticket.reservations.get(reservation.id)!.status).toBe('confirmed');
      }, 20_000);
      expect(fake.charges()).toBe(before + 1);
      const again = await inject('POST', '/api/payments/confirm', body);
      expect(again.json()).toMatchObject({
        payment: { status: 'paid' },
        reservation: { status: 'confirmed' },
      });
    });

    it('times out a confirm slower than PAYMENT_PROVIDER_TIMEOUT_MS: needs_reconciliation, then a look-up settles it, charged once', async () => {
      const { reservation, created } = await create(method);
      const body = await buyerApproves(h, method, created);
      const fake = fakeOf(method)!;
      const charges = fake.charges();
      const requests = fake.confirmRequests();
      // Far above the service's 2 s provider timeout; released (with every held answer) once the confirm gave up.
      fake.knobs.latencyMs = 60_000;
      let res;
      try {
        res = await inject('POST', '/api/payments/confirm', body);
      } finally {
        fake.knobs.latencyMs = 0;
        fake.releaseHeld();
      }
      expect(res.statusCode, res.body).toBe(202);
      expect(res.json().payment).toMatchObject({
        status: 'needs_reconciliation',
        failureCode: 'PROVIDER_UNREACHABLE',
      });
      await eventually(async () => {
        const p = (await inject('GET', `/api/payments/${created.payment.id}`)).json().payment;
        expect(p.status).toBe('paid');
        expect(h.ticket.reservations.get(reservation.id)!.status).toBe('confirmed');
      }, 20_000);
      expect(fake.charges()).toBe(charges + 1);
      // The reconciler found the charge by looking it up; it never approved a second time.
      expect(fake.confirmRequests()).toBe(requests + 1);
      const again = await inject('POST', '/api/payments/confirm', body);
      expect(again.json()).toMatchObject({
        payment: { status: 'paid' },
        reservation: { status: 'confirmed' },
      });
      expect((await outboxTypes(created.payment.id)).filter((t) => t === 'payment.paid')).toHaveLength(1);
    });

    it('finishes a refund whose answer was lost exactly once (looks the payment up before trying again)', async () => {
      const { payment } = await paid(method);
      fakeOf(method)!.knobs.dropAfterCancel = true;
      const res = await inject(
        'POST',
        '/api/payments/refund',
        { paymentId: payment.id, reason: 'operator refund' },
        admin,
      );
      expect(res.statusCode, res.body).toBe(202);
      expect(res.json().payment.status).toBe('refund_pending');
      await eventually(async () => {
        const p = (await inject('GET', `/api/payments/${payment.id}`)).json().payment;
        expect(p).toMatchObject({ status: 'refunded', refundedAmount: payment.amount });
      }, 20_000);
      const books = await atProvider(h, method, payment.id);
      expect(books).toMatchObject({ status: 'cancelled', cancelledAmount: payment.amount });
      expect((await outboxTypes(payment.id)).filter((t) => t === 'payment.refunded')).toHaveLength(1);
      // Toss: a full refund omits cancelAmount (Toss then cancels the whole balance).
      if (method === 'toss')
        expect(
          h.toss.cancelRequests.filter((c) => c.paymentKey === books?.providerKey).map((c) => c.body),
        ).toEqual([{ cancelReason: 'operator refund' }]);
    });

    it('charges once when the same confirm arrives twice at the same time', async () => {
      const { reservation, created } = await create(method);
      const body = await buyerApproves(h, method, created);
      const fake = fakeOf(method)!;
      const before = fake.charges();
      fake.knobs.latencyMs = 150;
      try {
        const [a, b] = await Promise.all([
          inject('POST', '/api/payments/confirm', body),
          inject('POST', '/api/payments/confirm', body),
        ]);
        // One of them does the work; the other answers "in progress" (or, if it came late, the same result).
        expect([a.statusCode, b.statusCode]).toContain(200);
        expect([a.statusCode, b.statusCode].every((s) => s === 200 || s === 202)).toBe(true);
      } finally {
        fake.knobs.latencyMs = 0;
      }
      expect(fake.charges()).toBe(before + 1);
      expect(h.ticket.reservations.get(reservation.id)!.status).toBe('confirmed');
      const again = await inject('POST', '/api/payments/confirm', body);
      expect(again.json()).toMatchObject({
        payment: { status: 'paid' },
        reservation: { status: 'confirmed' },
      });
    });

    it('treats webhooks as hints: three copies change nothing twice, a forged one changes nothing', async () => {
      const fake = fakeOf(method)!;
      fake.knobs.webhookUrl = `${h.svc.url}/api/payments/webhooks/${method}`;
      fake.knobs.webhookCopies = 3;
      const sent = fake.webhooksSent.length;
      try {
        const { payment } = await paid(method);
        await eventually(() => expect(fake.webhooksSent.length).toBe(sent + 3));
        await new Promise((r) => setTimeout(r, 200));
        expect((await outboxTypes(payment.id)).filter((t) => t === 'payment.paid')).toHaveLength(1);
      } finally {
        fake.knobs.webhookUrl = null;
        fake.knobs.webhookCopies = 1;
      }
      // Forged: claims an unpaid order is paid. The provider is asked and says otherwise.
      const { reservation, created } = await create(method);
      const orderId = created.payment.orderId;
      const forged = {
        eventType: 'PAYMENT_STATUS_CHANGED',
        data: { orderId, status: 'DONE', totalAmount: created.payment.amount },
        partner_order_id: orderId,
        merchantPayKey: orderId,
        status: 'SUCCESS_PAYMENT',
      };
      for (let i = 0; i < 3; i++) {
        const res = await h.svc.app.inject({
          method: 'POST',
          url: `/api/payments/webhooks/${method}`,
          payload: forged,
        });
        expect(res.statusCode).toBe(200);
      }
      const p = (await inject('GET', `/api/payments/${created.payment.id}`)).json().payment;
      expect(p.status).toBe('ready');
      expect(h.ticket.reservations.get(reservation.id)!.status).toBe('pending');
    });
  } else {
    it('treats a forged sandbox webhook as a hint that changes nothing', async () => {
      const { created } = await create(method);
      const res = await h.svc.app.inject({
        method: 'POST',
        url: '/api/payments/webhooks/sandbox',
        payload: { orderId: created.payment.orderId, status: 'DONE' },
      });
      expect(res.statusCode).toBe(200);
      expect((await inject('GET', `/api/payments/${created.payment.id}`)).json().payment.status).toBe(
        'ready',
      );
    });
  }

  it('refunds part by seats, then the rest, and never more than was paid', async () => {
    const { reservation, payment } = await paid(method, [60_000, 40_000]);
    const [first] = reservation.seats;
    const part = await inject('POST', '/api/payments/refund', {
      paymentId: payment.id,
      seatIds: [first!.id],
      reason: 'one friend cannot come',
    });
    expect(part.statusCode, part.body).toBe(200);
    // Booked just now for a show a month away: free under the default policy.
    expect(part.json().payment).toMatchObject({
      status: 'partially_refunded',
      refundedAmount: 60_000,
      fee: 0,
    });
    expect(h.ticket.reservations.get(reservation.id)).toMatchObject({
      status: 'partially_refunded',
      returnedSeatIds: [first!.id],
    });
    const tooMuch = await inject(
      'POST',
      '/api/payments/refund',
      { paymentId: payment.id, amount: 40_001, reason: 'x' },
      admin,
    );
    expect(tooMuch.statusCode).toBe(400);
    expect(tooMuch.json().error.code).toBe('REFUND_EXCEEDS_PAID');
    const ownerAmount = await inject('POST', '/api/payments/refund', {
      paymentId: payment.id,
      amount: 100,
      reason: 'x',
    });
    expect(ownerAmount.statusCode).toBe(403);
    const rest = await inject(
      'POST',
      '/api/payments/refund',
      { paymentId: payment.id, reason: 'operator refund' },
      admin,
    );
    expect(rest.statusCode, rest.body).toBe(200);
    expect(rest.json().payment).toMatchObject({ status: 'refunded', refundedAmount: 100_000 });
    const books = await atProvider(h, method, payment.id);
    expect(books).toMatchObject({ status: 'cancelled', cancelledAmount: 100_000 });
    if (method === 'toss') {
      // The part names its amount; the rest is a full cancel of the balance, which names none.
      expect(
        h.toss.cancelRequests.filter((c) => c.paymentKey === books?.providerKey).map((c) => c.body),
      ).toEqual([
        { cancelReason: 'one friend cannot come', cancelAmount: 60_000 },
        { cancelReason: 'operator refund' },
      ]);
    }
    const none = await inject(
      'POST',
      '/api/payments/refund',
      { paymentId: payment.id, reason: 'again' },
      admin,
    );
    expect(none.statusCode).toBe(409);
    const types = await outboxTypes(payment.id);
    expect(types.filter((t) => t === 'payment.refunded')).toHaveLength(2);
    expect(types).toContain('audit.recorded');
  });
});
