import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@tiketi/testing';
import { CancelledEventRefunds, paymentDeps, reconcileOnce } from '@tiketi/payment';
import { buyerApproves, startHarness, type PaymentHarness } from './payment-harness';

const CONCURRENCY = 4;
/** More than the reconciler reads at once (50). */
const BACKLOG = 60;
let h: PaymentHarness;

beforeAll(async () => {
  // Only the pass the test runs counts: the service's own reconciler passes a second after boot,
  // then not for ten minutes.
  h = await startHarness({
    PAYMENT_RECONCILE_CONCURRENCY: String(CONCURRENCY),
    PAYMENT_RECONCILE_INTERVAL_MS: '600000',
  });
  await new Promise((resolve) => setTimeout(resolve, 1_500));
});
afterAll(async () => {
  await h?.close();
});

/** A Toss payment whose confirm took the money and lost the answer (a provider outage). */
async function unknownOutcome(): Promise<{ id: string; reservationId: string }> {
  const buyer = await h.svc.issuer.user('user');
  const reservation = h.ticket.addReservation(buyer.id, { prices: [40_000] });
  const created = await h.svc.app.inject({
    method: 'POST',
    url: '/api/payments/create',
    payload: { reservationId: reservation.id, method: 'toss' },
    headers: buyer.headers,
  });
  expect(created.statusCode, created.body).toBe(201);
  const body = await buyerApproves(h, 'toss', created.json());
  h.toss.knobs.dropAfterCharge = true;
  const res = await h.svc.app.inject({
    method: 'POST',
    url: '/api/payments/confirm',
    payload: body,
    headers: buyer.headers,
  });
  expect(res.statusCode, res.body).toBe(202);
  expect(res.json().payment.status).toBe('needs_reconciliation');
  return { id: created.json().payment.id, reservationId: reservation.id };
}

async function settledOf(backlog: Array<{ id: string }>): Promise<number> {
  const rows = await h.svc.ctx.db
    .selectFrom('payments')
    .select(['id', 'status', 'reservation_confirmed_at'])
    .where(
      'id',
      'in',
      backlog.map((p) => p.id),
    )
    .execute();
  return rows.filter((r) => r.status === 'paid' && r.reservation_confirmed_at !== null).length;
}

describe('the reconciler after a provider outage', () => {
  it('settles the whole backlog in one pass, PAYMENT_RECONCILE_CONCURRENCY look-ups at once', async () => {
    const chargesBefore = h.toss.charges();
    const backlog: Array<{ id: string; reservationId: string }> = [];
    for (let i = 0; i < BACKLOG; i++) backlog.push(await unknownOutcome());
    h.toss.mostLookupsAtOnce = 0;
    h.toss.knobs.latencyMs = 200;
    const deps = paymentDeps(h.svc.ctx);
    try {
      await reconcileOnce(deps, new CancelledEventRefunds(deps, h.svc.ctx.coordination));
    } finally {
      h.toss.knobs.latencyMs = 0;
    }
    // Before: the first 50, one after another; the other ten waited for the next pass.
    expect(await settledOf(backlog)).toBe(BACKLOG);
    for (const p of backlog) expect(h.ticket.reservations.get(p.reservationId)!.status).toBe('confirmed');
    expect(h.toss.charges() - chargesBefore).toBe(BACKLOG);
    // One at a time before.
    expect(h.toss.mostLookupsAtOnce).toBeGreaterThan(1);
    expect(h.toss.mostLookupsAtOnce).toBeLessThanOrEqual(CONCURRENCY);
  });

  it('stops between payments when the service stops, the rest left to the next pass', async () => {
    const backlog: Array<{ id: string; reservationId: string }> = [];
    for (let i = 0; i < BACKLOG; i++) backlog.push(await unknownOutcome());
    const lookupsBefore = h.toss.lookups();
    h.toss.knobs.latencyMs = 500;
    const deps = paymentDeps(h.svc.ctx);
    let stopping = false;
    try {
      const pass = reconcileOnce(
        deps,
        new CancelledEventRefunds(deps, h.svc.ctx.coordination),
        () => stopping,
      );
      await eventually(() => expect(h.toss.lookups()).toBeGreaterThan(lookupsBefore), 10_000);
      stopping = true;
      await pass;
    } finally {
      h.toss.knobs.latencyMs = 0;
    }
    // The ones under way when it stopped were finished (a round or two, on a busy machine); the
    // shutdown did not wait for the whole backlog (15 rounds of look-ups).
    const settled = await settledOf(backlog);
    expect(settled).toBeGreaterThan(0);
    expect(settled).toBeLessThan(BACKLOG / 2);
  });
});
