import { useEffect, useRef, useState } from 'react';
import { Link, useLocation, useNavigate, useSearchParams } from 'react-router-dom';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { alertsApi } from '../api/alerts.api';
import type { SaleAlert } from '../api/types';
import { useAuth } from '../auth/auth.context';
import { loginPath } from '../auth/guards';
import { useI18n } from '../i18n/i18n.context';
import { errorText } from './state-views';

/** Runs one change to an alert at a time, keeping the event's and the list's answers current. */
function useAlertChange(eventId: string) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (change: () => Promise<SaleAlert | null>) => {
    setBusy(true);
    setError(null);
    try {
      queryClient.setQueryData(['sale-alert', eventId], await change());
      void queryClient.invalidateQueries({ queryKey: ['sale-alerts'] });
    } catch (err) {
      setError(errorText(err, t));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}

/** What a signed-out buyer's tap leaves on the event's address, so the ask survives signing in. */
const ASK_PARAM = 'alert';

/** On an event whose sale has not opened: ask to be mailed before it does, or take that back. */
export function SaleAlertToggle({ eventId }: { eventId: string }) {
  const { t, dateTime } = useI18n();
  const { user } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [params, setParams] = useSearchParams();
  const { busy, error, run } = useAlertChange(eventId);
  const query = useQuery({
    queryKey: ['sale-alert', eventId],
    queryFn: () => alertsApi.get(eventId),
    enabled: Boolean(user),
  });
  const alert = query.data ?? null;
  // Back from signing in after tapping the button signed out: ask once, as the tap meant.
  const carried = useRef(false);
  const askedBeforeSignIn = params.get(ASK_PARAM) === '1';
  useEffect(() => {
    if (!user || !query.isSuccess || !askedBeforeSignIn || carried.current) return;
    carried.current = true;
    const rest = new URLSearchParams(params);
    rest.delete(ASK_PARAM);
    setParams(rest, { replace: true });
    if (!query.data) void run(() => alertsApi.add(eventId));
  }, [user, query.isSuccess, query.data, askedBeforeSignIn, params, setParams, run, eventId]);
  if (user && query.isPending) return null;
  const ask = () => {
    if (user) return void run(() => alertsApi.add(eventId));
    const back = new URLSearchParams(location.search);
    back.set(ASK_PARAM, '1');
    navigate(loginPath({ pathname: location.pathname, search: `?${back.toString()}` }));
  };
  return (
    <div className="sale-alert" data-testid="sale-alert">
      {alert ? (
        <>
          <p role="status">
            {alert.mailedAt
              ? t('alert.mailed', { time: dateTime(alert.mailedAt) })
              : t('alert.asked', { minutes: String(alert.leadMinutes) })}
          </p>
          <button
            type="button"
            className="btn"
            disabled={busy}
            onClick={() =>
              void run(async () => {
                await alertsApi.remove(eventId);
                return null;
              })
            }
          >
            {t('alert.withdraw')}
          </button>
        </>
      ) : (
        <button type="button" className="btn btn-primary" disabled={busy} onClick={ask}>
          {t('alert.ask')}
        </button>
      )}
      {error && (
        <p className="notice notice-bad" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

function SaleAlertRow({ alert }: { alert: SaleAlert }) {
  const { t, dateTime } = useI18n();
  const { busy, error, run } = useAlertChange(alert.eventId);
  return (
    <li className="reservation-row" data-testid="sale-alert-row">
      <Link to={`/events/${alert.eventId}`}>
        <strong>{alert.title}</strong>
      </Link>
      <span className="muted">{t('alert.opens', { time: dateTime(alert.saleStartsAt) })}</span>
      <span>{alert.mailedAt ? t('alert.mailedShort') : t('alert.waiting')}</span>
      <button
        type="button"
        className="btn btn-small"
        disabled={busy}
        aria-label={t('alert.withdrawFor', { title: alert.title })}
        onClick={() =>
          void run(async () => {
            await alertsApi.remove(alert.eventId);
            return null;
          })
        }
      >
        {t('alert.withdraw')}
      </button>
      {error && (
        <span className="notice notice-bad" role="alert">
          {error}
        </span>
      )}
    </li>
  );
}

/** The buyer's sale alerts (on My tickets); nothing when there are none. */
export function SaleAlertList() {
  const { t } = useI18n();
  const query = useQuery({ queryKey: ['sale-alerts'], queryFn: alertsApi.list });
  if (!query.data?.length) return null;
  return (
    <section aria-labelledby="my-alerts">
      <h2 id="my-alerts">{t('my.alerts')}</h2>
      <ul className="reservation-list">
        {query.data.map((a) => (
          <SaleAlertRow key={a.eventId} alert={a} />
        ))}
      </ul>
    </section>
  );
}
