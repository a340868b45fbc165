import { Link, useSearchParams } from 'react-router-dom';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { adminApi } from '../api/admin.api';
import { CATEGORIES } from '../api/types';
import { venueOf } from '../api/events.api';
import { useI18n } from '../i18n/i18n.context';
import { QueryState } from '../components/state-views';
import { StatusBadge } from '../components/event-card';
import type { MessageKey } from '../i18n/messages';

const STATUSES = ['draft', 'scheduled', 'on_sale', 'sold_out', 'sale_closed', 'ended', 'cancelled'];

export function AdminEventsPage() {
  const { t, dateTime, num } = useI18n();
  const [params, setParams] = useSearchParams();
  const filters = {
    q: params.get('q') ?? undefined,
    status: params.get('status') ?? undefined,
    category: params.get('category') ?? undefined,
    page: Number(params.get('page') ?? 1),
    limit: 50,
  };
  const query = useQuery({
    queryKey: ['admin', 'events', filters],
    queryFn: () => adminApi.events(filters),
    placeholderData: keepPreviousData,
  });
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    next.delete('page');
    setParams(next, { replace: true });
  };
  return (
    <div className="page">
      <div className="page-head">
        <h1>{t('admin.events')}</h1>
        <Link to="/admin/events/new" className="btn btn-primary" data-testid="new-event">
          {t('admin.newEvent')}
        </Link>
      </div>
      <div className="filters">
        <input
          type="search"
          placeholder={t('search.placeholder')}
          defaultValue={filters.q}
          onChange={(e) => set('q', e.target.value)}
          aria-label={t('search.keyword')}
        />
        <select
          value={filters.status ?? ''}
          onChange={(e) => set('status', e.target.value)}
          aria-label={t('admin.status')}
        >
          <option value="">{t('admin.allStatuses')}</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`status.${s}` as MessageKey)}
            </option>
          ))}
        </select>
        <select
          value={filters.category ?? ''}
          onChange={(e) => set('category', e.target.value)}
          aria-label={t('search.category')}
        >
          <option value="">{t('search.allCategories')}</option>
          {CATEGORIES.map((c) => (
            <option key={c} value={c}>
              {t(`category.${c}` as MessageKey)}
            </option>
          ))}
        </select>
      </div>
      <QueryState query={query} isEmpty={(d) => d.items.length === 0}>
        {(d) => (
          <table className="table" data-testid="admin-events">
            <thead>
              <tr>
                <th>{t('admin.title')}</th>
                <th>{t('admin.status')}</th>
                <th>{t('event.when')}</th>
                <th>{t('event.where')}</th>
                <th>{t('event.available')}</th>
              </tr>
            </thead>
            <tbody>
              {d.items.map((e) => (
                <tr key={e.id}>
                  <td>
                    <Link to={`/admin/events/${e.id}`}>{e.title}</Link>
                  </td>
                  <td>
                    <StatusBadge status={e.status} />
                  </td>
                  <td>{dateTime(e.startsAt)}</td>
                  <td>{venueOf(e)}</td>
                  <td>
                    {num(e.seatsAvailable)} / {num(e.seatsTotal)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
    </div>
  );
}
