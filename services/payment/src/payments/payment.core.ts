import { AppError, enqueueEvent, outboxEntry, type Clock, type OutboxRelay } from '@tiketi/platform';
import { EventTypes, type EventDataByType } from '@tiketi/contracts';
import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { PaymentConfig } from '../payment.config';
import type { ProviderPayment } from '../providers/provider';
import type { ProviderRegistry } from '../providers/provider.registry';
import type { PaymentMetrics } from './payment.metrics';
import type { PaymentRow, PaymentStatus } from './payment.model';
import type { PaymentRepository } from './payment.repository';
import type { CancelledEventRepository } from './cancelled-event.repository';
import type { ChangedEventRepository } from './changed-event.repository';
import type { RefundRepository } from './refund.repository';
import type { TicketClient } from './ticket.client';

export interface PaymentDeps {
  repo: PaymentRepository;
  cancelledEvents: CancelledEventRepository;
  changedEvents: ChangedEventRepository;
  refunds: RefundRepository;
  providers: ProviderRegistry;
  ticket: TicketClient;
  config: PaymentConfig;
  log: Logger;
  metrics: PaymentMetrics;
  clock: Clock;
  relay: OutboxRelay | null;
}

export function paymentView(p: PaymentRow) {
  return {
    id: p.id,
    orderId: p.order_id,
    reservationId: p.reservation_id,
    eventId: p.event_id,
    userId: p.user_id,
    method: p.method,
    status: p.status,
    amount: p.amount,
    currency: p.currency,
    refundedAmount: p.refunded_amount,
    fee: p.fee_amount,
    orderName: p.order_name,
    paidAt: p.paid_at ? p.paid_at.toISOString() : null,
    failureCode: p.failure_code,
    failureMessage: p.failure_message,
    createdAt: p.created_at.toISOString(),
  };
}
export type PaymentView = ReturnType<typeof paymentView>;

export async function emit<K extends keyof EventDataByType>(
  trx: Transaction<any>,
  type: K,
  data: EventDataByType[K],
): Promise<void> {
  await enqueueEvent(trx, 'payment', 'payment', type, data);
}

function eventBase(p: PaymentRow, amount: number, now: Date) {
  return {
    paymentId: p.id,
    reservationId: p.reservation_id,
    eventId: p.event_id,
    userId: p.user_id,
    method: p.method,
    amount,
    occurredAt: now.toISOString(),
  };
}

export function adapterFor(d: PaymentDeps, p: PaymentRow) {
  const adapter = d.providers.get(p.method);
  if (!adapter)
    throw new AppError('unavailable', 'METHOD_UNAVAILABLE', `Payment method ${p.method} is not configured`);
  return adapter;
}

/** The provider's answer agrees with our order in every field that matters. */
export function matchesOrder(p: PaymentRow, pp: ProviderPayment): boolean {
  return pp.totalAmount === p.amount && pp.orderId === p.order_id && (pp.currency ?? 'KRW') === p.currency;
}

/**
 * ready|pending|needs_reconciliation -> paid, with payment.paid in the same transaction. The
 * provider is the truth about money: an attempt we had closed as failed or cancelled that the
 * provider reports charged (a decline that raced a charge, an answer that came late) becomes paid
 * too, so that it is confirmed or refunded like any other, never left holding the buyer's money.
 */
export async function markPaid(
  d: PaymentDeps,
  p: PaymentRow,
  pp: ProviderPayment,
  reservationConfirmedAt: Date | null = null,
): Promise<PaymentRow> {
  const now = d.clock.now();
  const values = {
    paid_at: pp.approvedAt ? new Date(pp.approvedAt) : now,
    provider_payment_key: pp.providerKey ?? p.provider_payment_key,
    reservation_confirmed_at: reservationConfirmedAt,
  };
  // Every field of the event is known before the write (amount and ids do not change), so the
  // transition and its outbox row are one statement.
  const paidEvent = () =>
    outboxEntry('payment', EventTypes.paymentPaid, {
      ...eventBase(p, p.amount, now),
      paidAt: values.paid_at.toISOString(),
    }).row;
  let paid = await d.repo.markPaid(p.id, 'open', values, paidEvent());
  if (!paid && p.confirm_idempotency_key) {
    paid = await d.repo.markPaid(p.id, 'closed', values, paidEvent());
    if (paid)
      d.log.warn(
        { paymentId: p.id, was: { status: p.status, failureCode: p.failure_code } },
        'provider charged a payment we had closed; treating it as paid',
      );
  }
  if (!paid) return (await d.repo.byId(p.id))!;
  d.relay?.poke();
  d.metrics.status(p.method, 'paid');
  d.metrics.paid(p.method, p.amount);
  return paid;
}

/** Ends an attempt that took no money (or whose money was given back): payment.failed, lease released. */
export async function markFailed(
  d: PaymentDeps,
  p: PaymentRow,
  from: PaymentStatus[],
  to: 'failed' | 'cancelled',
  code: string,
  message: string,
): Promise<PaymentRow> {
  const now = d.clock.now();
  const row = await d.repo.transaction(async (trx) => {
    const moved = await d.repo.transition(
      p.id,
      from,
      to,
      { failure_code: code, failure_message: message.slice(0, 500) },
      trx,
    );
    if (moved) await emit(trx, EventTypes.paymentFailed, { ...eventBase(moved, moved.amount, now), code });
    return moved;
  });
  if (!row) return (await d.repo.byId(p.id))!;
  d.relay?.poke();
  d.metrics.status(p.method, to);
  await d.ticket.paymentReleased(p.reservation_id, p.id).catch((err) => {
    // The lease runs out on its own; normal expiry then applies.
    d.log.debug({ err, paymentId: p.id }, 'payment-released not delivered');
  });
  return row;
}

export type ReservationOutcome = 'confirmed' | 'expired' | 'unknown';

/** Ticket is asked to confirm the reservation for this payment (idempotent there). */
export async function confirmAtTicket(d: PaymentDeps, p: PaymentRow): Promise<ReservationOutcome> {
  try {
    await d.ticket.confirm(p.reservation_id, p.id);
    return 'confirmed';
  } catch (err) {
    if (err instanceof AppError && (err.kind === 'conflict' || err.kind === 'not_found')) return 'expired';
    d.log.warn(
      { err, paymentId: p.id },
      'reservation confirm not delivered; the reconciler and payment.paid retry',
    );
    return 'unknown';
  }
}

/**
 * A paid payment's reservation is confirmed at ticket and the confirmation recorded. `expired`:
 * the reservation is gone (expired, cancelled, or confirmed for another payment): the money goes back.
 */
export async function confirmReservation(
  d: PaymentDeps,
  p: PaymentRow,
): Promise<{ outcome: ReservationOutcome; payment?: PaymentRow }> {
  const outcome = await confirmAtTicket(d, p);
  if (outcome !== 'confirmed') return { outcome };
  const payment = await d.repo.markReservationConfirmed(p.id, d.clock.now());
  return { outcome: 'confirmed', ...(payment ? { payment } : {}) };
}

export function paymentEventBase(p: PaymentRow, amount: number, now: Date) {
  return eventBase(p, amount, now);
}
