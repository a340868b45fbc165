import {
  applyOnce,
  releaseLease,
  keepLease,
  tryAcquireLease,
  type Coordination,
  type EventBus,
  type EventEnvelope,
} from '@tiketi/platform';
import { EventTypes, type EventDataByType } from '@tiketi/contracts';
import type { Kysely } from 'kysely';
import { randomUUID } from 'node:crypto';
import pMap from 'p-map';
import { confirmInFlightMs } from './provider-paid.service';
import type { PaymentDeps } from './payment.core';
import type { PaymentRow } from './payment.model';
import { reconcilePayment } from './reconcile.service';
import { resumeRefund } from './refund.service';
import type { CancelledEventRefunds } from './cancelled-event.refunds';

const LEASE_KEY = 'payment:reconciler';
// Named when it took event.cancelled alone; the name stays, as Redis and processed_events know it.
const EVENT_CANCELLED_GROUP = 'payment.event-cancelled';
/** A provider that keeps refusing a refund is asked again at most this rarely. */
const MAX_REFUND_BACKOFF_MS = 3_600_000;

/** The reconciler reads the payments needing attention this many at a time. */
const PAGE = 50;
/** At most this many pages in one pass; the rest waits for the next. */
const MOST_PAGES = 200;

/**
 * One pass: settle unknown outcomes, stuck confirms and refunds, unconfirmed reservations, cancelled
 * events. It goes through every payment needing attention, a page at a time,
 * PAYMENT_RECONCILE_CONCURRENCY at once: after a provider outage the backlog is every payment of
 * those minutes, and each is a provider look-up; a page of 50 one after another per interval left
 * buyers charged and unconfirmed for an hour.
 */
export async function reconcileOnce(
  d: PaymentDeps,
  refunds: CancelledEventRefunds,
  stopping: () => boolean = () => false,
): Promise<number> {
  const now = d.clock.now().getTime();
  const stuckBefore = new Date(now - confirmInFlightMs(d.config));
  const quietBefore = new Date(now - Math.min(5_000, d.config.PAYMENT_STUCK_PENDING_MS));
  const abandonedBefore = new Date(now - d.config.PAYMENT_CHECKOUT_TTL_MS);
  let looked = 0;
  let afterId: string | undefined;
  // Stopping (a shutdown), the rest is left to the next pass, on whichever replica.
  for (let page = 0; page < MOST_PAGES && !stopping(); page++) {
    const rows = await d.repo.needingAttention(stuckBefore, quietBefore, abandonedBefore, PAGE, afterId);
    await pMap(rows, (p) => (stopping() ? undefined : reconcileStep(d, p)), {
      concurrency: d.config.PAYMENT_RECONCILE_CONCURRENCY,
    });
    looked += rows.length;
    if (rows.length < PAGE) break;
    afterId = rows.at(-1)!.id;
  }
  return looked + (await sweepCancelledEvents(d, refunds));
}

async function reconcileStep(d: PaymentDeps, p: PaymentRow): Promise<void> {
  try {
    if (p.status === 'refund_pending') await resumeRefund(d, p);
    else await reconcilePayment(d, p);
  } catch (err) {
    d.log.warn({ err, paymentId: p.id }, 'reconcile step failed; will retry');
  }
}

/**
 * Money still held for cancelled events: payments that settled as paid after the cancellation, the
 * rest of a partial refund, the refunds a stopped process never got to (their events' runs start
 * again, in the background, so a big event is not refunded a page per pass), and refunds the
 * provider refused (retried here, with a backoff).
 */
export async function sweepCancelledEvents(d: PaymentDeps, refunds: CancelledEventRefunds): Promise<number> {
  const now = d.clock.now().getTime();
  const held = await d.cancelledEvents.paymentsHoldingMoney();
  const runs = new Set(held.filter((h) => h.failedRefunds === 0).map((h) => h.payment.event_id));
  for (const eventId of runs) refunds.start(eventId);
  const due = held.filter(({ failedRefunds, lastFailedAt }) => {
    if (failedRefunds === 0) return false;
    const backoff = Math.min(
      d.config.PAYMENT_RECONCILE_INTERVAL_MS * 2 ** failedRefunds,
      MAX_REFUND_BACKOFF_MS,
    );
    return !lastFailedAt || now - lastFailedAt.getTime() >= backoff;
  });
  return runs.size + (await refunds.refundAll(due.map(({ payment }) => payment)));
}

/** Runs the reconciler on one replica at a time (a lease in coordination). */
export function startReconciler(
  d: PaymentDeps,
  coordination: Coordination,
  refunds: CancelledEventRefunds,
): () => Promise<void> {
  const holder = randomUUID();
  const interval = d.config.PAYMENT_RECONCILE_INTERVAL_MS;
  let stopped = false;
  let running: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  const leaseMs = Math.max(interval * 3, 10_000);
  const tick = () => {
    running = (async () => {
      let stopRenewing: (() => void) | undefined;
      try {
        if (await tryAcquireLease(coordination, LEASE_KEY, holder, leaseMs)) {
          // A pass through a backlog outlasts the lease.
          stopRenewing = keepLease(coordination, LEASE_KEY, holder, leaseMs);
          const started = performance.now();
          const looked = await reconcileOnce(d, refunds, () => stopped);
          d.metrics.reconcilePass(looked, (performance.now() - started) / 1000);
        } else {
          d.metrics.reconcilerIdle();
        }
      } catch (err) {
        d.log.warn({ err }, 'reconciler pass failed');
      } finally {
        stopRenewing?.();
      }
    })().finally(() => {
      running = null;
      if (!stopped) {
        timer = setTimeout(tick, interval);
        timer.unref();
      }
    });
  };
  timer = setTimeout(tick, Math.min(interval, 1_000));
  timer.unref();
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    await running;
    await releaseLease(coordination, LEASE_KEY, holder).catch(() => undefined);
  };
}

/**
 * Ticket's facts about events, in one consumer group: every group reads the whole stream (a
 * sale's thousands of holds included), so a second group for event.updated would double that.
 *
 * event.cancelled: payment records the fact (its own table: it never reads ticket's) and hands the
 * event's refunds to `refunds`, which refunds every payment of the event holding money in full
 * while the delivery is acknowledged. What that cannot refund now (a provider refusing, a refund in
 * flight, a confirm still settling, a crash) the reconciler's sweep picks up.
 *
 * event.updated with `previously` (the organiser moved the event's time or venue): payment keeps
 * the latest change, after which a buyer who paid before it cancels without a fee (repeated or
 * out-of-order facts keep the latest).
 */
export async function subscribeEventFacts(
  d: PaymentDeps,
  bus: EventBus,
  db: Kysely<any>,
  refunds: CancelledEventRefunds,
): Promise<() => Promise<void>> {
  return bus.subscribe(
    { group: EVENT_CANCELLED_GROUP, types: [EventTypes.eventCancelled, EventTypes.eventUpdated] },
    async (event: EventEnvelope) => {
      if (event.type === EventTypes.eventUpdated) {
        const data = event.data as EventDataByType['event.updated'];
        if (data.previously)
          await d.changedEvents.record(data.eventId, new Date(event.occurredAt), new Date(data.startsAt));
        return;
      }
      const data = event.data as EventDataByType['event.cancelled'];
      await applyOnce(db, 'payment', EVENT_CANCELLED_GROUP, event, (trx) =>
        d.cancelledEvents.record(data.eventId, new Date(event.occurredAt), trx),
      );
      refunds.start(data.eventId);
    },
  );
}
