import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, eventually, startTestService, type TestDatabase, type TestService } from '@tiketi/testing';
import { paymentService, type PaymentConfig } from '@tiketi/payment';
import { buyerApproves, startFakes } from './payment-harness';

/**
 * The payment service dies after the provider charged and before the reservation was confirmed.
 * A new instance on the same database must end with paid+confirmed, or refunded, exactly once.
 */
let fakes: Awaited<ReturnType<typeof startFakes>>;
let database: TestDatabase;
// Opens and migrates the shared database once (and, embedded, keeps it open between instances).
let anchor: TestService<PaymentConfig>;

beforeAll(async () => {
  fakes = await startFakes();
  database = await createTestDatabase('payment_crash');
  anchor = await startTestService(paymentService, { database, env: fakes.env, start: false });
});
afterAll(async () => {
  await anchor?.close();
  await fakes?.close();
  await database?.drop();
});

async function crashDuringConfirm(onDead: (reservationId: string) => void) {
  // The first instance: its reconciler never runs on its own, its provider call may wait long.
  const first = await startTestService(paymentService, {
    database,
    env: { ...fakes.env, PAYMENT_RECONCILE_INTERVAL_MS: '600000', PAYMENT_PROVIDER_TIMEOUT_MS: '30000' },
  });
  const buyer = await first.issuer.user('user');
  const reservation = fakes.ticket.addReservation(buyer.id);
  const created = await first.app.inject({ method: 'POST', url: '/api/payments/create', payload: { reservationId: reservation.id, method: 'toss' }, headers: buyer.headers });
  expect(created.statusCode, created.body).toBe(201);
  const confirmBody = await buyerApproves({ ...fakes, svc: first }, 'toss', created.json());
  const charges = fakes.toss.charges();
  fakes.toss.knobs.latencyMs = 30_000;
  const inFlight = first.app.inject({ method: 'POST', url: '/api/payments/confirm', payload: confirmBody, headers: buyer.headers }).catch((err: unknown) => err);
  await eventually(() => expect(fakes.toss.charges()).toBe(charges + 1), 15_000);
  fakes.toss.knobs.latencyMs = 0;
  const paymentId = created.json().payment.id as string;
  const row = await first.ctx.db.selectFrom('payments').select(['status']).where('id', '=', paymentId).executeTakeFirstOrThrow();
  expect(row.status).toBe('pending');
  onDead(reservation.id);

  // The restarted service (same database, same coordination-free setup) starts before the old one is gone.
  const second: TestService<PaymentConfig> = await startTestService(paymentService, {
    database,
    issuer: first.issuer,
    env: { ...fakes.env, PAYMENT_RECONCILE_INTERVAL_MS: '100', PAYMENT_STUCK_PENDING_MS: '200' },
  });
  await first.close();
  return { second, paymentId, reservationId: reservation.id, charges, inFlight, orderId: created.json().payment.orderId as string };
}

async function outbox(svc: TestService<PaymentConfig>, paymentId: string): Promise<string[]> {
  const rows = await svc.ctx.db.selectFrom('outbox').select(['payload']).orderBy('id').execute();
  return rows
    .map((r) => (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload))
    .filter((e: any) => e.data?.paymentId === paymentId)
    .map((e: any) => e.type);
}

describe('crash between charge and confirmation', () => {
  it('ends paid and confirmed exactly once when the reservation is still there', { timeout: 60_000 }, async () => {
    const { second, paymentId, reservationId, charges, inFlight, orderId } = await crashDuringConfirm(() => undefined);
    try {
      await eventually(async () => {
        const row = await second.ctx.db.selectFrom('payments').select(['status', 'reservation_confirmed_at']).where('id', '=', paymentId).executeTakeFirstOrThrow();
        expect(row.status).toBe('paid');
        expect(row.reservation_confirmed_at).not.toBeNull();
      }, 20_000);
      expect(fakes.ticket.reservations.get(reservationId)!.status).toBe('confirmed');
      expect(fakes.toss.charges()).toBe(charges + 1);
      const atToss = [...fakes.toss.payments.values()].find((p) => p.orderId === orderId)!;
      expect(atToss.status).toBe('DONE');
      // The old instance's answer finally arrives (or fails): nothing changes.
      fakes.toss.releaseHeld();
      await inFlight;
      expect(await outbox(second, paymentId)).toEqual(['payment.paid']);
    } finally {
      await second.close();
    }
  });

  it('refunds exactly once when the reservation was cancelled meanwhile', { timeout: 60_000 }, async () => {
    const { second, paymentId, reservationId, charges, inFlight, orderId } = await crashDuringConfirm((id) => {
      // The buyer gave up and cancelled the pending reservation while the payment service was down.
      fakes.ticket.reservations.get(id)!.status = 'cancelled';
    });
    try {
      await eventually(async () => {
        const row = await second.ctx.db.selectFrom('payments').select(['status', 'refunded_amount', 'amount']).where('id', '=', paymentId).executeTakeFirstOrThrow();
        expect(row.status).toBe('refunded');
        expect(row.refunded_amount).toBe(row.amount);
      }, 20_000);
      const atToss = [...fakes.toss.payments.values()].find((p) => p.orderId === orderId)!;
      expect(atToss).toMatchObject({ status: 'CANCELED', balanceAmount: 0 });
      expect(atToss.cancels).toHaveLength(1);
      expect(fakes.toss.charges()).toBe(charges + 1);
      expect(fakes.ticket.reservations.get(reservationId)!.status).toBe('cancelled');
      fakes.toss.releaseHeld();
      await inFlight;
      expect(await outbox(second, paymentId)).toEqual(['payment.paid', 'payment.refunded']);
    } finally {
      await second.close();
    }
  });
});

describe('abandoned checkouts', () => {
  it('closes a checkout the buyer never finished, after the checkout TTL, without touching paid ones', { timeout: 60_000 }, async () => {
    const buyer = await anchor.issuer.user('user');
    const reservation = fakes.ticket.addReservation(buyer.id);
    const created = await anchor.app.inject({ method: 'POST', url: '/api/payments/create', payload: { reservationId: reservation.id, method: 'kakaopay' }, headers: buyer.headers });
    expect(created.statusCode, created.body).toBe(201);
    const paymentId = created.json().payment.id as string;
    const sweeper = await startTestService(paymentService, {
      database,
      issuer: anchor.issuer,
      env: { ...fakes.env, PAYMENT_RECONCILE_INTERVAL_MS: '100', PAYMENT_CHECKOUT_TTL_MS: '300' },
    });
    try {
      await eventually(async () => {
        const row = await sweeper.ctx.db.selectFrom('payments').select(['status', 'failure_code']).where('id', '=', paymentId).executeTakeFirstOrThrow();
        expect(row).toEqual({ status: 'cancelled', failure_code: 'CHECKOUT_ABANDONED' });
      }, 20_000);
      const closed = await sweeper.ctx.db.selectFrom('payments').select(['id']).where('failure_code', '=', 'CHECKOUT_ABANDONED').execute();
      expect(closed.map((r) => r.id)).toEqual([paymentId]);
      expect(fakes.ticket.reservations.get(reservation.id)!.status).toBe('pending');
    } finally {
      await sweeper.close();
    }
  });
});
