import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Link, useLocation, useNavigate, useSearchParams } from 'react-router-dom';
import { useQueryClient, type QueryKey } from '@tanstack/react-query';
import { useAuth } from '../auth/auth.context';
import { loginPath } from '../auth/guards';
import { useI18n } from '../i18n/i18n.context';
import { errorText } from './state-views';

/** Runs one change to an alert at a time, keeping the event's answer (`key`) and the list current. */
export function useAlertChange<T>(key: QueryKey, listKey: QueryKey) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (change: () => Promise<T | null>) => {
    setBusy(true);
    setError(null);
    try {
      queryClient.setQueryData(key, await change());
      void queryClient.invalidateQueries({ queryKey: listKey });
    } catch (err) {
      setError(errorText(err, t));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}

/**
 * An ask that survives signing in: signed out, the tap leaves `param` on the event's address and
 * goes to the login page, which comes back to it; back and signed in, the ask is made once (when
 * `ready`, unless already `asked`) and the mark leaves the address.
 */
export function useAskThroughSignIn(
  param: string,
  state: { ready: boolean; asked: boolean },
  ask: () => void,
): () => void {
  const { user } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [params, setParams] = useSearchParams();
  const carried = useRef(false);
  const askedBeforeSignIn = params.get(param) === '1';
  const { ready, asked } = state;
  useEffect(() => {
    if (!user || !ready || !askedBeforeSignIn || carried.current) return;
    carried.current = true;
    const rest = new URLSearchParams(params);
    rest.delete(param);
    setParams(rest, { replace: true });
    if (!asked) ask();
  }, [user, ready, asked, askedBeforeSignIn, params, setParams, ask, param]);
  return () => {
    if (user) return ask();
    const back = new URLSearchParams(location.search);
    back.set(param, '1');
    navigate(loginPath({ pathname: location.pathname, search: `?${back.toString()}` }));
  };
}

/** One alert on My tickets: the event, when, where it stands, and a way to take it back. */
export function AlertRow(props: {
  testId: string;
  /** The event's alert answer and the list it is in, both brought up to date on withdrawal. */
  alertKey: QueryKey;
  listKey: QueryKey;
  eventId: string;
  title: string;
  when: string;
  state: string;
  withdrawLabel: string;
  onWithdraw: () => Promise<void>;
}) {
  const { t } = useI18n();
  const { busy, error, run } = useAlertChange<never>(props.alertKey, props.listKey);
  return (
    <li className="reservation-row" data-testid={props.testId}>
      <Link to={`/events/${props.eventId}`}>
        <strong>{props.title}</strong>
      </Link>
      <span className="muted">{props.when}</span>
      <span>{props.state}</span>
      <button
        type="button"
        className="btn btn-small"
        disabled={busy}
        aria-label={props.withdrawLabel}
        onClick={() =>
          void run(async () => {
            await props.onWithdraw();
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

/** A titled list of alerts; nothing when there are none. */
export function AlertList(props: { id: string; heading: string; children: ReactNode[] | undefined }) {
  if (!props.children?.length) return null;
  return (
    <section aria-labelledby={props.id}>
      <h2 id={props.id}>{props.heading}</h2>
      <ul className="reservation-list">{props.children}</ul>
    </section>
  );
}

/**
 * The event page's part of an alert: what stands (`status`), then a button to take the alert back
 * while it `waits`, or to ask for it.
 */
export function AlertPanel(props: {
  testId: string;
  status: string | null;
  waits: boolean;
  askLabel: string;
  busy: boolean;
  error: string | null;
  onAsk: () => void;
  onWithdraw: () => void;
}) {
  const { t } = useI18n();
  return (
    <div className="sale-alert" data-testid={props.testId}>
      {props.status && <p role="status">{props.status}</p>}
      {props.waits ? (
        <button type="button" className="btn" disabled={props.busy} onClick={props.onWithdraw}>
          {t('alert.withdraw')}
        </button>
      ) : (
        <button type="button" className="btn btn-primary" disabled={props.busy} onClick={props.onAsk}>
          {props.askLabel}
        </button>
      )}
      {props.error && (
        <p className="notice notice-bad" role="alert">
          {props.error}
        </p>
      )}
    </div>
  );
}
