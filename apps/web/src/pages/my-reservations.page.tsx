import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { bookingApi, paymentsApi } from '../api/booking.api';
import type { RefundQuote, Reservation } from '../api/types';
import { useI18n } from '../i18n/i18n.context';
import { namedById } from '../i18n/messages';
import { Empty, ErrorView, Loading, QueryState, errorText } from '../components/state-views';
import { PaymentFacts, ReservationSeats, ReservationStatus } from './reservation-parts';
import { EntryPassPanel } from './entry-pass';
import { SaleAlertList } from '../components/sale-alert';
import { ReturnAlertList } from '../components/return-alert';

function startsAt(r: Reservation): string | undefined {
  return r.event?.startsAt ?? r.eventStartsAt;
}

function ReservationRow({ r }: { r: Reservation }) {
  const { t, krw, dateTime } = useI18n();
  return (
    <li className="reservation-row" data-testid="reservation-row">
      <Link to={`/my/reservations/${r.id}`}>
        <strong>{r.event?.title ?? r.eventTitle ?? r.eventId}</strong>
      </Link>
      <span className="muted">{dateTime(startsAt(r))}</span>
      <span>{t('my.seatCount', { n: r.seats.length })}</span>
      <span>{krw(r.amount)}</span>
      <ReservationStatus status={r.status} />
      {r.event?.status === 'cancelled' && (
        <span className="badge badge-cancelled" data-testid="event-cancelled-badge">
          {t('my.eventCancelledBadge')}
        </span>
      )}
    </li>
  );
}

export function MyReservationsPage() {
  const { t } = useI18n();
  const query = useQuery({ queryKey: ['my-reservations'], queryFn: bookingApi.my });
  return (
    <div className="page">
      <h1>{t('my.title')}</h1>
      <QueryState
        query={query}
        isEmpty={(d) => d.items.length === 0}
        empty={
          <>
            {t('my.empty')} <Link to="/">{t('my.browse')}</Link>
          </>
        }
      >
        {(data) => {
          const now = Date.now();
          const upcoming = data.items.filter((r) => !startsAt(r) || new Date(startsAt(r)!).getTime() >= now);
          const past = data.items.filter((r) => startsAt(r) && new Date(startsAt(r)!).getTime() < now);
          return (
            <>
              <section>
                <h2>{t('my.upcoming')}</h2>
                {upcoming.length ? (
                  <ul className="reservation-list">
                    {upcoming.map((r) => (
                      <ReservationRow key={r.id} r={r} />
                    ))}
                  </ul>
                ) : (
                  <Empty />
                )}
              </section>
              <section>
                <h2>{t('my.past')}</h2>
                {past.length ? (
                  <ul className="reservation-list">
                    {past.map((r) => (
                      <ReservationRow key={r.id} r={r} />
                    ))}
                  </ul>
                ) : (
                  <Empty />
                )}
              </section>
            </>
          );
        }}
      </QueryState>
      <SaleAlertList />
      <ReturnAlertList />
    </div>
  );
}

/** Shows what the policy refunds before the buyer confirms, then cancels. */
function CancelPanel({ r, onDone }: { r: Reservation; onDone: () => void }) {
  const { t, krw, locale } = useI18n();
  const [quote, setQuote] = useState<RefundQuote | null>(null);
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const paid = r.status === 'confirmed';

  const ask = async () => {
    setError(null);
    setAsking(true);
    if (paid) {
      try {
        setQuote(await paymentsApi.refundQuote(r.id));
      } catch (err) {
        setError(errorText(err, t));
      }
    }
  };
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await bookingApi.cancel(r.id);
      setAsking(false);
      onDone();
    } catch (err) {
      setError(errorText(err, t));
    } finally {
      setBusy(false);
    }
  };

  if (!asking)
    return (
      <button type="button" className="btn btn-danger" onClick={ask} data-testid="cancel-reservation">
        {paid ? t('my.cancelAndRefund') : t('my.cancelHold')}
      </button>
    );
  return (
    <div className="confirm-box" role="dialog" aria-label={t('my.cancelTitle')}>
      <h3>{t('my.cancelTitle')}</h3>
      {paid && !quote && !error && <Loading />}
      {quote && (
        <dl className="facts" data-testid="refund-quote">
          <dt>{t('my.paid')}</dt>
          <dd>{krw(quote.amount)}</dd>
          <dt>{t('my.fee')}</dt>
          <dd>{krw(quote.fee)}</dd>
          <dt>{t('my.refund')}</dt>
          <dd>
            <strong data-testid="refund-amount">{krw(quote.refundAmount)}</strong>
          </dd>
          {quote.policy && (
            <>
              <dt>{t('my.policy')}</dt>
              <dd>{namedById(locale, 'refundPolicy', quote.policy.id, quote.policy.name)}</dd>
            </>
          )}
        </dl>
      )}
      {quote?.feeWaived && (
        <p className="notice notice-good" data-testid="fee-waived">
          {t(quote.feeWaived === 'event_changed' ? 'my.feeWaivedChanged' : 'my.feeWaivedCancelled')}
        </p>
      )}
      {quote && !quote.refundable && <p className="notice notice-bad">{t('my.notRefundable')}</p>}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button
          type="button"
          className="btn btn-danger"
          disabled={busy || (paid && (!quote || !quote.refundable))}
          onClick={confirm}
          data-testid="confirm-cancel"
        >
          {t('my.confirmCancel')}
        </button>
        <button type="button" className="btn btn-ghost" onClick={() => setAsking(false)}>
          {t('common.back')}
        </button>
      </div>
    </div>
  );
}

export function ReservationDetailPage() {
  const { id = '' } = useParams();
  const { t, krw, dateTime } = useI18n();
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: ['reservation', id], queryFn: () => bookingApi.reservation(id) });
  if (query.isPending)
    return (
      <div className="page">
        <Loading />
      </div>
    );
  if (query.isError)
    return (
      <div className="page">
        <ErrorView error={query.error} onRetry={() => void query.refetch()} />
      </div>
    );
  const r = query.data;
  const eventCancelled = r.event?.status === 'cancelled';
  return (
    <div className="page page-narrow">
      <p>
        <Link to="/my/reservations">← {t('my.title')}</Link>
      </p>
      <h1>{r.event?.title ?? r.eventTitle ?? t('my.reservation')}</h1>
      {/* First on the page: at the venue the buyer opens this to show the code. */}
      {(r.status === 'confirmed' || r.status === 'partially_refunded') && !eventCancelled && (
        <EntryPassPanel r={r} />
      )}
      <div className="ticket" data-testid="ticket">
        <p>
          <ReservationStatus status={r.status} /> <span className="muted mono break-anywhere">{r.id}</span>
        </p>
        <dl className="facts">
          <dt>{t('event.when')}</dt>
          <dd>{dateTime(startsAt(r))}</dd>
          <dt>{t('event.where')}</dt>
          <dd>{r.event?.venueName ?? r.event?.venue ?? r.venueName ?? '-'}</dd>
          <dt>{t('my.bookedAt')}</dt>
          <dd>{dateTime(r.createdAt)}</dd>
          <dt>{t('checkout.total')}</dt>
          <dd>{krw(r.amount)}</dd>
          {r.paymentId && <PaymentFacts paymentId={r.paymentId} />}
          {r.refundedAmount ? (
            <>
              <dt>{t('my.refund')}</dt>
              <dd data-testid="refunded-amount">{krw(r.refundedAmount)}</dd>
            </>
          ) : null}
          {r.status === 'refunded' && (r.refundedAmount ?? 0) < r.amount ? (
            <>
              <dt>{t('my.fee')}</dt>
              <dd data-testid="fee-kept">{krw(r.amount - (r.refundedAmount ?? 0))}</dd>
            </>
          ) : null}
        </dl>
        <ReservationSeats seats={r.seats} />
      </div>
      {eventCancelled && r.status !== 'cancelled' && r.status !== 'expired' && (
        <p className="notice notice-bad" data-testid="event-cancelled-notice">
          {r.status === 'pending' ? t('event.cancelled') : t('my.eventCancelled')}
        </p>
      )}
      {r.status === 'pending' && !eventCancelled && (
        <p>
          <Link className="btn btn-primary" to={`/checkout/${r.id}`}>
            {t('my.payNow')}
          </Link>
        </p>
      )}
      {/* The organiser's cancellation refunds it (and closes a hold) without the buyer. */}
      {(r.status === 'pending' || r.status === 'confirmed') && !eventCancelled && !r.checkedInAt && (
        <CancelPanel
          r={r}
          onDone={() => {
            void queryClient.invalidateQueries({ queryKey: ['reservation', id] });
            void queryClient.invalidateQueries({ queryKey: ['my-reservations'] });
            void queryClient.invalidateQueries({ queryKey: ['payment'] });
          }}
        />
      )}
    </div>
  );
}
