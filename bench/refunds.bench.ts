import { performance } from 'node:perf_hooks';
import { payThrough, publishEventCancelled, startHarness } from '../test/services/payment-harness';
import { publishPaymentRuns, type PaymentRunOptions } from './lib/payment-runs';

/**
 * `npm run bench -- refunds [--payments 200] [--latency-ms 200] [--concurrency 1,8] [--dry-run]`:
 * an operator cancels an event with `--payments` bookings paid through Toss (the fake provider,
 * answering each look-up and cancel after `--latency-ms`, as the real one takes a few hundred
 * milliseconds); prints how long until every payment is refunded, once per
 * PAYMENT_REFUND_CONCURRENCY in `--concurrency`, each on a fresh payment service. Embedded PGlite
 * by default; TIKETI_TEST_DATABASE_URL and TIKETI_TEST_REDIS_URL measure PostgreSQL and Redis.
 */
async function run({ payments, latencyMs, concurrency }: PaymentRunOptions) {
  // The reconciler's sweep stays out after its first pass: the cancellation's own pass is measured.
  const h = await startHarness({
    PAYMENT_REFUND_CONCURRENCY: String(concurrency),
    PAYMENT_RECONCILE_INTERVAL_MS: '3600000',
  });
  try {
    const event = h.ticket.addEvent();
    for (let i = 0; i < payments; i++) {
      const buyer = await h.svc.issuer.user('user');
      await payThrough(h, buyer, h.ticket.addReservation(buyer.id, { event, prices: [55_000] }).id, 'toss');
    }
    // Past the reconciler's first pass (a second after boot), which would refund alongside.
    await new Promise((r) => setTimeout(r, 1_500));
    h.toss.knobs.latencyMs = latencyMs;
    const cancelsBefore = h.toss.cancelRequests.length;
    const started = performance.now();
    await publishEventCancelled(h, event, payments);
    const deadline = Date.now() + 600_000;
    for (;;) {
      const left = await h.svc.ctx.db
        .selectFrom('payments')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('event_id', '=', event.id)
        .where('status', '<>', 'refunded')
        .executeTakeFirstOrThrow();
      if (Number(left.n) === 0) break;
      if (Date.now() > deadline) throw new Error(`${left.n} payments still not refunded after 10 minutes`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      PAYMENT_REFUND_CONCURRENCY: concurrency,
      payments,
      'provider answers after ms': latencyMs,
      'all refunded in s': Number(seconds.toFixed(2)),
      'refunds/s': Number((payments / seconds).toFixed(1)),
      'cancels at the provider': h.toss.cancelRequests.length - cancelsBefore,
      'most cancels at once': h.toss.mostCancelsAtOnce,
    };
  } finally {
    h.toss.knobs.latencyMs = 0;
    await h.close();
  }
}

export default async function refundsBench(args: string[]): Promise<void> {
  await publishPaymentRuns(args, run, ({ payments, latencyMs, mode }) => ({
    title: `refunds of a cancelled event (${payments} Toss payments, look-ups and cancels answered after ${latencyMs} ms, ${mode})`,
    notes: [
      'from the event.cancelled fact reaching the payment service to every payment refunded; each refund is a look-up and a cancel at the provider, three short transactions and a call to the ticket service (a test double here)',
      'most cancels at once: the provider fake counts the cancels it is answering at the same moment',
    ],
  }));
}
