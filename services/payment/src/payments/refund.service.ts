import { AppError, newId } from '@tiketi/platform';
import { EventTypes } from '@tiketi/contracts';
import { ProviderError } from '../providers/provider';
import { quoteRefund } from '../policy/refund-policy';
import { adapterFor, emit, paymentEventBase, type PaymentDeps } from './payment.core';
import type { PaymentRow, RefundRow } from './payment.model';

export interface RefundRequest {
  amount?: number;
  seatIds?: string[];
  reason: string;
  actorId: string | null;
  actorEmail?: string;
  /** policy: the buyer's cancellation, fee per the snapshotted policy; full: no fee. */
  mode: 'policy' | 'full';
  /** Tell the ticket service to return the seats (not when the reservation never got confirmed). */
  notifyTicket: boolean;
  /** An operator acted: record it in the audit log. */
  audit?: boolean;
}

export interface RefundPlan {
  base: number;
  fee: number;
  refundAmount: number;
  full: boolean;
  seatIds: string[] | null;
}

/** What a refund would give back now; throws when it is not allowed. */
export function planRefund(
  d: PaymentDeps,
  p: PaymentRow,
  req: Pick<RefundRequest, 'amount' | 'seatIds' | 'mode'>,
): RefundPlan {
  const remaining = p.amount - p.refunded_amount;
  const remainingSeats = p.seats.filter((s) => !p.refunded_seat_ids.includes(s.id));
  let base = remaining;
  let seatIds: string[] | null = null;
  let full = true;
  if (req.seatIds && req.seatIds.length > 0) {
    const unique = [...new Set(req.seatIds)];
    const seats = unique.map((id) => remainingSeats.find((s) => s.id === id));
    if (seats.some((s) => !s))
      throw AppError.invalid(
        'SEAT_NOT_REFUNDABLE',
        'A seat is not part of this payment or was already refunded',
      );
    base = seats.reduce((sum, s) => sum + s!.price, 0);
    full = unique.length === remainingSeats.length;
    seatIds = full ? null : unique;
  } else if (req.amount !== undefined) {
    base = req.amount;
    full = req.amount >= remaining;
  }
  if (base > remaining)
    throw AppError.invalid('REFUND_EXCEEDS_PAID', `At most ${remaining} KRW can be refunded`, { remaining });
  if (base <= 0) throw AppError.invalid('NOTHING_TO_REFUND', 'Nothing left to refund');
  let fee = 0;
  if (req.mode === 'policy') {
    const quote = quoteRefund(p.policy.rules, base, p.booked_at, p.event_starts_at, d.clock.now());
    if (!quote.refundable)
      throw AppError.conflict('REFUND_NOT_ALLOWED', 'The refund policy allows no refund any more', {
        policy: p.policy.id,
      });
    fee = quote.fee;
  }
  return { base, fee, refundAmount: base - fee, full, seatIds };
}

/**
 * Why the organiser, not the buyer, pays for a cancellation. A cancelled event gives everything
 * back: a buyer who cancels such a booking before its refund reaches them (the fact, then a run
 * over the event's payments) pays no fee either, even on the day of the show. An event moved to
 * another time or venue after the buyer paid lets them cancel without a fee until it begins (the
 * Korean consumer-dispute standard for performances changed by the organiser).
 */
export async function feeWaiver(d: PaymentDeps, p: PaymentRow): Promise<FeeWaiver | null> {
  if (await d.cancelledEvents.has(p.event_id)) return 'event_cancelled';
  const committedAt = p.paid_at ?? p.booked_at;
  if (await d.changedEvents.changedSince(p.event_id, committedAt, d.clock.now())) return 'event_changed';
  return null;
}

export type FeeWaiver = 'event_cancelled' | 'event_changed';

export async function refundMode(
  d: PaymentDeps,
  p: PaymentRow,
  mode: RefundRequest['mode'],
): Promise<RefundRequest['mode']> {
  return mode === 'policy' && (await feeWaiver(d, p)) ? 'full' : mode;
}

/**
 * Whether a refund may start from the payment as read. A payment refunded with a cancellation fee
 * still holds that fee: only a refund without one gives it back (the organiser cancelled the
 * event after the buyer had cancelled, or an operator's goodwill), never the buyer's own.
 */
export function refundable(
  p: Pick<PaymentRow, 'status' | 'amount' | 'refunded_amount'>,
  mode: RefundRequest['mode'],
): boolean {
  if (p.status === 'paid' || p.status === 'partially_refunded') return true;
  return p.status === 'refunded' && mode === 'full' && p.refunded_amount < p.amount;
}

/**
 * Where a payment's finished refunds leave it (a refund that ends without money moving puts it
 * back there): the rule completeRefund writes, read back from the figures it wrote.
 */
export function settledStatus(
  p: Pick<PaymentRow, 'amount' | 'refunded_amount' | 'seats' | 'refunded_seat_ids'>,
): 'paid' | 'partially_refunded' | 'refunded' {
  if (p.refunded_amount === 0 && p.refunded_seat_ids.length === 0) return 'paid';
  const everySeat = p.seats.every((s) => p.refunded_seat_ids.includes(s.id));
  return everySeat || p.refunded_amount >= p.amount ? 'refunded' : 'partially_refunded';
}

/**
 * paid|partially_refunded|refunded with a fee kept -> refund_pending (refund row and its idempotency key stored first) ->
 * provider cancel -> refunded|partially_refunded. An unknown outcome stays refund_pending for the
 * reconciler, which looks the payment up before trying again.
 */
export async function refundPayment(d: PaymentDeps, p: PaymentRow, req: RefundRequest): Promise<PaymentRow> {
  if (!refundable(p, req.mode)) {
    throw AppError.conflict('NOT_REFUNDABLE', `A ${p.status} payment cannot be refunded`, {
      status: p.status,
    });
  }
  const plan = planRefund(d, p, { ...req, mode: await refundMode(d, p, req.mode) });
  const refund = await d.repo.transaction(async (trx) => {
    const moved = await d.repo.startRefund(p, trx);
    if (!moved) return null;
    const id = newId('rfd');
    return d.refunds.insert(
      {
        id,
        payment_id: p.id,
        status: 'pending',
        amount: plan.refundAmount,
        fee: plan.fee,
        full: plan.full,
        seat_ids: plan.seatIds ? JSON.stringify(plan.seatIds) : null,
        reason: req.reason.slice(0, 500),
        actor_id: req.actorId,
        idempotency_key: `${id}-cancel`,
        // A buyer's own refund (by policy) may not take a ticket the gate admitted; an operator's may.
        used_ticket_ok: req.mode !== 'policy',
      },
      trx,
    );
  });
  if (!refund)
    throw AppError.conflict(
      'REFUND_IN_PROGRESS',
      'This payment is not refundable now (a refund may be in progress)',
    );
  return executeRefund(d, p, refund, req);
}

/** Sends (or re-sends) a stored refund to the provider and records the outcome. */
export async function executeRefund(
  d: PaymentDeps,
  p: PaymentRow,
  refund: RefundRow,
  req: Pick<RefundRequest, 'notifyTicket' | 'audit' | 'actorEmail'> & { resumed?: boolean },
): Promise<PaymentRow> {
  if (!(await claimTicket(d, p, refund, req.resumed ?? false))) return (await d.repo.byId(p.id))!;
  const adapter = adapterFor(d, p);
  const expectedCancelled = p.refunded_amount + refund.amount;
  try {
    // A retry first asks whether the earlier attempt went through (Kakao and Naver have no idempotency key).
    const before =
      refund.amount === 0
        ? null
        : await adapter.lookup({
            orderId: p.order_id,
            providerRef: p.provider_ref,
            providerKey: p.provider_payment_key,
            amount: p.amount,
          });
    if (refund.amount > 0 && !(before && before.cancelledAmount >= expectedCancelled)) {
      await adapter.cancel({
        orderId: p.order_id,
        providerRef: p.provider_ref,
        providerKey: p.provider_payment_key ?? p.provider_ref ?? '',
        amount: refund.amount,
        remainingAfter: p.amount - expectedCancelled,
        reason: refund.reason,
        idempotencyKey: refund.idempotency_key,
      });
    }
  } catch (err) {
    if (err instanceof ProviderError && err.outcome !== 'unknown') {
      await abandonRefund(d, p, refund, 'provider_refused');
      if (p.reservation_confirmed_at)
        await d.ticket.releaseRefundClaim(p.reservation_id, refund.id).catch((releaseErr: unknown) => {
          // The gate asks payment about a claim it finds, and ends one whose refund failed.
          d.log.warn(
            { err: releaseErr, refundId: refund.id },
            'refund claim not released; the gate will ask',
          );
        });
      throw new AppError(
        'bad_gateway',
        'REFUND_REJECTED',
        `The provider refused the refund: ${err.message}`,
        { details: { providerCode: err.code } },
      );
    }
    d.log.warn(
      { err, paymentId: p.id, refundId: refund.id },
      'refund outcome unknown; the reconciler will settle it',
    );
    return (await d.repo.byId(p.id))!;
  }
  return completeRefund(d, p, refund, req);
}

/**
 * The refund ends without money moving: the payment is back where it was. One the provider
 * refused stays on record as failed (the cancelled-event sweep backs off from a refusing
 * provider by counting them); one stopped before the provider was asked leaves no row.
 */
async function abandonRefund(
  d: PaymentDeps,
  p: PaymentRow,
  refund: RefundRow,
  asked: 'provider_refused' | 'never_asked',
): Promise<void> {
  const previous = settledStatus(p);
  await d.repo.transaction(async (trx) => {
    if (asked === 'provider_refused') await d.refunds.finish(refund.id, 'failed', trx);
    else await d.refunds.discard(refund.id, trx);
    await d.repo.transition(p.id, ['refund_pending'], previous, {}, trx);
  });
}

/**
 * A ticket the venue's gate could admit is claimed before the provider is asked for its money:
 * from then the gate refuses it until the refund is reported, so nobody walks in on a ticket
 * whose money is on its way back, and a buyer's refund of a ticket the gate admitted first is
 * refused (409 TICKET_USED; an operator can still refund it). True when the refund may go on.
 * Ticket unreachable: a new request fails and leaves nothing behind; the reconciler's retry stays
 * pending for its next pass.
 */
async function claimTicket(
  d: PaymentDeps,
  p: PaymentRow,
  refund: RefundRow,
  resumed: boolean,
): Promise<boolean> {
  // A reservation never confirmed has no pass to claim (an expired hold's charge going back), and
  // the gate admits nobody to a cancelled event: its refunds need no claim, nor ticket to answer.
  if (!p.reservation_confirmed_at || (await d.cancelledEvents.has(p.event_id))) return true;
  try {
    await d.ticket.claimForRefund(p.reservation_id, refund.id, refund.used_ticket_ok);
    return true;
  } catch (err) {
    if (err instanceof AppError && err.code === 'RESERVATION_NOT_FOUND') return true;
    const refused = err instanceof AppError && err.kind === 'conflict';
    if (!resumed || refused) {
      await abandonRefund(d, p, refund, 'never_asked');
      throw err;
    }
    d.log.warn(
      { err, paymentId: p.id, refundId: refund.id },
      'ticket not claimed for the refund; the reconciler will retry',
    );
    return false;
  }
}

async function completeRefund(
  d: PaymentDeps,
  p: PaymentRow,
  refund: RefundRow,
  req: Pick<RefundRequest, 'notifyTicket' | 'audit' | 'actorEmail'>,
): Promise<PaymentRow> {
  const now = d.clock.now();
  const refundedSeats = refund.full
    ? p.seats.map((s) => s.id)
    : [...p.refunded_seat_ids, ...(refund.seat_ids ?? [])];
  const refundedAmount = p.refunded_amount + refund.amount;
  const status = refund.full || refundedAmount >= p.amount ? 'refunded' : 'partially_refunded';
  // An operator's amount without seats returns money only: every seat stays sold.
  const scope = status === 'refunded' ? 'all' : refund.seat_ids ? 'seats' : 'money';
  const done = await d.repo.transaction(async (trx) => {
    if (!(await d.refunds.finish(refund.id, 'done', trx))) return null;
    const row = await d.repo.transition(
      p.id,
      ['refund_pending'],
      status,
      {
        refunded_amount: refundedAmount,
        // The fee kept is money still held: a later refund without a fee (the event cancelled) gives it back.
        fee_amount: Math.min(p.fee_amount + refund.fee, p.amount - refundedAmount),
        refunded_seat_ids: JSON.stringify([...new Set(refundedSeats)]),
      },
      trx,
    );
    if (!row) return null;
    // Every refund is a fact (stats counts its amount). A money-only one says so explicitly, with
    // seatIds [] as well: a consumer that predates `scope` must not read it as "all seats back".
    await emit(trx, EventTypes.paymentRefunded, {
      ...paymentEventBase(row, refund.amount, now),
      refundedTotal: refundedAmount,
      fee: refund.fee,
      status,
      scope,
      refundId: refund.id,
      ...(scope === 'seats' ? { seatIds: refund.seat_ids! } : scope === 'money' ? { seatIds: [] } : {}),
    });
    if (req.audit && refund.actor_id) {
      await emit(trx, EventTypes.auditRecorded, {
        actorId: refund.actor_id,
        ...(req.actorEmail ? { actorEmail: req.actorEmail } : {}),
        action: 'payment.refund',
        targetType: 'payment',
        targetId: p.id,
        before: { status: p.status, refundedAmount: p.refunded_amount },
        after: {
          status,
          refundedAmount,
          amount: refund.amount,
          fee: refund.fee,
          seatIds: refund.seat_ids,
          reason: refund.reason,
        },
        occurredAt: now.toISOString(),
      });
    }
    return row;
  });
  if (!done) return (await d.repo.byId(p.id))!;
  d.relay?.poke();
  d.metrics.status(p.method, status);
  if (req.notifyTicket && p.reservation_confirmed_at) {
    await d.ticket
      .refunded(p.reservation_id, p.id, refund.amount, {
        ...(scope === 'money' ? { scope } : { seatIds: refund.seat_ids ?? undefined }),
        refundedTotal: refundedAmount,
        refundId: refund.id,
      })
      .catch((err) => {
        d.log.warn({ err, paymentId: p.id }, 'ticket refunded call failed; payment.refunded carries it');
      });
  }
  return done;
}

/** The reconciler's step for a payment stuck in refund_pending. */
export async function resumeRefund(d: PaymentDeps, p: PaymentRow): Promise<PaymentRow> {
  const refund = await d.refunds.pending(p.id);
  if (!refund) {
    // The refund row finished but the payment did not move: put it back where the refunds say.
    return (await d.repo.transition(p.id, ['refund_pending'], settledStatus(p))) ?? p;
  }
  return executeRefund(d, p, refund, { notifyTicket: true, resumed: true });
}
