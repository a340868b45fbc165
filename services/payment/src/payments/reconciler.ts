import {
  applyOnce,
  releaseLease,
  tryAcquireLease,
  type Coordination,
  type EventBus,
  type EventEnvelope,
} from '@tiketi/platform';
import { EventTypes, type EventDataByType } from '@tiketi/contracts';
import type { Kysely } from 'kysely';
import { randomUUID } from 'node:crypto';
import { reconcilePayment } from './confirm.service';
import type { PaymentDeps } from './payment.core';
import { resumeRefund, refundPayment } from './refund.service';

const LEASE_KEY = 'payment:reconciler';

/** One pass: settle unknown outcomes, stuck confirms and refunds, unconfirmed reservations. */
export async function reconcileOnce(d: PaymentDeps): Promise<number> {
  const now = d.clock.now().getTime();
  const stuckBefore = new Date(now - d.config.PAYMENT_STUCK_PENDING_MS);
  const quietBefore = new Date(now - Math.min(5_000, d.config.PAYMENT_STUCK_PENDING_MS));
  const abandonedBefore = new Date(now - d.config.PAYMENT_CHECKOUT_TTL_MS);
  const rows = await d.repo.needingAttention(stuckBefore, quietBefore, abandonedBefore);
  for (const p of rows) {
    try {
      if (p.status === 'refund_pending') await resumeRefund(d, p);
      else await reconcilePayment(d, p);
    } catch (err) {
      d.log.warn({ err, paymentId: p.id }, 'reconcile step failed; will retry');
    }
  }
  return rows.length;
}

/** Runs the reconciler on one replica at a time (a lease in coordination). */
export function startReconciler(d: PaymentDeps, coordination: Coordination): () => Promise<void> {
  const holder = randomUUID();
  const interval = d.config.PAYMENT_RECONCILE_INTERVAL_MS;
  let stopped = false;
  let running: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  const tick = () => {
    running = (async () => {
      try {
        if (await tryAcquireLease(coordination, LEASE_KEY, holder, Math.max(interval * 3, 10_000)))
          await reconcileOnce(d);
      } catch (err) {
        d.log.warn({ err }, 'reconciler pass failed');
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

/** event.cancelled: every paid payment of the event is refunded in full. */
export async function subscribeEventCancelled(
  d: PaymentDeps,
  bus: EventBus,
  db: Kysely<any>,
): Promise<() => Promise<void>> {
  return bus.subscribe(
    { group: 'payment.event-cancelled', types: [EventTypes.eventCancelled] },
    async (event: EventEnvelope) => {
      const data = event.data as EventDataByType['event.cancelled'];
      const payments = await d.repo.refundableForEvent(data.eventId);
      for (const p of payments) {
        await refundPayment(d, p, {
          reason: 'Event cancelled',
          actorId: null,
          mode: 'full',
          notifyTicket: true,
        }).catch((err) => {
          // Another path may be refunding it now; the reconciler finishes refunds left pending.
          d.log.warn({ err, paymentId: p.id }, 'event-cancelled refund not done');
        });
      }
      // Record that the event was handled (redelivery re-checks statuses and finds nothing to do).
      await applyOnce(db, 'payment', 'payment.event-cancelled', event, async () => undefined);
    },
  );
}
