import { useEffect } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router-dom';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { adminApi } from '../api/admin.api';
import type { AuditEntry, ReservationSeat } from '../api/types';
import { usePaymentMethodName } from '../api/payment-methods';
import { useI18n } from '../i18n/i18n.context';
import { Empty, ErrorView, Loading } from '../components/state-views';
import { ReservationStatus } from '../pages/reservation-parts';
import { CancelReservation, ReturnFee, cancellable, feeKept } from './reservation-cancel';
import { ReservationMails } from './reservation-mails';

type Seat = Partial<ReservationSeat> & {
  id: string;
  label: string;
  refunded?: boolean;
  checkedInAt?: string | null;
};

function statusOf(value: unknown): string | null {
  return value && typeof value === 'object' && typeof (value as { status?: unknown }).status === 'string'
    ? (value as { status: string }).status
    : null;
}

function HistoryItem({ entry }: { entry: AuditEntry }) {
  const { krw, dateTime } = useI18n();
  const before = statusOf(entry.before);
  const after = statusOf(entry.after);
  const detail = (entry.after ?? {}) as { reason?: string; refundedAmount?: number; refund?: string };
  return (
    <li>
      <strong>{dateTime(entry.occurredAt)}</strong> · {entry.action}
      {before && after && ` (${before} → ${after})`} · {entry.actorEmail ?? entry.actorId}
      {detail.reason && <div className="muted">“{detail.reason}”</div>}
      {typeof detail.refundedAmount === 'number' && <div className="muted">{krw(detail.refundedAmount)}</div>}
    </li>
  );
}

/** /admin/reservations/:id over the list: seats, money, payment, history, and cancel. */
export function ReservationDrawer() {
  const { id = '' } = useParams();
  const { t, krw, dateTime } = useI18n();
  const methodName = usePaymentMethodName();
  const navigate = useNavigate();
  const location = useLocation();
  const queryClient = useQueryClient();
  const close = () => navigate({ pathname: '/admin/reservations', search: location.search });
  const query = useQuery({ queryKey: ['admin', 'reservation', id], queryFn: () => adminApi.reservation(id) });
  const paymentId = query.data?.paymentId ?? null;
  // What operators did to the booking and to its payment (a refund made on the payment, a fee
  // given back), oldest first under "Booked".
  const history = useQuery({
    queryKey: ['admin', 'reservation', id, 'audit', paymentId],
    enabled: query.isSuccess,
    queryFn: async () => {
      const [own, payment] = await Promise.all([
        adminApi.audit({ targetType: 'reservation', targetId: id, limit: 50 }),
        paymentId ? adminApi.audit({ targetType: 'payment', targetId: paymentId, limit: 50 }) : null,
      ]);
      const items = [...own.items, ...(payment?.items ?? [])];
      return { items: items.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt)) };
    },
  });

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && close();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['admin', 'reservations'] });
    void queryClient.invalidateQueries({ queryKey: ['admin', 'reservation', id] });
  };
  const r = query.data;
  return (
    <aside
      className="drawer"
      role="dialog"
      aria-modal="false"
      aria-labelledby="drawer-title"
      data-testid="reservation-drawer"
    >
      <div className="page-head">
        <h2 id="drawer-title">{t('admin.reservationDetail', { id })}</h2>
        <button type="button" className="btn btn-small btn-ghost" onClick={close}>
          {t('admin.close')}
        </button>
      </div>
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <ErrorView error={query.error} onRetry={() => void query.refetch()} />
      ) : !r ? (
        <Empty />
      ) : (
        <>
          <dl className="detail-list">
            <dt>{t('admin.status')}</dt>
            <dd data-testid="drawer-status">
              <ReservationStatus status={r.status} />
            </dd>
            <dt>{t('admin.buyer')}</dt>
            <dd>
              {r.user.name} · {r.user.email}
            </dd>
            <dt>{t('admin.event')}</dt>
            <dd>
              <Link to={`/admin/events/${r.event.id}`}>{r.event.title}</Link>
            </dd>
            <dt>{t('checkout.total')}</dt>
            <dd>{krw(r.amount)}</dd>
            <dt>{t('admin.refundedAmount')}</dt>
            <dd data-testid="drawer-refunded">{krw(r.refundedAmount ?? 0)}</dd>
            {feeKept(r) > 0 && (
              <>
                <dt>{t('admin.feeKept')}</dt>
                <dd data-testid="drawer-fee-kept">{krw(feeKept(r))}</dd>
              </>
            )}
            <dt>{t('admin.payment')}</dt>
            <dd>
              {methodName(r.paymentMethod)}
              {r.paymentId && <span className="mono muted"> · {r.paymentId}</span>}
            </dd>
            <dt>{t('my.bookedAt')}</dt>
            <dd>{dateTime(r.createdAt)}</dd>
          </dl>
          {Array.isArray(r.seats) && (
            <table className="table table-compact">
              <thead>
                <tr>
                  <th>{t('seat.seat')}</th>
                  <th>{t('checkout.total')}</th>
                  <th>
                    <span className="sr-only">{t('common.actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {r.seats.map((s) => {
                  const seat = (typeof s === 'string' ? { id: s, label: s } : s) as Seat;
                  return (
                    <tr key={seat.id}>
                      <td>{seat.label}</td>
                      <td>{seat.price !== undefined ? krw(seat.price) : '-'}</td>
                      <td data-testid="drawer-seat-state">
                        {seat.refunded
                          ? t('admin.seatRefunded')
                          : seat.checkedInAt
                            ? t('pass.seatIn', { at: dateTime(seat.checkedInAt) })
                            : ''}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
          <h3>{t('admin.history')}</h3>
          <ul className="history">
            <li>
              <strong>{dateTime(r.createdAt)}</strong> · {t('admin.historyBooked')}
            </li>
            {history.data?.items.map((entry) => (
              <HistoryItem key={entry.id} entry={entry} />
            ))}
          </ul>
          {history.data && history.data.items.length === 0 && (
            <p className="muted">{t('admin.historyEmpty')}</p>
          )}
          <ReservationMails id={id} paid={r.status === 'confirmed' || r.status === 'partially_refunded'} />
          {cancellable(r.status) && <CancelReservation r={r} onDone={refresh} />}
          <ReturnFee r={r} onDone={refresh} />
        </>
      )}
    </aside>
  );
}
