import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTERNAL_TOKEN_HEADER } from '@tiketi/platform';
import { eventually } from '@tiketi/testing';
import { startTestPlatform, type Session, type TestPlatform } from '../support/platform';
import { hold, onSaleEvent, paySandbox } from '../integration/admin.flow';

/**
 * An operator's partial refund by amount (no seats), end to end: payments publishes it, ticket
 * records the money and keeps every seat sold, stats counts it exactly once.
 */
let tp: TestPlatform;
let admin: Session;
let buyer: Session;

beforeAll(async () => {
  tp = await startTestPlatform();
  admin = await tp.admin();
  buyer = await tp.register({ name: 'Partial Buyer' });
});
afterAll(async () => {
  await tp?.close();
});

const internal = (path: string, body: unknown) =>
  fetch(`${tp.platform.urls.ticket}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [INTERNAL_TOKEN_HEADER]: tp.platform.services.ticket!.ctx.config.INTERNAL_TOKEN,
    },
    body: JSON.stringify(body),
  });

describe('partial refund by amount', () => {
  it('keeps the seats, records the refunded amount and shows the refund on the dashboard', async () => {
    const eventId = await onSaleEvent(tp, admin, 'Partial Refund Live', 4, 100_000);
    const reservation = await hold(tp, buyer, eventId, 2);
    const payment = await paySandbox(tp, buyer, reservation.id);
    expect(payment.amount).toBe(200_000);

    const refund = (amount: number) =>
      tp.api('POST', '/api/payments/refund', {
        token: admin.accessToken,
        body: { paymentId: payment.id, amount, reason: 'late start' },
      });
    const first = await refund(30_000);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.payment).toMatchObject({ status: 'partially_refunded', refundedAmount: 30_000 });

    const mine = async () =>
      (await tp.api('GET', `/api/reservations/${reservation.id}`, { token: buyer.accessToken })).body
        .reservation;
    await eventually(async () => {
      const r = await mine();
      expect(r).toMatchObject({ status: 'partially_refunded', refundedAmount: 30_000 });
      expect(r.seats.filter((s: { refunded?: boolean }) => !s.refunded)).toHaveLength(2);
    }, 10_000);

    const dashboard = async () =>
      (await tp.api('GET', '/api/stats/dashboard', { token: admin.accessToken })).body;
    await eventually(async () => expect((await dashboard()).revenue.refundsTotal).toBe(30_000), 20_000);

    // A second amount: the HTTP call and the bus fact of each refund count once, on both sides.
    const second = await refund(20_000);
    expect(second.body.payment).toMatchObject({ status: 'partially_refunded', refundedAmount: 50_000 });
    const d = await eventually(async () => {
      const body = await dashboard();
      expect(body.revenue.refundsTotal).toBe(50_000);
      return body;
    }, 20_000);
    expect(d.revenue).toMatchObject({ total: 150_000, grossTotal: 200_000, refundsTotal: 50_000 });
    expect(d.byPaymentMethod).toEqual([{ method: 'sandbox', count: 1, amount: 150_000, refunds: 50_000 }]);
    expect(d.reservations).toMatchObject({ confirmed: 1, cancelled: 0 });

    const r = await eventually(async () => {
      const now = await mine();
      expect(now).toMatchObject({ status: 'partially_refunded', refundedAmount: 50_000 });
      return now;
    }, 10_000);
    expect(r.seats.map((s: { id: string }) => s.id).sort()).toEqual(
      reservation.seats.map((s) => s.id).sort(),
    );
    const seats = (await tp.api('GET', `/api/events/${eventId}/seats`)).body.seats as Array<{
      id: string;
      status: string;
    }>;
    const ours = seats.filter((s) => reservation.seats.some((x) => x.id === s.id));
    expect(ours.map((s) => s.status)).toEqual(['sold', 'sold']);
    expect(seats.filter((s) => s.status === 'available')).toHaveLength(2);
  });

  it('answers 204 and changes nothing when a payment that never took a lease is released', async () => {
    const eventId = await onSaleEvent(tp, admin, 'Abandoned Checkout Live', 2, 50_000);
    const reservation = await hold(tp, buyer, eventId, 1);
    const db = tp.platform.services.ticket!.ctx.db;
    const lease = async () =>
      await db
        .selectFrom('reservations')
        .select(['status', 'payment_id', 'payment_lease_until'])
        .where('id', '=', reservation.id)
        .executeTakeFirstOrThrow();

    // Nobody took a lease yet (a checkout abandoned before confirm).
    const untouched = await internal(`/internal/reservations/${reservation.id}/payment-released`, {
      paymentId: 'pay_abandoned_1',
    });
    expect(untouched.status).toBe(204);
    expect(await lease()).toMatchObject({ status: 'pending', payment_id: null, payment_lease_until: null });

    // Another payment holds the lease: releasing one that never took it leaves that lease alone.
    const started = await internal(`/internal/reservations/${reservation.id}/payment-started`, {
      paymentId: 'pay_confirming',
      ttlSeconds: 120,
    });
    expect(started.status).toBe(200);
    const res = await internal(`/internal/reservations/${reservation.id}/payment-released`, {
      paymentId: 'pay_abandoned_2',
    });
    expect(res.status).toBe(204);
    expect(await lease()).toMatchObject({
      status: 'pending',
      payment_id: 'pay_confirming',
      payment_lease_until: expect.anything(),
    });

    const own = await internal(`/internal/reservations/${reservation.id}/payment-released`, {
      paymentId: 'pay_confirming',
    });
    expect(own.status).toBe(204);
    expect(await lease()).toMatchObject({ status: 'pending', payment_lease_until: null });
  });
});
