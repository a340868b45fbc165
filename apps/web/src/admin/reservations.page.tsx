import { useState } from 'react';
import { Link, Outlet } from 'react-router-dom';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { adminApi } from '../api/admin.api';
import type { AdminReservation } from '../api/types';
import { download } from '../api/client';
import { usePaymentMethodName } from '../api/payment-methods';
import { useI18n } from '../i18n/i18n.context';
import { QueryState, errorText } from '../components/state-views';
import { Pager, useUrlFilters } from '../components/pager';
import { CancelReservation, cancellable } from './reservation-cancel';
import { ReservationStatus } from '../pages/reservation-parts';
import type { MessageKey } from '../i18n/messages';

const STATUSES = ['pending', 'confirmed', 'expired', 'cancelled', 'refunded', 'partially_refunded'];
const PAGE_SIZE = 50;

function seatText(seats: AdminReservation['seats']): string {
  if (typeof seats === 'number') return String(seats);
  return seats.map((s) => (typeof s === 'string' ? s : s.label)).join(', ');
}

/**
 * The event filter, by title: operators know their events by name, not by id. Upcoming and recent
 * events first; an event that is not among them (a link with its id) is still offered.
 */
function EventFilter({ value, onChange }: { value: string | undefined; onChange: (id: string) => void }) {
  const { t, dateTime } = useI18n();
  const events = useQuery({
    queryKey: ['admin', 'event-choices'],
    queryFn: () => adminApi.events({ sort: 'date_desc', limit: 100 }),
    staleTime: 60_000,
  });
  const items = events.data?.items ?? [];
  return (
    <label>
      {t('admin.event')}
      <select
        className="select-event"
        value={value ?? ''}
        onChange={(e) => onChange(e.target.value)}
        data-testid="reservations-event"
      >
        <option value="">{t('admin.allEvents')}</option>
        {value && !items.some((e) => e.id === value) && <option value={value}>{value}</option>}
        {items.map((e) => (
          <option key={e.id} value={e.id}>
            {e.title} · {dateTime(e.startsAt)}
          </option>
        ))}
      </select>
    </label>
  );
}

export function AdminReservationsPage() {
  const { t, krw, dateTime } = useI18n();
  const methodName = usePaymentMethodName();
  const queryClient = useQueryClient();
  const [params, set] = useUrlFilters();
  const [exportError, setExportError] = useState<string | null>(null);
  const filters = {
    q: params.get('q') ?? undefined,
    status: params.get('status') ?? undefined,
    eventId: params.get('eventId') ?? undefined,
    from: params.get('from') ?? undefined,
    to: params.get('to') ?? undefined,
  };
  const page = Number(params.get('page') ?? 1);
  const query = useQuery({
    queryKey: ['admin', 'reservations', filters, page],
    queryFn: () => adminApi.reservations({ ...filters, page, limit: PAGE_SIZE }),
    placeholderData: keepPreviousData,
  });
  return (
    <div className="page">
      <div className="page-head">
        <h1>{t('admin.reservations')}</h1>
        <button
          type="button"
          className="btn"
          onClick={() => {
            setExportError(null);
            download('/api/admin/reservations.csv', filters, 'reservations.csv').catch((err) =>
              setExportError(errorText(err, t)),
            );
          }}
        >
          {t('admin.exportCsv')}
        </button>
      </div>
      {exportError && <p className="form-error">{exportError}</p>}
      <div className="filters">
        <input
          type="search"
          placeholder={t('admin.reservationSearch')}
          defaultValue={filters.q}
          onChange={(e) => set('q', e.target.value)}
          aria-label={t('admin.reservationSearch')}
        />
        <select
          value={filters.status ?? ''}
          onChange={(e) => set('status', e.target.value)}
          aria-label={t('admin.status')}
        >
          <option value="">{t('admin.allStatuses')}</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`rstatus.${s}` as MessageKey)}
            </option>
          ))}
        </select>
        <EventFilter value={filters.eventId} onChange={(id) => set('eventId', id)} />
        <label>
          {t('admin.bookedFrom')}
          <input type="date" value={filters.from ?? ''} onChange={(e) => set('from', e.target.value)} />
        </label>
        <label>
          {t('admin.bookedTo')}
          <input type="date" value={filters.to ?? ''} onChange={(e) => set('to', e.target.value)} />
        </label>
      </div>
      <QueryState query={query} isEmpty={(d) => d.items.length === 0}>
        {(d) => (
          <>
            <div className="table-scroll">
              <table className="table" data-testid="admin-reservations">
                <thead>
                  <tr>
                    <th>ID · {t('my.bookedAt')}</th>
                    <th>{t('admin.buyer')}</th>
                    <th>{t('admin.event')}</th>
                    <th>{t('seat.seat')}</th>
                    <th>{t('checkout.total')}</th>
                    <th>
                      {t('admin.status')} · {t('checkout.method')}
                    </th>
                    <th>
                      <span className="sr-only">{t('common.actions')}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {d.items.map((r) => (
                    <tr key={r.id}>
                      <td>
                        <span className="mono">{r.id}</span>
                        <br />
                        <span className="muted">{dateTime(r.createdAt)}</span>
                      </td>
                      <td className="cell-break">
                        {r.user.name}
                        <br />
                        <span className="muted">{r.user.email}</span>
                      </td>
                      <td className="cell-wide">{r.event.title}</td>
                      <td className="cell-wide">{seatText(r.seats)}</td>
                      <td className="cell-money">{krw(r.amount)}</td>
                      <td>
                        <ReservationStatus status={r.status} />
                        {r.paymentMethod && (
                          <>
                            <br />
                            <span className="muted">{methodName(r.paymentMethod)}</span>
                          </>
                        )}
                      </td>
                      <td>
                        <div className="actions">
                          <Link
                            className="btn btn-small"
                            to={{ pathname: `/admin/reservations/${r.id}`, search: params.toString() }}
                            data-testid={`details-${r.id}`}
                          >
                            {t('admin.details')}
                          </Link>
                          {cancellable(r.status) && (
                            <CancelReservation
                              r={r}
                              onDone={() =>
                                void queryClient.invalidateQueries({ queryKey: ['admin', 'reservations'] })
                              }
                            />
                          )}
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager page={page} total={d.total} pageSize={PAGE_SIZE} onPage={(n) => set('page', String(n))} />
          </>
        )}
      </QueryState>
      <Outlet />
    </div>
  );
}
