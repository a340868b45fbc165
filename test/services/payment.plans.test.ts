import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { newId } from '@tiketi/platform';
import { startTestService, waysInto, type TestService } from '@tiketi/testing';
import { paymentService, type PaymentConfig } from '@tiketi/payment';
import {
  claimStuckPendingStatement,
  startAttemptByOrderStatement,
  startAttemptStatement,
  transitionStatement,
} from '../../services/payment/src/payments/payment.repository';
import { finishRefundStatement } from '../../services/payment/src/payments/refund.repository';

/**
 * The plan of a confirm's first statement on a table the planner has not sampled, which is what a
 * sale looks like to it: checkouts pour ready payments into `payments` faster than autovacuum
 * analyses it, and a sample taken before the sale shows almost none ready.
 */
let svc: TestService<PaymentConfig>;

beforeAll(async () => {
  svc = await startTestService(paymentService);
});
afterAll(async () => {
  await svc?.close();
});

/** Payments of one event, as a crowd's checkouts leave them: ready before a confirm, pending in one. */
async function readyPayments(count: number, status = 'ready', at = new Date()): Promise<string[]> {
  const now = at;
  const rows = Array.from({ length: count }, (_, i) => ({
    id: newId('pay'),
    order_id: newId('ord'),
    reservation_id: newId('rsv'),
    event_id: 'evt_plan',
    user_id: `usr_plan_${i}`,
    method: 'card',
    status,
    amount: 110_000,
    order_name: 'Plan test',
    seats: JSON.stringify([]),
    policy: JSON.stringify({}),
    event_starts_at: now,
    booked_at: now,
    success_url: 'http://127.0.0.1/ok',
    fail_url: 'http://127.0.0.1/fail',
    created_at: now,
    updated_at: now,
  }));
  await svc.ctx.db.insertInto('payments').values(rows).execute();
  return rows.map((r) => r.order_id);
}

/** The last sale settled and the planner sampled the tables then: no payment under way, no refund. */
async function betweenSales(): Promise<void> {
  const paid = await readyPayments(600, 'paid');
  await svc.ctx.db
    .insertInto('refunds')
    .values(
      paid.slice(0, 300).map((order) => ({
        id: newId('rfd'),
        payment_id: order,
        status: 'done',
        amount: 10_000,
        fee: 0,
        full: false,
        seat_ids: JSON.stringify([]),
        reason: 'buyer',
        idempotency_key: newId('idk'),
      })),
    )
    .execute();
  await svc.ctx.db.updateTable('payments').set({ status: 'paid' }).execute();
  await svc.ctx.db.updateTable('refunds').set({ status: 'done' }).execute();
  await sql`analyze payment.payments`.execute(svc.ctx.db);
  await sql`analyze payment.refunds`.execute(svc.ctx.db);
}

describe('confirm statement plans', () => {
  it('a confirm finds its payment by order, not by walking the ready payments', async () => {
    const orders = await readyPayments(600);
    const statement = startAttemptByOrderStatement({
      orderId: orders[300]!,
      userId: 'usr_plan_300',
      amount: 110_000,
      keys: { paymentKey: 'pk_plan', pgToken: null, paymentId: null },
    });
    const { rows } = await sql<Record<string, unknown>>`explain (format json) ${statement}`.execute(
      svc.ctx.db,
    );
    const plan = JSON.stringify(rows);
    // The order's own key, or the buyer's payments: either reads a handful of rows for one.
    const ways = [...plan.matchAll(/"Index Name":"(\w+)","Relation Name":"payments"/g)].map((m) => m[1]);
    expect(ways).toHaveLength(1);
    expect(['payments_order_id_key', 'payments_user']).toContain(ways[0]);
    expect(plan).not.toContain('payments_ready');
    expect(plan).not.toContain('Seq Scan');
  });

  it('the statement still moves exactly that payment, and only once', async () => {
    const orders = await readyPayments(3);
    const args = {
      orderId: orders[1]!,
      userId: 'usr_plan_1',
      amount: 110_000,
      keys: { paymentKey: 'pk_once', pgToken: null, paymentId: null },
    };
    const first = await startAttemptByOrderStatement(args).execute(svc.ctx.db);
    expect(first.rows).toHaveLength(1);
    expect(first.rows[0]).toMatchObject({
      order_id: orders[1],
      status: 'pending',
      provider_payment_key: 'pk_once',
    });
    const again = await startAttemptByOrderStatement(args).execute(svc.ctx.db);
    expect(again.rows).toHaveLength(0);
    const wrongBuyer = await startAttemptByOrderStatement({
      ...args,
      orderId: orders[0]!,
      userId: 'usr_other',
    }).execute(svc.ctx.db);
    expect(wrongBuyer.rows).toHaveLength(0);
    const statuses = await svc.ctx.db
      .selectFrom('payments')
      .select(['order_id', 'status'])
      .where('order_id', 'in', orders)
      .execute();
    expect(Object.fromEntries(statuses.map((r) => [r.order_id, r.status]))).toEqual({
      [orders[0]!]: 'ready',
      [orders[1]!]: 'pending',
      [orders[2]!]: 'ready',
    });
  });

  it('the reconciler claims a stuck payment by its id, not by walking the stuck payments', async () => {
    // A provider outage leaves confirms pending: the reconciler then claims each in turn.
    const orders = await readyPayments(600, 'pending', new Date(Date.now() - 3_600_000));
    const { id } = await svc.ctx.db
      .selectFrom('payments')
      .select('id')
      .where('order_id', '=', orders[300]!)
      .executeTakeFirstOrThrow();
    const statement = claimStuckPendingStatement(svc.ctx.db, id as string, new Date(Date.now() - 60_000));
    const { rows } = await sql<Record<string, unknown>>`explain (format json) ${statement}`.execute(
      svc.ctx.db,
    );
    const plan = JSON.stringify(rows);
    expect(plan).toContain('payments_pkey');
    expect(plan).not.toContain('payments_attention');
  });

  it('a refund settles its payment by id, not by walking every refund under way', async () => {
    // The planner sampled the table before an event's cancellation turned its paid payments
    // refund_pending together (it saw none); then each refund settles.
    await betweenSales();
    const orders = await readyPayments(600, 'refund_pending');
    const { id } = await svc.ctx.db
      .selectFrom('payments')
      .select('id')
      .where('order_id', '=', orders[300]!)
      .executeTakeFirstOrThrow();
    for (const from of [['refund_pending'], ['paid', 'partially_refunded']] as const) {
      const statement = transitionStatement(svc.ctx.db, id as string, [...from], 'refunded');
      const { rows } = await sql<Record<string, unknown>>`explain (format json) ${statement}`.execute(
        svc.ctx.db,
      );
      const plan = JSON.stringify(rows);
      expect(plan).toContain('payments_pkey');
      expect(plan).not.toContain('payments_attention');
    }
    const moved = await transitionStatement(
      svc.ctx.db,
      id as string,
      ['refund_pending'],
      'refunded',
    ).execute();
    expect(moved.map((r) => r.status)).toEqual(['refunded']);
    const again = await transitionStatement(
      svc.ctx.db,
      id as string,
      ['refund_pending'],
      'refunded',
    ).execute();
    expect(again).toHaveLength(0);
  });

  it('an attempt starts, and a refund finishes, by id: not by walking the ready, pending or refunding', async () => {
    await betweenSales();
    const idOf = async (order: string) =>
      (
        await svc.ctx.db
          .selectFrom('payments')
          .select('id')
          .where('order_id', '=', order)
          .executeTakeFirstOrThrow()
      ).id as string;
    const ready = await idOf((await readyPayments(600, 'ready'))[300]!);
    const pending = await idOf((await readyPayments(600, 'pending'))[300]!);
    expect(
      await waysInto(svc.ctx.db, startAttemptStatement(ready, 'ready', 'pk_plan', 'idem_plan'), 'payments'),
    ).toEqual(['payments_pkey']);
    expect(
      await waysInto(
        svc.ctx.db,
        startAttemptStatement(pending, 'pending', 'pk_plan', 'idem_plan'),
        'payments',
      ),
    ).toEqual(['payments_pkey']);

    const refunding = await readyPayments(600, 'refund_pending');
    const refunds = await Promise.all(
      refunding.map(async (order) => ({
        id: newId('rfd'),
        payment_id: await idOf(order),
        status: 'pending',
        amount: 110_000,
        fee: 0,
        full: true,
        seat_ids: JSON.stringify([]),
        reason: 'event_cancelled',
        idempotency_key: newId('idk'),
      })),
    );
    await svc.ctx.db.insertInto('refunds').values(refunds).execute();
    const finish = finishRefundStatement(svc.ctx.db, refunds[300]!.id, 'done');
    expect(await waysInto(svc.ctx.db, finish, 'refunds')).toEqual(['refunds_pkey']);
    expect(Number((await finish.executeTakeFirst()).numUpdatedRows)).toBe(1);
    expect(Number((await finish.executeTakeFirst()).numUpdatedRows)).toBe(0);
  });
});
