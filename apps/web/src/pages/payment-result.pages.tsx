import { useEffect, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { useQueryClient } from '@tanstack/react-query';
import { paymentsApi } from '../api/booking.api';
import { useAuth } from '../auth/auth.context';
import { useI18n } from '../i18n/i18n.context';
import { messages, type MessageKey } from '../i18n/messages';
import type { Locale } from '../lib/format';
import { ErrorView, Loading } from '../components/state-views';
import { isApiError } from '../api/api-error';

/** The provider sends the buyer here (Toss-style query); confirming is idempotent on the server. */
export function PaymentSuccessPage() {
  const { t, krw } = useI18n();
  const { user } = useAuth();
  const [params] = useSearchParams();
  const queryClient = useQueryClient();
  const started = useRef(false);
  const [result, setResult] = useState<{ reservationId: string; amount: number } | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const orderId = params.get('orderId') ?? '';
    const amount = params.get('amount');
    paymentsApi
      .confirm({
        orderId,
        ...(params.get('paymentKey') ? { paymentKey: params.get('paymentKey')! } : {}),
        ...(params.get('pg_token') ? { pgToken: params.get('pg_token')! } : {}),
        ...(params.get('paymentId') ? { paymentId: params.get('paymentId')! } : {}),
        ...(amount ? { amount: Number(amount) } : {}),
      })
      .then((r) => {
        setResult({ reservationId: r.reservation.id, amount: r.payment.amount });
        void queryClient.invalidateQueries({ queryKey: ['my-reservations'] });
      })
      .catch(setError);
  }, [params, queryClient]);

  return (
    <div className="page page-narrow">
      <h1>{t('payment.successTitle')}</h1>
      {error ? (
        <>
          <ErrorView error={error} />
          {isApiError(error) && error.code === 'RESERVATION_EXPIRED' && <p>{t('payment.expiredRefunded')}</p>}
          <Link to="/my/reservations">{t('nav.myReservations')}</Link>
        </>
      ) : !result ? (
        <Loading label={t('payment.confirming')} />
      ) : (
        <div className="notice notice-good" data-testid="payment-confirmed">
          <p>{t('payment.confirmed', { amount: krw(result.amount) })}</p>
          {user && <p>{t('payment.mailed', { email: user.email })}</p>}
          <Link className="btn btn-primary" to={`/my/reservations/${result.reservationId}`}>
            {t('payment.viewTicket')}
          </Link>
        </div>
      )}
    </div>
  );
}

/** The provider's reason in the reader's words where it is a known one, else as the provider gave it. */
export function failReason(locale: Locale, code: string | null, message: string | null): string | null {
  const known = code ? messages[locale][`payFail.${code}` as MessageKey] : undefined;
  return known ?? message;
}

const RESERVATION_ID = /^rsv_[A-Za-z0-9]{1,60}$/;

export function PaymentFailPage() {
  const { t, locale } = useI18n();
  const [params] = useSearchParams();
  const code = params.get('code');
  const reservationId = params.get('reservationId');
  return (
    <div className="page page-narrow">
      <h1>{t('payment.failTitle')}</h1>
      <p className="notice notice-bad" role="alert" data-testid="payment-failed">
        {failReason(locale, code, params.get('message')) ?? t('payment.failed')}
        {code ? <span className="muted"> ({code})</span> : null}
      </p>
      <p>{t('payment.failHint')}</p>
      <div className="actions">
        {reservationId && RESERVATION_ID.test(reservationId) && (
          <Link className="btn btn-primary" to={`/checkout/${reservationId}`} data-testid="retry-payment">
            {t('payment.retry')}
          </Link>
        )}
        <Link to="/my/reservations">{t('nav.myReservations')}</Link>
      </div>
    </div>
  );
}
