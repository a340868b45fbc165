import { applyOnce, type EventEnvelope } from '@tiketi/platform';
import type { EventDataByType } from '@tiketi/contracts';
import { applyEffects, newEffects, retryPendingReleases, type BookingRuntime } from './booking.runtime';
import { expireDue } from './reservation.service';
import { confirmInConsumer, refundedIn } from './reservation-payment.service';
import { recordPaidIfSettled } from './reservation.repository';

const BOOKING_PAYMENTS = 'ticket.booking-payments';

export interface Workers {
  /** Runs one expiry sweep now (tests, shutdown). */
  sweep(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Background work: the expiry sweeper (every replica runs it; SKIP LOCKED divides the rows) and
 * the consumers that recover a confirmation or refund whose HTTP call from payments was lost.
 */
export async function startWorkers(
  rt: BookingRuntime,
  options: { sweepIntervalMs?: number } = {},
): Promise<Workers> {
  const { ctx } = rt;
  const intervalMs = options.sweepIntervalMs ?? 1_000;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<number> | null = null;

  const sweep = (): Promise<number> => {
    running ??= (async () => {
      let total = 0;
      try {
        // Drain a backlog in batches, each its own short transaction.
        for (let n = await expireDue(rt); n > 0 && !stopped; n = await expireDue(rt)) total += n;
      } finally {
        running = null;
      }
      return total;
    })();
    return running;
  };

  const tick = async () => {
    await retryPendingReleases(rt).catch(() => undefined);
    try {
      const n = await sweep();
      if (n > 0) ctx.log.info({ expired: n }, 'holds expired');
    } catch (err) {
      ctx.log.warn({ err }, 'expiry sweep failed; will retry');
    }
    if (!stopped) {
      timer = setTimeout(() => void tick(), intervalMs);
      timer.unref();
    }
  };
  timer = setTimeout(() => void tick(), intervalMs);
  timer.unref();

  const applyPaymentFact = async (event: EventEnvelope) => {
    const fx = newEffects();
    await applyOnce(ctx.db, 'ticket', BOOKING_PAYMENTS, event, async (trx) => {
      if (event.type === 'payment.paid') {
        const data = event.data as EventDataByType['payment.paid'];
        await confirmInConsumer(rt, trx, fx, data.reservationId, data.paymentId);
      } else {
        const data = event.data as EventDataByType['payment.refunded'];
        const exists = await trx
          .selectFrom('reservations')
          .select('id')
          .where('id', '=', data.reservationId)
          .executeTakeFirst();
        // Facts from before `scope` existed: no seatIds meant every seat; [] on a partial refund is money only.
        const scope =
          data.scope ??
          (data.status === 'partially_refunded' && data.seatIds?.length === 0 ? 'money' : undefined);
        if (exists)
          await refundedIn(rt, trx, fx, data.reservationId, {
            paymentId: data.paymentId,
            amount: data.amount,
            seatIds: data.seatIds,
            scope,
            refundedTotal: data.refundedTotal,
            refundId: data.refundId,
          });
      }
    });
    await applyEffects(rt, fx);
  };

  const unsubscribe = await ctx.bus.subscribeBatch(
    { group: BOOKING_PAYMENTS, types: ['payment.paid', 'payment.refunded'] },
    async (events) => {
      // The payment service confirms over HTTP before it publishes payment.paid, so the facts
      // nearly always find their reservations confirmed already: one statement records all of
      // those as processed, instead of a transaction of six each that changes nothing. A
      // reservation only moves on from confirmed, so a fact found settled stays settled.
      const paid = events.filter((e) => e.type === 'payment.paid');
      const settled = await recordPaidIfSettled(
        ctx.db,
        BOOKING_PAYMENTS,
        paid.map((e) => {
          const data = e.data as EventDataByType['payment.paid'];
          return { eventId: e.id, reservationId: data.reservationId, paymentId: data.paymentId };
        }),
      );
      for (const event of events) if (!settled.has(event.id)) await applyPaymentFact(event);
    },
  );

  return {
    sweep,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await unsubscribe().catch(() => undefined);
      await running?.catch(() => undefined);
    },
  };
}
