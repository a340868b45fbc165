import { AppError, type AuthUser } from '@tiketi/platform';
import { ProviderError, type ProviderPayment } from '../providers/provider';
import { adapterFor, markFailed, paymentView, type PaymentDeps, type PaymentView } from './payment.core';
import type { PaymentRow } from './payment.model';
import {
  applyProviderPaid,
  EXPIRED_CODE,
  finishConfirmation,
  lookupAtProvider,
  moneyHeld,
  OPEN_STATUSES,
} from './provider-paid.service';

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
  if (eventCancelled ?? (await d.cancelledEvents.has(p.event_id))) {
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
