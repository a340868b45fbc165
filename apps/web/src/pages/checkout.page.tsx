import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { bookingApi, paymentsApi } from '../api/booking.api';
import { paymentMethodName } from '../api/payment-methods';
import type { Checkout } from '../api/types';
import { useI18n } from '../i18n/i18n.context';
import { QueryState, errorText } from '../components/state-views';
import { Countdown } from '../components/countdown';
import { useNow } from '../lib/use-now';
import { ReservationSeats } from './reservation-parts';

declare global {
  interface Window {
    TossPayments?: (clientKey: string) => {
      requestPayment(method: string, params: Record<string, unknown>): Promise<void>;
    };
  }
}

function loadScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (document.querySelector(`script[src="${src}"]`)) return resolve();
    const s = document.createElement('script');
    s.src = src;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error(`failed to load ${src}`));
    document.head.appendChild(s);
  });
}

/** Hands the buyer to the provider: a plain redirect, or Toss's client SDK. */
async function startCheckout(checkout: Checkout): Promise<void> {
  if (checkout.type === 'toss' && checkout.clientKey) {
    await loadScript('https://js.tosspayments.com/v1/payment');
    const toss = window.TossPayments?.(checkout.clientKey);
    if (!toss) throw new Error('Toss SDK unavailable');
    await toss.requestPayment('카드', {
      amount: checkout.amount,
      orderId: checkout.orderId,
      orderName: checkout.orderName,
      customerKey: checkout.customerKey,
      successUrl: checkout.successUrl,
      failUrl: checkout.failUrl,
    });
    return;
  }
  if (checkout.url) {
    window.location.assign(checkout.url);
    return;
  }
  throw new Error('unsupported checkout');
}

export function CheckoutPage() {
  const { reservationId = '' } = useParams();
  const { t, krw, dateTime, locale } = useI18n();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const now = useNow();
  const reservation = useQuery({
    queryKey: ['reservation', reservationId],
    queryFn: () => bookingApi.reservation(reservationId),
  });
  const methods = useQuery({
    queryKey: ['payment-methods'],
    queryFn: paymentsApi.methods,
    staleTime: 60_000,
  });
  const [method, setMethod] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const enabled = methods.data?.filter((m) => m.enabled) ?? [];
    if (!method && enabled[0]) setMethod(enabled[0].method);
  }, [methods.data, method]);

  const pay = async () => {
    setBusy(true);
    setError(null);
    try {
      const { checkout } = await paymentsApi.create(reservationId, method);
      await startCheckout(checkout);
    } catch (err) {
      setError(errorText(err, t));
      setBusy(false);
    }
  };

  const release = async () => {
    setBusy(true);
    try {
      await bookingApi.cancel(reservationId);
      await queryClient.invalidateQueries({ queryKey: ['my-reservations'] });
      navigate(-1);
    } catch (err) {
      setError(errorText(err, t));
      setBusy(false);
    }
  };

  return (
    <div className="page page-narrow">
      <h1>{t('checkout.title')}</h1>
      <QueryState query={reservation}>
        {(r) => {
          const expired =
            r.status === 'expired' ||
            (r.status === 'pending' && !!r.expiresAt && new Date(r.expiresAt).getTime() <= now);
          return (
            <div className="checkout">
              {r.status === 'pending' && !expired && (
                <p className="hold-timer" data-testid="hold-timer">
                  {t('checkout.holdEndsIn')} <Countdown to={r.expiresAt} className="big-timer" />
                </p>
              )}
              {expired && (
                <p className="notice notice-bad" role="alert">
                  {t('checkout.expired')}{' '}
                  <Link to={`/events/${r.eventId}/seats`}>{t('checkout.pickAgain')}</Link>
                </p>
              )}
              {r.status !== 'pending' && !expired && (
                <p className="notice">
                  {t('checkout.notPending', { status: t(`rstatus.${r.status}`) })}{' '}
                  <Link to={`/my/reservations/${r.id}`}>{t('checkout.viewReservation')}</Link>
                </p>
              )}
              <section className="summary">
                <h2>{t('checkout.summary')}</h2>
                <p>
                  <strong>{r.event?.title ?? r.eventTitle}</strong>
                  <br />
                  <span className="muted">{dateTime(r.event?.startsAt ?? r.eventStartsAt)}</span>
                </p>
                <ReservationSeats seats={r.seats} />
                <p className="total">
                  {t('checkout.total')} <strong data-testid="checkout-total">{krw(r.amount)}</strong>
                </p>
              </section>
              {r.status === 'pending' && !expired && (
                <section>
                  <h2>{t('checkout.method')}</h2>
                  <QueryState
                    query={methods}
                    isEmpty={(m) => !m.some((x) => x.enabled)}
                    empty={t('checkout.noMethods')}
                  >
                    {(list) => (
                      <div className="methods" role="radiogroup" aria-label={t('checkout.method')}>
                        {list
                          .filter((m) => m.enabled)
                          .map((m) => (
                            <label
                              key={m.method}
                              className={`method${method === m.method ? ' method-active' : ''}`}
                            >
                              <input
                                type="radio"
                                name="method"
                                value={m.method}
                                checked={method === m.method}
                                onChange={() => setMethod(m.method)}
                              />
                              {paymentMethodName(locale, m.method, m.name)}
                            </label>
                          ))}
                      </div>
                    )}
                  </QueryState>
                  {error && (
                    <p className="form-error" role="alert">
                      {error}
                    </p>
                  )}
                  <div className="actions">
                    <button
                      type="button"
                      className="btn btn-primary btn-large"
                      disabled={!method || busy}
                      onClick={pay}
                      data-testid="pay"
                    >
                      {t('checkout.pay', { amount: krw(r.amount) })}
                    </button>
                    <button type="button" className="btn btn-ghost" disabled={busy} onClick={release}>
                      {t('checkout.release')}
                    </button>
                  </div>
                </section>
              )}
            </div>
          );
        }}
      </QueryState>
    </div>
  );
}
