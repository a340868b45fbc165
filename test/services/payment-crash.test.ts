import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { TossFake } from '../../services/payment/src/providers/fakes';
import { createRunDatabase, startCluster, type Cluster } from '../../bench/lib/cluster';
import { checkInvariants } from '../../bench/lib/invariants';
import { CLUSTER_ADMIN, SaleClient, until } from '../../bench/lib/sale';
import { realServers } from '../chaos/chaos.support';
import { TOSS_KEYS, tossLedger } from '../chaos/chaos.toss';

/**
 * The payment service really dies: it runs as its own process (production mode, real PostgreSQL
 * and Redis, beside auth and ticket processes), Toss is the in-process fake, and the process is
 * SIGKILLed the moment the fake has taken the money and before the answer reaches it, so before
 * the reservation could be confirmed. After a restart each payment ends exactly once as paid with
 * its reservation confirmed, or, when the reservation was cancelled while payment was down,
 * refunded: checked in both databases and in the fake's ledger.
 * Skipped in embedded mode; with TIKETI_TEST_REQUIRE_REAL=1 and no servers it fails.
 */
const servers = realServers();

/** The provider timeout of the killed process: it must still be waiting for the held answer when killed. */
const PROVIDER_TIMEOUT_MS = 3_000;

describe.skipIf(!servers)('payment process SIGKILLed between the charge and the confirmation', () => {
  let toss: TossFake;
  let db: { url: string; drop(): Promise<void> } | undefined;
  let cluster: Cluster | undefined;
  let sql: pg.Client;

  beforeAll(async () => {
    toss = await new TossFake(TOSS_KEYS.secret, TOSS_KEYS.client).start();
    db = await createRunDatabase(servers!.databaseUrl, 'payment_crash');
    cluster = await startCluster({
      databaseUrl: db.url,
      redisUrl: servers!.redisUrl,
      // auth first (the others read its keys); ticket and payment below, side by side.
      services: ['auth'],
      env: {
        LOG_LEVEL: 'error',
        ADMIN_EMAIL: CLUSTER_ADMIN.email,
        ADMIN_PASSWORD: CLUSTER_ADMIN.password,
        REDIS_KEY_PREFIX: `payment-crash:${Date.now().toString(36)}:`,
        PAYMENT_TOSS_BASE_URL: toss.url,
        PAYMENT_TOSS_SECRET_KEY: TOSS_KEYS.secret,
        PAYMENT_TOSS_CLIENT_KEY: TOSS_KEYS.client,
        PAYMENT_PROVIDER_TIMEOUT_MS: String(PROVIDER_TIMEOUT_MS),
        PAYMENT_RECONCILE_INTERVAL_MS: '250',
        PAYMENT_STUCK_PENDING_MS: '500',
        SHUTDOWN_TIMEOUT_MS: '2000',
        DATABASE_POOL_MAX: '4',
      },
    });
    await Promise.all([cluster.start('ticket'), cluster.start('payment')]);
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
  }, 120_000);

  afterAll(async () => {
    await sql?.end().catch(() => undefined);
    await cluster?.stop().catch(() => undefined);
    await toss?.close();
    await db?.drop().catch(() => undefined);
  });

  const paymentRow = async (id: string) =>
    (
      await sql.query<{
        status: string;
        amount: number;
        refunded_amount: number;
        reservation_confirmed_at: Date | null;
      }>(
        'select status, amount, refunded_amount, reservation_confirmed_at from payment.payments where id = $1',
        [id],
      )
    ).rows[0]!;
  const reservationRow = async (id: string) =>
    (
      await sql.query<{ status: string; payment_id: string | null }>(
        'select status, payment_id from ticket.reservations where id = $1',
        [id],
      )
    ).rows[0]!;
  const facts = async (paymentId: string) =>
    (
      await sql.query<{ type: string }>(
        `select type from payment.outbox where payload->'data'->>'paymentId' = $1 order by id`,
        [paymentId],
      )
    ).rows.map((r) => r.type);

  it('ends paid and confirmed, or refunded, exactly once', { timeout: 90_000 }, async () => {
    const c = cluster!;
    const auth = new SaleClient(c.urls.auth);
    const ticket = new SaleClient(c.urls.ticket);
    const payment = new SaleClient(c.urls.payment);
    const adminToken = await auth.adminToken();
    const [keeper, quitter] = await auth.registerBuyers(2, 'payment-crash', 2);
    const { eventId, seatIds } = await ticket.onSaleEvent(adminToken, {
      title: 'Crash Night',
      rows: 1,
      perRow: 4,
      price: 66_000,
    });

    const buy = async (token: string, seatId: string) => {
      const held = await ticket.hold(token, eventId, [seatId]);
      expect(held.status, JSON.stringify(held.body)).toBe(201);
      const created = await payment.api('POST', '/api/payments/create', {
        token,
        body: { reservationId: held.body.reservation.id, method: 'toss' },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const { orderId, amount } = created.body.checkout as { orderId: string; amount: number };
      return {
        reservationId: held.body.reservation.id as string,
        paymentId: created.body.payment.id as string,
        orderId,
        confirm: toss.authorize(orderId, amount),
      };
    };
    const kept = await buy(keeper!, seatIds[0]!);
    const quit = await buy(quitter!, seatIds[1]!);

    // Toss takes both payments' money and holds both answers; the payment process dies right then.
    toss.knobs.holdAfterCharge = true;
    const inFlight = [payment.confirm(keeper!, kept.confirm), payment.confirm(quitter!, quit.confirm)];
    let charged = false;
    await Promise.race([
      toss.chargesReach(2).then(() => (charged = true)),
      new Promise((r) => setTimeout(r, 30_000)),
    ]);
    if (charged) await c.kill('payment', 'SIGKILL');
    toss.knobs.holdAfterCharge = false;
    toss.releaseHeld();
    expect(charged, 'Toss never charged both payments').toBe(true);
    // The process had recorded the attempts and was waiting for Toss: nothing after the charge happened.
    for (const p of [kept, quit]) expect((await paymentRow(p.paymentId)).status).toBe('pending');
    for (const r of await Promise.all(inFlight))
      expect(r.status, 'the killed process must not have answered').toBe(0);

    // While payment is down, one buyer gives up and cancels the (payment-leased) hold.
    const cancelled = await ticket.api('POST', `/api/reservations/${quit.reservationId}/cancel`, {
      token: quitter,
      body: { reason: 'gave up' },
    });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body.reservation.status).toBe('cancelled');

    await c.start('payment');
    await until(
      async () => {
        expect(await paymentRow(kept.paymentId)).toMatchObject({
          status: 'paid',
          reservation_confirmed_at: expect.any(Date),
        });
        expect(await paymentRow(quit.paymentId)).toMatchObject({
          status: 'refunded',
          refunded_amount: 66_000,
        });
      },
      30_000,
      250,
    );

    expect(await reservationRow(kept.reservationId)).toEqual({
      status: 'confirmed',
      payment_id: kept.paymentId,
    });
    expect((await reservationRow(quit.reservationId)).status).toBe('cancelled');
    const atToss = (orderId: string) => [...toss.payments.values()].find((p) => p.orderId === orderId)!;
    expect(atToss(kept.orderId)).toMatchObject({ status: 'DONE', balanceAmount: 66_000 });
    expect(atToss(quit.orderId)).toMatchObject({ status: 'CANCELED', balanceAmount: 0 });
    expect(atToss(quit.orderId).cancels).toHaveLength(1);
    // One approve each (the restarted process found the charges by looking them up), one charge each.
    expect(toss.confirmRequests()).toBe(2);
    expect(toss.charges()).toBe(2);
    expect(await facts(kept.paymentId)).toEqual(['payment.paid']);
    expect(await facts(quit.paymentId)).toEqual(['payment.paid', 'payment.refunded']);

    const report = await checkInvariants(db!.url, { providerLedger: tossLedger(toss), requireSettled: true });
    expect(report.violations).toEqual([]);
  });
});
