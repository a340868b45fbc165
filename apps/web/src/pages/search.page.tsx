import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { eventsApi, type EventQuery } from '../api/events.api';
import { CATEGORIES } from '../api/types';
import { useI18n } from '../i18n/i18n.context';
import { EventGrid } from '../components/event-card';
import { Pager } from '../components/pager';
import { QueryState } from '../components/state-views';
import type { MessageKey } from '../i18n/messages';

const PAGE_SIZE = 20;

function dayStart(day: string): string | undefined {
  const d = new Date(`${day}T00:00:00+09:00`);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}
function dayEnd(day: string): string | undefined {
  const d = new Date(`${day}T23:59:59.999+09:00`);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** Every filter lives in the URL, so a search can be shared and survives reload/back. */
export function SearchPage() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const [keyword, setKeyword] = useState(params.get('q') ?? '');
  const [venue, setVenue] = useState(params.get('venue') ?? '');

  const update = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    if (!('page' in changes)) next.delete('page');
    setParams(next, { replace: true });
  };

  // Results as you type: the URL follows the input after a short pause.
  useEffect(() => {
    const timer = setTimeout(() => {
      if ((params.get('q') ?? '') !== keyword.trim() || (params.get('venue') ?? '') !== venue.trim())
        update({ q: keyword.trim(), venue: venue.trim() });
    }, 250);
    return () => clearTimeout(timer);
  }, [keyword, venue]);

  const page = Number(params.get('page') ?? '1') || 1;
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const query: EventQuery = {
    q: params.get('q') ?? undefined,
    category: params.get('category') ?? undefined,
    venue: params.get('venue') ?? undefined,
    from: from ? dayStart(from) : undefined,
    to: to ? dayEnd(to) : undefined,
    page,
    limit: PAGE_SIZE,
  };
  const results = useQuery({
    queryKey: ['events', 'search', query],
    queryFn: ({ signal }) => eventsApi.list(query, signal),
    placeholderData: keepPreviousData,
  });

  return (
    <div className="page">
      <h1>{t('search.title')}</h1>
      <form className="search-filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          {t('search.keyword')}
          <input
            type="search"
            name="q"
            value={keyword}
            placeholder={t('search.placeholder')}
            onChange={(e) => setKeyword(e.target.value)}
          />
        </label>
        <label>
          {t('search.category')}
          <select
            name="category"
            value={params.get('category') ?? ''}
            onChange={(e) => update({ category: e.target.value })}
          >
            <option value="">{t('search.allCategories')}</option>
            {CATEGORIES.map((c) => (
              <option key={c} value={c}>
                {t(`category.${c}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('search.venue')}
          <input name="venue" value={venue} onChange={(e) => setVenue(e.target.value)} />
        </label>
        <label>
          {t('search.from')}
          <input type="date" name="from" value={from} onChange={(e) => update({ from: e.target.value })} />
        </label>
        <label>
          {t('search.to')}
          <input type="date" name="to" value={to} onChange={(e) => update({ to: e.target.value })} />
        </label>
      </form>
      <div aria-live="polite" aria-busy={results.isFetching}>
        <QueryState query={results} isEmpty={(d) => d.items.length === 0} empty={t('search.noResults')}>
          {(data) => (
            <>
              {/* The results' heading (h2 under the page's h1, above each event's h3), as small as a caption. */}
              <h2 className="muted result-count" data-testid="result-count">
                {t('search.resultCount', { count: data.total })}
              </h2>
              <EventGrid events={data.items} />
              <Pager
                page={page}
                total={data.total}
                pageSize={PAGE_SIZE}
                onPage={(n) => update({ page: String(n) })}
              />
            </>
          )}
        </QueryState>
      </div>
    </div>
  );
}
