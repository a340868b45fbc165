import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@tiketi/testing';
import { CancelledEventRefunds, paymentDeps, reconcileOnce } from '@tiketi/payment';
import { settledOf, startHarness, unknownOutcome, type PaymentHarness } from './payment-harness';

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

describe('the reconciler after a provider outage', () => {
  it('reports its passes in /metrics (the alert on a backlog that does not drain reads them)', async () => {
    // The service's own first pass ran a second after boot, before this file's tests.
    const res = await h.svc.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/^tiketi_payment_reconcile_backlog(\{[^}]*\})? \d+$/m);
    expect(res.body).toMatch(/^tiketi_payment_reconcile_pass_seconds_count(\{[^}]*\})? [1-9]\d*$/m);
  });

  it('settles the whole backlog in one pass, PAYMENT_RECONCILE_CONCURRENCY look-ups at once', async () => {
    const chargesBefore = h.toss.charges();
    const backlog: Array<{ id: string; reservationId: string }> = [];
    for (let i = 0; i < BACKLOG; i++) backlog.push(await unknownOutcome(h));
    h.toss.mostLookupsAtOnce = 0;
    h.toss.knobs.latencyMs = 200;
    const deps = paymentDeps(h.svc.ctx);
    try {
      await reconcileOnce(deps, new CancelledEventRefunds(deps, h.svc.ctx.coordination));
    } finally {
      h.toss.knobs.latencyMs = 0;
    }
    // Before: the first 50, one after another; the other ten waited for the next pass.
    expect(await settledOf(h, backlog)).toBe(BACKLOG);
    for (const p of backlog) expect(h.ticket.reservations.get(p.reservationId)!.status).toBe('confirmed');
    expect(h.toss.charges() - chargesBefore).toBe(BACKLOG);
    // One at a time before.
    expect(h.toss.mostLookupsAtOnce).toBeGreaterThan(1);
    expect(h.toss.mostLookupsAtOnce).toBeLessThanOrEqual(CONCURRENCY);
  });

  it('stops between payments when the service stops, the rest left to the next pass', async () => {
    const backlog: Array<{ id: string; reservationId: string }> = [];
    for (let i = 0; i < BACKLOG; i++) backlog.push(await unknownOutcome(h));
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
    const settled = await settledOf(h, backlog);
    expect(settled).toBeGreaterThan(0);
    expect(settled).toBeLessThan(BACKLOG / 2);
  });
});
