import { AppError, keepLease, releaseLease, tryAcquireLease, type Coordination } from '@tiketi/platform';
import { randomUUID } from 'node:crypto';
import pMap from 'p-map';
import type { PaymentDeps } from './payment.core';
import type { PaymentRow } from './payment.model';
import { refundPayment } from './refund.service';

/** A run holds its event's lease while it works; one that died lets it lapse after this long. */
const RUN_LEASE_MS = 30_000;
/** A run reads the event's payments this many at a time (a stadium's would not fit well in memory at once). */
const DEFAULT_PAGE = 500;

interface Run {
  /** The fact came again while this run was under way: read the event's payments once more. */
  again: boolean;
  done: Promise<void>;
}

/**
 * The refunds of cancelled events, run apart from the delivery of the fact. The event.cancelled
 * consumer records the cancellation and hands the event here, so its delivery is acknowledged at
 * once: a big event's refunds take minutes (a provider look-up and cancel each), and a delivery
 * held that long kept the next cancelled event's refunds waiting behind it (a stream group takes
 * its deliveries one at a time) and, embedded, held up the ticket outbox behind the in-process
 * publish. The recorded cancellation is what makes this safe: the reconciler's sweep starts the
 * run again for an event whose payments still hold money (a crash, a payment that settled after
 * the cancellation). A run takes the payments whose refunds the provider never refused; the sweep
 * retries a refused one with a backoff. One replica at a time runs an event's refunds (a lease in
 * coordination), so PAYMENT_REFUND_CONCURRENCY is what the provider sees, however many replicas
 * were handed the event.
 */
export class CancelledEventRefunds {
  private readonly runs = new Map<string, Run>();
  /** Payments being refunded by this process (a run and the sweep may both list one). */
  private readonly underWay = new Set<string>();
  private closing = false;
  private readonly holder = randomUUID();

  private readonly page: number;

  constructor(
    private readonly d: PaymentDeps,
    private readonly coordination: Coordination,
    options: { page?: number } = {},
  ) {
    this.page = options.page ?? DEFAULT_PAGE;
  }

  /** Starts refunding the event's payments in the background; returns at once. */
  start(eventId: string): void {
    if (this.closing) return;
    const running = this.runs.get(eventId);
    if (running) {
      running.again = true;
      return;
    }
    const run: Run = { again: false, done: Promise.resolve() };
    this.runs.set(eventId, run);
    run.done = (async () => {
      const lease = `payment:event-refunds:${eventId}`;
      let stopRenewing: (() => void) | undefined;
      try {
        if (!(await this.takeLease(lease))) return;
        stopRenewing = keepLease(this.coordination, lease, this.holder, RUN_LEASE_MS);
        do {
          run.again = false;
          await this.refundEvent(eventId);
        } while (run.again && !this.closing);
        await releaseLease(this.coordination, lease, this.holder).catch(() => undefined);
      } catch (err) {
        this.d.log.warn(
          { err, eventId },
          'cancelled event refunds stopped; the reconciler sweep finishes them',
        );
      } finally {
        stopRenewing?.();
        this.runs.delete(eventId);
      }
    })();
  }

  /** Every payment of the event holding money, a page at a time. */
  private async refundEvent(eventId: string): Promise<void> {
    let afterId: string | undefined;
    while (!this.closing) {
      const page = await this.d.cancelledEvents.refundablePayments(eventId, this.page, afterId);
      await this.refundAll(page);
      if (page.length < this.page) return;
      afterId = page.at(-1)!.id;
    }
  }

  /** Taken; without coordination (Redis down) the run goes ahead: no refund happens twice anyway. */
  private async takeLease(key: string): Promise<boolean> {
    try {
      return await tryAcquireLease(this.coordination, key, this.holder, RUN_LEASE_MS);
    } catch (err) {
      this.d.log.debug({ err, key }, 'cancelled event refunds run without their lease');
      return true;
    }
  }

  /**
   * Refunds the payments PAYMENT_REFUND_CONCURRENCY at a time: each is a provider look-up and
   * cancel of a few hundred milliseconds (`npm run bench -- refunds`: 200 payments whose provider
   * answers in 200 ms took 82.6 s one at a time, 10.5 s eight at a time). Each refund starts only
   * from the payment as read (`startRefund`), so two passes over the same list (a redelivered
   * fact, the sweep, another replica) refund nothing twice. Returns how many were refunded.
   */
  async refundAll(payments: PaymentRow[]): Promise<number> {
    let refunded = 0;
    await pMap(
      payments,
      async (p) => {
        // Closing: what is left waits for the sweep after the restart.
        if (this.closing || this.underWay.has(p.id)) return;
        this.underWay.add(p.id);
        try {
          await refundPayment(this.d, p, {
            reason: 'Event cancelled',
            actorId: null,
            mode: 'full',
            notifyTicket: true,
          });
          refunded++;
        } catch (err) {
          this.logNotDone(p, err);
        } finally {
          this.underWay.delete(p.id);
        }
      },
      { concurrency: this.d.config.PAYMENT_REFUND_CONCURRENCY },
    );
    return refunded;
  }

  /** Starts no more refunds and waits for those under way. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.runs.values()].map((run) => run.done));
  }

  private logNotDone(p: PaymentRow, err: unknown): void {
    // Another path may be refunding it right now (REFUND_IN_PROGRESS): the next sweep looks again.
    const busy = err instanceof AppError && err.code === 'REFUND_IN_PROGRESS';
    this.d.log[busy ? 'debug' : 'warn'](
      { err, paymentId: p.id },
      'event-cancelled refund not done; the reconciler retries',
    );
  }
}
