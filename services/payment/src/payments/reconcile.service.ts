import type { PaymentDeps } from './payment.core';
import { markFailed, matchesOrder } from './payment.core';
import type { PaymentRow } from './payment.model';
import { attempt } from './confirm.service';
import {
  applyProviderPaid,
  confirmInFlightMs,
  finishConfirmation,
  lookupAtProvider,
  moneyHeld,
  OPEN,
  OPEN_STATUSES,
} from './provider-paid.service';

/**
 * One idempotent step towards the truth for a payment, for a webhook: the provider is asked, never
 * believed from the hint, and its answer applied through the same transitions as the redirect.
 * It never confirms: a payment whose confirm is in flight is left to that confirm, and one whose
 * confirm never reached the provider is the reconciler's.
 */
export function refreshFromProvider(d: PaymentDeps, p: PaymentRow): Promise<PaymentRow> {
  return settle(d, p, false);
}

/**
 * The reconciler's step: as a webhook's, and in addition it closes what the provider says failed
 * or the buyer abandoned, and re-sends a confirm that never reached the provider (same idempotency key).
 */
export function reconcilePayment(d: PaymentDeps, p: PaymentRow): Promise<PaymentRow> {
  return settle(d, p, true);
}

async function settle(d: PaymentDeps, p: PaymentRow, reconciler: boolean): Promise<PaymentRow> {
  if (p.status === 'paid') return finishConfirmation(d, p);
  // A closed attempt is looked at again only on a provider's word (a webhook): a late charge.
  const closedAttempt =
    (p.status === 'failed' || p.status === 'cancelled') && p.confirm_idempotency_key !== null;
  if (!OPEN.has(p.status) && !(closedAttempt && !reconciler)) return p;
  const pp = await lookupAtProvider(d, p);
  if (moneyHeld(pp)) return applyProviderPaid(d, p, pp);
  if (!OPEN.has(p.status)) return p;
  if (pp?.status === 'cancelled') {
    // Taken and given back already (a mismatch cancel whose answer was lost): nothing left to do there.
    const code = matchesOrder(p, pp) ? 'PROVIDER_CANCELLED' : 'AMOUNT_MISMATCH';
    return markFailed(d, p, OPEN_STATUSES, 'cancelled', code, 'The provider reports the payment cancelled');
  }
  const now = d.clock.now().getTime();
  if (p.status === 'ready') {
    // The buyer never came back: close the checkout (nothing was charged: the provider says so).
    if (now - p.created_at.getTime() < d.config.PAYMENT_CHECKOUT_TTL_MS) return p;
    return markFailed(
      d,
      p,
      ['ready'],
      'cancelled',
      'CHECKOUT_ABANDONED',
      'The buyer did not complete the payment',
    );
  }
  // Its confirm may still be under way at the provider (waiting on it, or given up on by us only
  // moments ago): look-ups settle it meanwhile, nothing sends it again.
  const stuckBefore = now - confirmInFlightMs(d.config);
  if (!reconciler || p.updated_at.getTime() >= stuckBefore) return p;
  if (pp?.status === 'failed')
    return markFailed(
      d,
      p,
      ['pending', 'needs_reconciliation'],
      'failed',
      'PROVIDER_FAILED',
      'The provider reports the payment failed',
    );
  if (now - p.created_at.getTime() > d.config.PAYMENT_CONFIRM_LEASE_SECONDS * 1000) {
    return markFailed(
      d,
      p,
      ['pending', 'needs_reconciliation'],
      'failed',
      'CONFIRM_ABANDONED',
      'The confirmation never completed',
    );
  }
  // The confirm never reached the provider (or its process died): claim it, so that no other pass
  // re-sends it at the same time, and re-send it with the same idempotency key.
  const claimed = p.status === 'pending' ? await d.repo.claimStuckPending(p.id, new Date(stuckBefore)) : p;
  if (!claimed) return (await d.repo.byId(p.id))!;
  return attempt(d, claimed, p.provider_payment_key ?? '');
}
