import { Link } from 'react-router-dom';
import { useQuery } from '@tanstack/react-query';
import { eventsApi } from '../api/events.api';
import { CATEGORIES } from '../api/types';
import { useI18n } from '../i18n/i18n.context';
import { EventGrid } from '../components/event-card';
import { QueryState } from '../components/state-views';
import type { MessageKey } from '../i18n/messages';

function EventSection({ title, status, testId }: { title: string; status: string; testId: string }) {
  const { t } = useI18n();
  const query = useQuery({
    queryKey: ['events', { status, limit: 12 }],
    queryFn: ({ signal }) => eventsApi.list({ status, limit: 12 }, signal),
  });
  return (
    <section className="home-section" data-testid={testId}>
      <h2>{title}</h2>
      <QueryState query={query} isEmpty={(d) => d.items.length === 0} empty={t('home.noneInSection')}>
        {(data) => <EventGrid events={data.items} />}
      </QueryState>
    </section>
  );
}

export function HomePage() {
  const { t } = useI18n();
  return (
    <div className="page">
      <section className="hero">
        <h1>{t('home.title')}</h1>
        <p>{t('home.subtitle')}</p>
        <form action="/search" className="hero-search" role="search">
          <input
            name="q"
            type="search"
            placeholder={t('search.placeholder')}
            aria-label={t('search.keyword')}
          />
          <button className="btn btn-primary" type="submit">
            {t('nav.search')}
          </button>
        </form>
      </section>
      <nav className="category-chips" aria-label={t('home.byCategory')}>
        {CATEGORIES.map((c) => (
          <Link key={c} to={`/search?category=${c}`} className="chip">
            {t(`category.${c}` as MessageKey)}
          </Link>
        ))}
      </nav>
      <EventSection title={t('home.onSale')} status="on_sale" testId="on-sale" />
      <EventSection title={t('home.openingSoon')} status="scheduled" testId="opening-soon" />
    </div>
  );
}
