import { AppError, type AuthUser } from '@tiketi/platform';
import { ProviderError, type ProviderPayment } from '../providers/provider';
import {
  adapterFor,
  confirmAtTicket,
  confirmReservation,
  markFailed,
  markPaid,
  matchesOrder,
  paymentView,
  type PaymentDeps,
  type PaymentView,
  type ReservationOutcome,
} from './payment.core';
import type { PaymentRow, PaymentStatus } from './payment.model';
import { refundPayment } from './refund.service';

export interface ConfirmBody {
  orderId: string;
  paymentKey?: string;
  pgToken?: string;
  paymentId?: string;
  amount?: number;
}

export interface ConfirmResult {
  httpStatus: 200 | 202;
  payment: PaymentView;
  reservation: { id: string; status: string };
}

export const EXPIRED_CODE = 'RESERVATION_EXPIRED';

/** Attempts not closed yet: the provider's paid moves them to paid, a refusal closes them. */
export const OPEN_STATUSES: PaymentStatus[] = ['ready', 'pending', 'needs_reconciliation'];
export const OPEN = new Set<PaymentStatus>(OPEN_STATUSES);

function providerKeyOf(method: string, body: ConfirmBody): string | undefined {
  if (method === 'kakaopay') return body.pgToken;
  if (method === 'naverpay') return body.paymentId;
  return body.paymentKey;
}

/** What a payment that already left `ready` answers to another confirm: the same result as the first. */
function outcomeOf(p: PaymentRow): ConfirmResult {
  if (p.failure_code === EXPIRED_CODE) {
    throw AppError.conflict(
      EXPIRED_CODE,
      'The reservation expired before the payment was confirmed; any charge was refunded',
      {
        payment: paymentView(p),
      },
    );
  }
  if (p.failure_code === 'AMOUNT_MISMATCH')
    throw AppError.invalid('AMOUNT_MISMATCH', 'The amount does not match the order');
  if (p.status === 'failed' || p.status === 'cancelled') {
    throw AppError.unprocessable('PAYMENT_DECLINED', p.failure_message ?? 'The payment was declined', {
      providerCode: p.failure_code,
    });
  }
  if (p.status === 'ready' || p.status === 'pending' || p.status === 'needs_reconciliation') {
    return {
      httpStatus: 202,
      payment: paymentView(p),
      reservation: { id: p.reservation_id, status: 'pending' },
    };
  }
  return {
    httpStatus: 200,
    payment: paymentView(p),
    reservation: {
      id: p.reservation_id,
      status: p.reservation_confirmed_at ? (p.status === 'paid' ? 'confirmed' : p.status) : 'pending',
    },
  };
}

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

/** Timeout, 5xx, dropped connection, "already processed": the money may have moved. Never "failed". */
async function outcomeUnknown(d: PaymentDeps, p: PaymentRow, err: ProviderError): Promise<PaymentRow> {
  d.log.warn({ err, paymentId: p.id }, 'confirm outcome unknown; needs reconciliation');
  const moved = await d.repo.transition(p.id, ['pending'], 'needs_reconciliation', {
    failure_code: err.code,
    failure_message: err.message,
  });
  if (moved) d.metrics.status(p.method, 'needs_reconciliation');
  return moved ?? (await d.repo.byId(p.id))!;
}

async function applyPaidOrUnknown(d: PaymentDeps, p: PaymentRow, pp: ProviderPayment): Promise<PaymentRow> {
  try {
    return await applyProviderPaid(d, p, pp);
  } catch (err) {
    // The mismatch cancel's outcome is unknown: the payment already waits for the reconciler.
    if (err instanceof ProviderError) return outcomeUnknown(d, p, err);
    throw err;
  }
}

/**
 * The provider refused the confirm. A refusal can race a charge made by another attempt (Naver
 * answers a second approve with a decline-like code), so the provider is asked before the payment
 * is closed: money it holds is applied as paid; a look-up that fails leaves the outcome unknown.
 */
async function declined(d: PaymentDeps, p: PaymentRow, err: ProviderError): Promise<PaymentRow> {
  let pp: ProviderPayment | null;
  try {
    pp = await lookupAtProvider(d, p);
  } catch (lookupErr) {
    d.log.warn({ err: lookupErr, paymentId: p.id }, 'look-up after a declined confirm failed');
    return outcomeUnknown(d, p, err);
  }
  if (moneyHeld(pp)) return applyPaidOrUnknown(d, p, pp);
  return markFailed(d, p, ['pending', 'needs_reconciliation'], 'failed', err.code, err.message);
}

async function callConfirm(d: PaymentDeps, p: PaymentRow): Promise<PaymentRow> {
  let pp: ProviderPayment;
  try {
    pp = await adapterFor(d, p).confirm({
      orderId: p.order_id,
      amount: p.amount,
      userId: p.user_id,
      providerRef: p.provider_ref,
      providerKey: p.provider_payment_key ?? '',
      idempotencyKey: p.confirm_idempotency_key!,
    });
    if (pp.status !== 'paid')
      throw new ProviderError('unknown', 'UNEXPECTED_STATUS', `provider answered ${pp.status}`);
  } catch (err) {
    if (!(err instanceof ProviderError)) throw err;
    return err.outcome === 'unknown' ? outcomeUnknown(d, p, err) : declined(d, p, err);
  }
  return applyPaidOrUnknown(d, p, pp);
}

/**
 * The lease on the reservation, so that it cannot expire while the provider charges; null once
 * taken. When ticket refuses (the reservation expired, was cancelled or is paid by another
 * payment), the attempt is closed and its row returned.
 */
async function lease(d: PaymentDeps, p: PaymentRow): Promise<PaymentRow | null> {
  try {
    await d.ticket.paymentStarted(p.reservation_id, p.id, d.config.PAYMENT_CONFIRM_LEASE_SECONDS);
    return null;
  } catch (err) {
    if (err instanceof AppError && (err.kind === 'conflict' || err.kind === 'not_found')) {
      const code = err.code === 'RESERVATION_NOT_PENDING' ? 'RESERVATION_NOT_PENDING' : EXPIRED_CODE;
      return markFailed(d, p, OPEN_STATUSES, 'cancelled', code, err.message);
    }
    throw err;
  }
}

/** Starts the attempt: lease on the reservation, attempt + idempotency key stored, then the provider. */
export async function attempt(
  d: PaymentDeps,
  p: PaymentRow,
  providerKey: string,
  eventCancelled?: boolean,
): Promise<PaymentRow> {
  // Known here from event.cancelled; ticket refuses such a lease too, this just skips the round trip.
  if (eventCancelled ?? (await d.repo.isEventCancelled(p.event_id))) {
    return markFailed(d, p, OPEN_STATUSES, 'cancelled', EXPIRED_CODE, 'The event was cancelled');
  }
  const refused = await lease(d, p);
  if (refused) return refused;
  const pending = await d.repo.startAttempt(
    p.id,
    p.status,
    providerKey,
    p.confirm_idempotency_key ?? `${p.id}-confirm`,
  );
  if (!pending) return (await d.repo.byId(p.id))!;
  return callConfirm(d, pending);
}

/**
 * The usual confirm: the attempt started in the statement that found the payment, then the lease,
 * then the provider. A crash between the start and the lease leaves a pending payment the provider
 * never saw: the reconciler re-sends its confirm (the lease first) or closes it.
 */
async function startedAttempt(d: PaymentDeps, pending: PaymentRow): Promise<PaymentRow> {
  const refused = await lease(d, pending);
  if (refused) return refused;
  return callConfirm(d, pending);
}

function confirmed(after: PaymentRow): ConfirmResult {
  if (after.status === 'cancelled' && after.failure_code === 'RESERVATION_NOT_PENDING') {
    throw AppError.conflict('RESERVATION_NOT_PENDING', 'The reservation is not awaiting payment');
  }
  return outcomeOf(after);
}

export async function confirmPayment(
  d: PaymentDeps,
  user: AuthUser,
  body: ConfirmBody,
): Promise<ConfirmResult> {
  const started = await d.repo.startAttemptByOrder({
    orderId: body.orderId,
    userId: user.role === 'admin' ? null : user.id,
    amount: body.amount ?? null,
    keys: {
      paymentKey: body.paymentKey ?? null,
      pgToken: body.pgToken ?? null,
      paymentId: body.paymentId ?? null,
    },
  });
  if (started) return confirmed(await startedAttempt(d, started));
  // Not the usual case: someone else's order, a second confirm, a wrong amount, a missing key, a
  // cancelled event. The payment as it is decides the answer.
  const found = await d.repo.byOrderIdWithEvent(body.orderId);
  const p = found?.payment;
  if (!p || (p.user_id !== user.id && user.role !== 'admin'))
    throw AppError.notFound('PAYMENT_NOT_FOUND', 'No such payment');
  // Paid but the reservation not yet confirmed (ticket was unreachable): finish it now, idempotently.
  if (p.status === 'paid' && !p.reservation_confirmed_at) return outcomeOf(await finishConfirmation(d, p));
  if (p.status !== 'ready') return outcomeOf(p);
  if (body.amount !== undefined && body.amount !== p.amount) {
    await markFailed(
      d,
      p,
      ['ready'],
      'cancelled',
      'AMOUNT_MISMATCH',
      `Confirm amount ${body.amount} differs from ${p.amount}`,
    );
    throw AppError.invalid('AMOUNT_MISMATCH', 'The amount does not match the order', {
      expected: p.amount,
      given: body.amount,
    });
  }
  const providerKey = providerKeyOf(p.method, body);
  if (!providerKey)
    throw AppError.invalid(
      'PROVIDER_KEY_REQUIRED',
      `Confirming a ${p.method} payment needs its provider key`,
    );
  return confirmed(await attempt(d, p, providerKey, found.eventCancelled));
}
