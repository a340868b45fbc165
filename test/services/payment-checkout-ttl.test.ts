import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  eventually,
  startTestService,
  type TestDatabase,
  type TestService,
} from '@tiketi/testing';
import { paymentService, type PaymentConfig } from '@tiketi/payment';
import { startFakes } from './payment-harness';

/** The reconciler closes checkouts the buyer never finished, and only those. */
let fakes: Awaited<ReturnType<typeof startFakes>>;
let database: TestDatabase;
// Opens and migrates the shared database once (and, embedded, keeps it open between instances).
let anchor: TestService<PaymentConfig>;

beforeAll(async () => {
  fakes = await startFakes();
  database = await createTestDatabase('payment_checkout_ttl');
  anchor = await startTestService(paymentService, { database, env: fakes.env, start: false });
});
afterAll(async () => {
  await anchor?.close();
  await fakes?.close();
  await database?.drop();
});

describe('abandoned checkouts', () => {
  it(
    'closes a checkout the buyer never finished, after the checkout TTL, without touching paid ones',
    { timeout: 60_000 },
    async () => {
      const buyer = await anchor.issuer.user('user');
      const reservation = fakes.ticket.addReservation(buyer.id);
      const created = await anchor.app.inject({
        method: 'POST',
        url: '/api/payments/create',
        payload: { reservationId: reservation.id, method: 'kakaopay' },
        headers: buyer.headers,
      });
      expect(created.statusCode, created.body).toBe(201);
      const paymentId = created.json().payment.id as string;
      const sweeper = await startTestService(paymentService, {
        database,
        issuer: anchor.issuer,
        env: { ...fakes.env, PAYMENT_RECONCILE_INTERVAL_MS: '100', PAYMENT_CHECKOUT_TTL_MS: '300' },
      });
      try {
        await eventually(async () => {
          const row = await sweeper.ctx.db
            .selectFrom('payments')
            .select(['status', 'failure_code'])
            .where('id', '=', paymentId)
            .executeTakeFirstOrThrow();
          expect(row).toEqual({ status: 'cancelled', failure_code: 'CHECKOUT_ABANDONED' });
        }, 20_000);
        const closed = await sweeper.ctx.db
          .selectFrom('payments')
          .select(['id'])
          .where('failure_code', '=', 'CHECKOUT_ABANDONED')
          .execute();
        expect(closed.map((r) => r.id)).toEqual([paymentId]);
        expect(fakes.ticket.reservations.get(reservation.id)!.status).toBe('pending');
      } finally {
        await sweeper.close();
      }
    },
  );
});
