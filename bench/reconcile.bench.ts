import { performance } from 'node:perf_hooks';
import { CancelledEventRefunds, paymentDeps, reconcileOnce } from '@tiketi/payment';
import { settledOf, startHarness, unknownOutcome } from '../test/services/payment-harness';
import { publishPaymentRuns, type PaymentRunOptions } from './lib/payment-runs';

/**
 * `npm run bench -- reconcile [--payments 200] [--latency-ms 200] [--concurrency 1,8] [--dry-run]`:
 * a provider outage left `--payments` Toss payments charged with their answers lost
 * (needs_reconciliation); the provider is back, answering each look-up after `--latency-ms`.
 * Prints how long the reconciler takes to settle them all (paid, reservation confirmed), passing as
 * the service does (a pass, then PAYMENT_RECONCILE_INTERVAL_MS, 30 s, until none is left), once
 * per PAYMENT_RECONCILE_CONCURRENCY in `--concurrency`, each on a fresh payment service. Embedded
 * PGlite by default; TIKETI_TEST_DATABASE_URL and TIKETI_TEST_REDIS_URL measure PostgreSQL and Redis.
 */
const INTERVAL_MS = 30_000;

async function run({ payments, latencyMs, concurrency }: PaymentRunOptions) {
  // The service's own reconciler passes a second after boot, then not for an hour: the passes
  // measured are the ones run here.
  const h = await startHarness({
    PAYMENT_RECONCILE_CONCURRENCY: String(concurrency),
    PAYMENT_RECONCILE_INTERVAL_MS: '3600000',
  });
  try {
    await new Promise((r) => setTimeout(r, 1_500));
    const backlog = [];
    for (let i = 0; i < payments; i++) backlog.push(await unknownOutcome(h));
    const lookupsBefore = h.toss.lookups();
    h.toss.mostLookupsAtOnce = 0;
    h.toss.knobs.latencyMs = latencyMs;
    const deps = paymentDeps(h.svc.ctx);
    const refunds = new CancelledEventRefunds(deps, h.svc.ctx.coordination);
    const started = performance.now();
    let passes = 0;
    let inPasses = 0;
    for (;;) {
      const passStarted = performance.now();
      await reconcileOnce(deps, refunds);
      inPasses += performance.now() - passStarted;
      passes += 1;
      if ((await settledOf(h, backlog)) === payments) break;
      if (passes >= 20) throw new Error(`not settled after ${passes} passes`);
      await new Promise((r) => setTimeout(r, INTERVAL_MS));
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      PAYMENT_RECONCILE_CONCURRENCY: concurrency,
      payments,
      'provider answers after ms': latencyMs,
      passes,
      'all settled in s': Number(seconds.toFixed(2)),
      'of which in passes s': Number((inPasses / 1000).toFixed(2)),
      'settled/s in passes': Number((payments / (inPasses / 1000)).toFixed(1)),
      'look-ups': h.toss.lookups() - lookupsBefore,
      'most look-ups at once': h.toss.mostLookupsAtOnce,
    };
  } finally {
    h.toss.knobs.latencyMs = 0;
    await h.close();
  }
}

export default async function reconcileBench(args: string[]): Promise<void> {
  await publishPaymentRuns(args, run, ({ payments, latencyMs, mode }) => ({
    title: `reconcile a provider outage's backlog (${payments} Toss payments charged with their answers lost, look-ups answered after ${latencyMs} ms, ${mode})`,
    notes: [
      `from the first pass to every payment paid with its reservation confirmed, passing every ${INTERVAL_MS / 1000} s (PAYMENT_RECONCILE_INTERVAL_MS) until none is left; each is a provider look-up, a call to the ticket service (a test double here) and a short transaction`,
      'before cbe54c3 a pass read 50 payments and settled them one after another: 200 needed 4 passes, 90 s of intervals on top of the look-ups',
      'most look-ups at once: the provider fake counts the look-ups it is answering at the same moment',
    ],
  }));
}
