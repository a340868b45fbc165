import { AppError, newId, type AuthUser } from '@tiketi/platform';
import { randomBytes } from 'node:crypto';
import { DEFAULT_POLICY, quoteRefund } from '../policy/refund-policy';
import { PAYMENT_METHODS, ProviderError, type Checkout } from '../providers/provider';
import { paymentView, type PaymentDeps, type PaymentView } from './payment.core';
import type { PaymentRow } from './payment.model';
import { feeWaiver } from './refund.service';

export interface CreateBody {
  reservationId: string;
  method: string;
  successUrl?: string;
  failUrl?: string;
}

function allowedOrigins(d: PaymentDeps): Set<string> {
  const origins = [
    d.config.PUBLIC_WEB_URL,
    d.config.PUBLIC_API_URL,
    ...d.config.PAYMENT_RETURN_ORIGINS.split(','),
  ]
    .map((s) => s.trim())
    .filter(Boolean);
  const allowed = new Set(origins.map((o) => new URL(o).origin));
  if (d.config.NODE_ENV !== 'production') {
    // A developer may open the web app as localhost or 127.0.0.1: the same machine either way.
    for (const origin of [...allowed]) {
      const u = new URL(origin);
      const twin = u.hostname === 'localhost' ? '127.0.0.1' : u.hostname === '127.0.0.1' ? 'localhost' : null;
      if (twin) allowed.add(`${u.protocol}//${twin}${u.port ? `:${u.port}` : ''}`);
    }
  }
  return allowed;
}

function returnUrl(d: PaymentDeps, given: string | undefined, fallback: string, field: string): string {
  const value = given ?? `${d.config.PUBLIC_WEB_URL.replace(/\/$/, '')}${fallback}`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw AppError.invalid('INVALID_RETURN_URL', `${field} is not a URL`);
  }
  if (!allowedOrigins(d).has(url.origin))
    throw AppError.invalid('INVALID_RETURN_URL', `${field} must be on a configured origin`, { field });
  return url.toString();
}

/** Providers that append only their own token need our order id in the return URL. */
function withOrderId(url: string, orderId: string): string {
  const u = new URL(url);
  u.searchParams.set('orderId', orderId);
  return u.toString();
}

function eventCancelled(): AppError {
  return AppError.conflict('EVENT_CANCELLED', 'This event was cancelled');
}

export async function createPayment(
  d: PaymentDeps,
  user: AuthUser,
  body: CreateBody,
): Promise<{ payment: PaymentView; checkout: Checkout }> {
  if (!(PAYMENT_METHODS as readonly string[]).includes(body.method))
    throw AppError.invalid('UNKNOWN_METHOD', 'Unknown payment method');
  const adapter = d.providers.get(body.method);
  if (!adapter) throw AppError.invalid('METHOD_UNAVAILABLE', `${body.method} is not available here`);
  const successUrl = returnUrl(d, body.successUrl, '/payments/success', 'successUrl');
  const failUrl = returnUrl(d, body.failUrl, '/payments/fail', 'failUrl');

  const { reservation, event } = await d.ticket.reservation(body.reservationId).catch((err) => {
    if (err instanceof AppError && err.kind === 'not_found')
      throw AppError.notFound('RESERVATION_NOT_FOUND', 'No such reservation');
    throw err;
  });
  if (reservation.userId !== user.id) throw AppError.notFound('RESERVATION_NOT_FOUND', 'No such reservation');
  if (event.status === 'cancelled') throw eventCancelled();
  if (reservation.status !== 'pending')
    throw AppError.conflict('RESERVATION_NOT_PENDING', `The reservation is ${reservation.status}`);
  if (reservation.expiresAt && new Date(reservation.expiresAt) <= d.clock.now()) {
    throw AppError.conflict('RESERVATION_EXPIRED', 'The reservation has expired');
  }
  if (!Number.isInteger(reservation.amount) || reservation.amount <= 0)
    throw AppError.conflict('NOTHING_TO_PAY', 'The reservation has no amount due');

  const id = newId('pay');
  // Toss: ^[A-Za-z0-9_-]{6,64}$, unique per order.
  const orderId = `ord_${randomBytes(12).toString('hex')}`;
  const seatLabels = reservation.seats.map((s) => s.label).join(', ');
  const orderName =
    `${event.title} (${reservation.seats.length} seat${reservation.seats.length === 1 ? '' : 's'}: ${seatLabels})`.slice(
      0,
      100,
    );
  // The event's cancellation as payment knows it (event.cancelled) is checked by the insert itself.
  const row = await d.repo.insertReady(
    {
      id,
      order_id: orderId,
      reservation_id: reservation.id,
      event_id: reservation.eventId,
      user_id: reservation.userId,
      method: body.method,
      amount: reservation.amount,
      currency: reservation.currency ?? 'KRW',
      order_name: orderName,
      seats: JSON.stringify(reservation.seats.map((s) => ({ id: s.id, label: s.label, price: s.price }))),
      event_starts_at: new Date(event.startsAt),
      booked_at: new Date(reservation.createdAt),
      success_url: successUrl,
      fail_url: failUrl,
    },
    { id: event.refundPolicyId ?? DEFAULT_POLICY.id, fallback: JSON.stringify(DEFAULT_POLICY) },
  );
  if (!row) throw eventCancelled();
  const prepareSuccess =
    body.method === 'toss' || body.method === 'sandbox' ? successUrl : withOrderId(successUrl, orderId);
  const prepareFail =
    body.method === 'toss' || body.method === 'sandbox' ? failUrl : withOrderId(failUrl, orderId);
  let prepared;
  try {
    prepared = await adapter.prepare({
      paymentId: id,
      orderId,
      orderName,
      amount: row.amount,
      userId: user.id,
      successUrl: prepareSuccess,
      failUrl: prepareFail,
    });
  } catch (err) {
    await d.repo.transition(id, ['ready'], 'failed', {
      failure_code: err instanceof ProviderError ? err.code : 'PREPARE_FAILED',
    });
    if (err instanceof ProviderError) {
      throw new AppError(
        'bad_gateway',
        'PROVIDER_UNAVAILABLE',
        `${adapter.name} could not start the payment: ${err.message}`,
      );
    }
    throw err;
  }
  if (prepared.providerRef) await d.repo.update(id, { provider_ref: prepared.providerRef });
  d.metrics.status(body.method, 'ready');
  return { payment: paymentView(row), checkout: prepared.checkout };
}

export async function ownPayment(d: PaymentDeps, user: AuthUser, paymentId: string): Promise<PaymentRow> {
  const p = await d.repo.byId(paymentId);
  if (!p || (p.user_id !== user.id && user.role !== 'admin'))
    throw AppError.notFound('PAYMENT_NOT_FOUND', 'No such payment');
  return p;
}

/** The paid payment of a reservation (the one a cancellation refunds). */
export async function paidPaymentOf(d: PaymentDeps, reservationId: string): Promise<PaymentRow | null> {
  const all = await d.repo.byReservation(reservationId);
  // A second payment that lost the race for the reservation was refunded on its own: never pick it.
  const candidates = all.filter(
    (p) =>
      ['paid', 'partially_refunded', 'refund_pending', 'refunded'].includes(p.status) &&
      p.failure_code !== 'RESERVATION_EXPIRED',
  );
  return candidates.find((p) => p.reservation_confirmed_at) ?? candidates[0] ?? null;
}

export async function refundQuote(d: PaymentDeps, user: AuthUser, reservationId: string) {
  const p = await paidPaymentOf(d, reservationId);
  if (!p || (p.user_id !== user.id && user.role !== 'admin'))
    throw AppError.notFound('PAYMENT_NOT_FOUND', 'No paid payment for this reservation');
  const remaining = p.amount - p.refunded_amount;
  const waiver = await feeWaiver(d, p);
  const q = waiver
    ? { refundable: true, fee: 0, refundAmount: remaining, feePercent: 0 }
    : quoteRefund(p.policy.rules, remaining, p.booked_at, p.event_starts_at, d.clock.now());
  const refundable =
    q.refundable && remaining > 0 && (p.status === 'paid' || p.status === 'partially_refunded');
  return {
    refundable,
    paymentId: p.id,
    amount: remaining,
    fee: refundable ? q.fee : 0,
    refundAmount: refundable ? q.refundAmount : 0,
    feePercent: q.feePercent,
    policy: p.policy,
    feeWaived: refundable ? waiver : null,
  };
}
