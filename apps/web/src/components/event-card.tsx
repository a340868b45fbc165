import { Link } from 'react-router-dom';
import type { EventSummary } from '../api/types';
import { posterSrc, venueOf } from '../api/events.api';
import { useI18n } from '../i18n/i18n.context';
import { Countdown } from './countdown';
import type { MessageKey } from '../i18n/messages';

export function StatusBadge({ status }: { status: string }) {
  const { t } = useI18n();
  return <span className={`badge badge-${status}`}>{t(`status.${status}` as MessageKey)}</span>;
}

export function PriceRange({ min, max }: { min?: number | null; max?: number | null }) {
  const { krw, t } = useI18n();
  if (min === null || min === undefined) return null;
  if (max === null || max === undefined || max === min) return <span className="price">{krw(min)}</span>;
  return (
    <span className="price">
      {krw(min)} ~ {krw(max)}
      <span className="sr-only">{t('event.priceRange')}</span>
    </span>
  );
}

export function EventCard({ event }: { event: EventSummary }) {
  const { t, dateTime } = useI18n();
  const poster = posterSrc(event.posterThumbUrl ?? event.posterUrl);
  const opensLater = event.status === 'scheduled' && new Date(event.saleStartsAt).getTime() > Date.now();
  return (
    <article className="event-card" data-testid="event-card">
      <Link to={`/events/${event.id}`} className="event-card-link">
        <div className="poster">
          {poster ? (
            <img src={poster} alt="" loading="lazy" />
          ) : (
            <div className={`poster-fallback cat-${event.category}`}>
              {t(`category.${event.category}` as MessageKey)}
            </div>
          )}
        </div>
        <div className="event-card-body">
          <div className="event-card-meta">
            <span className="category">{t(`category.${event.category}` as MessageKey)}</span>
            <StatusBadge status={event.status} />
          </div>
          <h3>{event.title}</h3>
          {event.artist && <p className="artist">{event.artist}</p>}
          <p className="muted">{venueOf(event)}</p>
          <p className="muted">{dateTime(event.startsAt)}</p>
          <PriceRange min={event.priceMin} max={event.priceMax} />
          {opensLater && (
            <p className="opens-in">
              {t('event.opensIn')} <Countdown to={event.saleStartsAt} />
            </p>
          )}
        </div>
      </Link>
    </article>
  );
}

export function EventGrid({ events }: { events: EventSummary[] }) {
  return (
    <div className="event-grid">
      {events.map((e) => (
        <EventCard key={e.id} event={e} />
      ))}
    </div>
  );
}
