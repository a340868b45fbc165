import { useEffect, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { useQueryClient } from '@tanstack/react-query';
import { paymentsApi } from '../api/booking.api';
import { useI18n } from '../i18n/i18n.context';
import { ErrorView, Loading } from '../components/state-views';
import { isApiError } from '../api/api-error';

/** The provider sends the buyer here (Toss-style query); confirming is idempotent on the server. */
export function PaymentSuccessPage() {
  const { t, krw } = useI18n();
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
          <Link className="btn btn-primary" to={`/my/reservations/${result.reservationId}`}>
            {t('payment.viewTicket')}
          </Link>
        </div>
      )}
    </div>
  );
}

export function PaymentFailPage() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  return (
    <div className="page page-narrow">
      <h1>{t('payment.failTitle')}</h1>
      <p className="notice notice-bad" role="alert" data-testid="payment-failed">
        {params.get('message') ?? t('payment.failed')}
        {params.get('code') ? <span className="muted"> ({params.get('code')})</span> : null}
      </p>
      <p>{t('payment.failHint')}</p>
      <Link to="/my/reservations">{t('nav.myReservations')}</Link>
    </div>
  );
}
