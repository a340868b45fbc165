import { Link, useNavigate, useParams } from 'react-router-dom';
import { useQuery } from '@tanstack/react-query';
import { eventsApi, posterSrc, venueOf } from '../api/events.api';
import { useI18n } from '../i18n/i18n.context';
import { QueryState } from '../components/state-views';
import { StatusBadge } from '../components/event-card';
import { Countdown } from '../components/countdown';
import { SaleAlertToggle } from '../components/sale-alert';
import { ReturnAlertToggle } from '../components/return-alert';
import { useNow } from '../lib/use-now';
import { saleStateOf } from '../lib/sale-state';
import { useAuth } from '../auth/auth.context';
import { loginPath } from '../auth/guards';
import type { EventDetail } from '../api/types';
import type { MessageKey } from '../i18n/messages';

function BookPanel({ event }: { event: EventDetail }) {
  const { t } = useI18n();
  const { user } = useAuth();
  const navigate = useNavigate();
  const state = saleStateOf(event, useNow());
  if (state === 'cancelled') return <p className="notice notice-bad">{t('event.cancelled')}</p>;
  if (state === 'sold_out')
    return (
      <>
        <p className="notice">{t('event.soldOut')}</p>
        <ReturnAlertToggle eventId={event.id} />
      </>
    );
  if (state === 'not_open')
    return (
      <>
        <div className="sale-countdown">
          <span>{t('event.saleOpensIn')}</span> <Countdown to={event.saleStartsAt} className="big-timer" />
        </div>
        <SaleAlertToggle eventId={event.id} />
      </>
    );
  if (state === 'closed') return <p className="notice">{t('event.saleClosed')}</p>;
  const book = () => {
    // Every booking goes through the waiting room page: its join answers "admitted" at once when
    // no room is active, so the page never needs to know the room's state in advance.
    const target = `/events/${event.id}/queue`;
    if (!user) navigate(loginPath({ pathname: target, search: '' }));
    else navigate(target);
  };
  return (
    <div className="book-panel">
      <button type="button" className="btn btn-primary btn-large" onClick={book} data-testid="book-button">
        {t('event.book')}
      </button>
      <span className="muted">
        {t('event.saleEndsIn')} <Countdown to={event.saleEndsAt} />
      </span>
    </div>
  );
}

export function EventPage() {
  const { id = '' } = useParams();
  const { t, krw, num, dateTime } = useI18n();
  const query = useQuery({ queryKey: ['event', id], queryFn: () => eventsApi.get(id) });
  return (
    <div className="page">
      <QueryState query={query}>
        {(event) => (
          <article className="event-detail">
            <div className="event-detail-poster">
              {posterSrc(event.posterUrl) ? (
                <img src={posterSrc(event.posterUrl)} alt={t('event.posterOf', { title: event.title })} />
              ) : (
                <div className={`poster-fallback cat-${event.category}`} />
              )}
            </div>
            <div className="event-detail-body">
              <p className="category">
                {t(`category.${event.category}` as MessageKey)} <StatusBadge status={event.status} />
              </p>
              <h1>{event.title}</h1>
              {event.artist && <p className="artist">{event.artist}</p>}
              <dl className="facts">
                <dt>{t('event.when')}</dt>
                <dd>
                  {dateTime(event.startsAt)}
                  {event.endsAt ? ` – ${dateTime(event.endsAt)}` : ''}
                </dd>
                <dt>{t('event.where')}</dt>
                <dd>
                  {venueOf(event)}
                  {event.venueAddress ? <span className="muted"> · {event.venueAddress}</span> : null}
                </dd>
                <dt>{t('event.sale')}</dt>
                <dd>
                  {dateTime(event.saleStartsAt)} – {dateTime(event.saleEndsAt)}
                </dd>
                {event.seatLimit ? (
                  <>
                    <dt>{t('event.seatLimit')}</dt>
                    <dd>{t('event.seatLimitValue', { n: event.seatLimit })}</dd>
                  </>
                ) : null}
              </dl>
              <BookPanel event={event} />
              <h2>{t('event.sections')}</h2>
              {event.sections.length === 0 ? (
                <p className="muted">{t('common.empty')}</p>
              ) : (
                <table className="table">
                  <thead>
                    <tr>
                      <th>{t('event.section')}</th>
                      <th>{t('event.price')}</th>
                      <th>{t('event.available')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {event.sections.map((s) => (
                      <tr key={s.id}>
                        <td>
                          <span
                            className="swatch"
                            style={{ background: s.color ?? '#888' }}
                            aria-hidden="true"
                          />{' '}
                          {s.name}
                        </td>
                        <td>{krw(s.price)}</td>
                        <td>
                          {s.seatsAvailable !== undefined ? num(s.seatsAvailable) : '-'}
                          {s.seatsTotal !== undefined ? ` / ${num(s.seatsTotal)}` : ''}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              {event.description && (
                <>
                  <h2>{t('event.about')}</h2>
                  <p className="description">{event.description}</p>
                </>
              )}
              <p>
                <Link to="/search">← {t('event.backToSearch')}</Link>
              </p>
            </div>
          </article>
        )}
      </QueryState>
    </div>
  );
}
