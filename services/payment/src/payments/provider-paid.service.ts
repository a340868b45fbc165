import { AppError } from '@tiketi/platform';
import { ProviderError, type ProviderPayment } from '../providers/provider';
import {
  adapterFor,
  confirmAtTicket,
  confirmReservation,
  markFailed,
  markPaid,
  matchesOrder,
  type PaymentDeps,
  type ReservationOutcome,
} from './payment.core';
import type { PaymentRow, PaymentStatus } from './payment.model';
import { refundPayment } from './refund.service';

// What follows once the provider reports a payment's money taken, whoever learnt it first: the
// confirm request, a webhook or the reconciler.

export const EXPIRED_CODE = 'RESERVATION_EXPIRED';

/** Attempts not closed yet: the provider's paid moves them to paid, a refusal closes them. */
export const OPEN_STATUSES: PaymentStatus[] = ['ready', 'pending', 'needs_reconciliation'];
export const OPEN = new Set<PaymentStatus>(OPEN_STATUSES);

/**
 * The provider says the money moved: check it against the order, record paid, confirm the
 * reservation; a mismatch is cancelled at once, an expired reservation refunded in full.
 */
export async function applyProviderPaid(
  d: PaymentDeps,
  p: PaymentRow,
  pp: ProviderPayment,
): Promise<PaymentRow> {
  if (!matchesOrder(p, pp)) {
    d.log.error(
      { paymentId: p.id, provider: pp },
      'provider payment does not match the order; cancelling it',
    );
    try {
      await adapterFor(d, p).cancel({
        orderId: p.order_id,
        providerRef: p.provider_ref,
        providerKey: pp.providerKey ?? p.provider_payment_key ?? '',
        amount: pp.totalAmount - pp.cancelledAmount,
        remainingAfter: 0,
        reason: 'Amount mismatch',
        idempotencyKey: `${p.id}-mismatch`,
      });
    } catch (err) {
      // Unknown, or refused: the money may still be taken, so the payment is not closed. The
      // reconciler meets the same mismatch on its next pass and asks for the cancel again, until
      // the provider reports the money given back.
      await d.repo.transition(p.id, ['pending', 'ready'], 'needs_reconciliation', {
        failure_code: 'AMOUNT_MISMATCH',
        failure_message: 'Provider amount differs from the order; its cancel is not done yet',
      });
      if (!(err instanceof ProviderError) || err.outcome === 'unknown') throw err;
      d.log.error(
        { paymentId: p.id, err },
        'provider refused to cancel a mismatched payment; left for reconciliation',
      );
      throw AppError.invalid('AMOUNT_MISMATCH', 'The amount does not match the order');
    }
    return markFailed(
      d,
      p,
      ['ready', 'pending', 'needs_reconciliation'],
      'cancelled',
      'AMOUNT_MISMATCH',
      'Provider amount differs from the order',
    );
  }
  // An open attempt (the confirm request's own, nearly always) asks ticket first, so that the paid
  // statement also records the confirmation: one statement instead of two. A crash in between
  // leaves a confirmed reservation whose payment is still pending: the reconciler finds the money
  // at the provider and marks it paid, and ticket answers its confirm again the same way.
  const early = OPEN.has(p.status) && !p.reservation_confirmed_at ? await confirmAtTicket(d, p) : null;
  let paid = await markPaid(d, p, pp, early === 'confirmed' ? d.clock.now() : null);
  if (paid.status !== 'paid' || paid.reservation_confirmed_at) return paid;
  // Another writer marked it paid first, without the confirmation: record ours.
  if (early === 'confirmed') return (await d.repo.markReservationConfirmed(paid.id, d.clock.now())) ?? paid;
  let outcome: ReservationOutcome | null = early;
  if (outcome === null) {
    const confirmed = await confirmReservation(d, paid);
    if (confirmed.payment) return confirmed.payment;
    outcome = confirmed.outcome;
  }
  if (outcome === 'expired') {
    await d.repo.update(paid.id, {
      failure_code: EXPIRED_CODE,
      failure_message: 'Reservation expired before confirmation',
    });
    paid = (await d.repo.byId(paid.id))!;
    if (paid.status === 'paid') {
      paid = await refundPayment(d, paid, {
        reason: 'Reservation expired before the payment was confirmed',
        actorId: null,
        mode: 'full',
        notifyTicket: false,
      });
    }
    return paid;
  }
  return (await d.repo.byId(paid.id))!;
}

/** A paid payment whose reservation is not confirmed yet (ticket was unreachable): confirm it now, idempotently. */
export async function finishConfirmation(d: PaymentDeps, p: PaymentRow): Promise<PaymentRow> {
  if (p.status !== 'paid' || p.reservation_confirmed_at) return p;
  return applyProviderPaid(d, p, {
    status: 'paid',
    providerKey: p.provider_payment_key,
    orderId: p.order_id,
    totalAmount: p.amount,
    cancelledAmount: 0,
    currency: p.currency,
    approvedAt: p.paid_at?.toISOString() ?? null,
  });
}

/** The provider holds the buyer's money for this payment (all of it, or what a partial cancel left). */
export function moneyHeld(
  pp: ProviderPayment | null,
): pp is ProviderPayment & { status: 'paid' | 'partially_cancelled' } {
  return pp !== null && (pp.status === 'paid' || pp.status === 'partially_cancelled');
}

export function lookupAtProvider(d: PaymentDeps, p: PaymentRow): Promise<ProviderPayment | null> {
  return adapterFor(d, p).lookup({
    orderId: p.order_id,
    providerRef: p.provider_ref,
    providerKey: p.provider_payment_key,
    amount: p.amount,
  });
}

/**
 * How long a confirm may legitimately stay `pending`: until then only its own request settles it
 * (webhooks and the reconciler look the payment up, never confirm it again). A live confirm waits
 * on the provider for at most the provider timeout, so a shorter PAYMENT_STUCK_PENDING_MS would
 * let a second confirm race the first.
 */
export function confirmInFlightMs(config: PaymentDeps['config']): number {
  return Math.max(config.PAYMENT_STUCK_PENDING_MS, config.PAYMENT_PROVIDER_TIMEOUT_MS + 1_000);
}
