import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useQuery } from '@tanstack/react-query';
import { queueApi, queueTokens } from '../api/booking.api';
import { eventsApi } from '../api/events.api';
import type { QueueState } from '../api/types';
import { useI18n } from '../i18n/i18n.context';
import { ErrorView, Loading } from '../components/state-views';
import { getSocket } from '../lib/socket';

const POLL_MS = 5000;

/**
 * Every booking passes through here: with no waiting room active the join answers "admitted" at
 * once and the buyer goes straight on to the seats. Joining is idempotent on the server (a second join keeps the first place), so a reload simply
 * joins again and gets the same position back; the status route is polled as the fallback (it also
 * serves as the heartbeat) and socket messages move the numbers in between.
 */
export function WaitingRoomPage() {
  const { id = '' } = useParams();
  const { t, num, duration } = useI18n();
  const navigate = useNavigate();
  const event = useQuery({ queryKey: ['event', id], queryFn: () => eventsApi.get(id) });
  const [state, setState] = useState<QueueState | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [closed, setClosed] = useState(false);
  const firstPosition = useRef<number | null>(null);

  useEffect(() => {
    let stopped = false;
    const admit = (token: string, expiresAt: string) => {
      queueTokens.set(id, token, expiresAt);
      navigate(`/events/${id}/seats`, { replace: true });
    };
    const apply = (next: QueueState) => {
      if (stopped) return;
      if (next.status === 'admitted' && next.token) return admit(next.token, next.expiresAt ?? '');
      if (next.status === 'closed') setClosed(true);
      // Lost the place (e.g. the tab slept past the heartbeat timeout): take a new one.
      if (next.status === 'none') {
        void queueApi.join(id).then(apply).catch(setError);
        return;
      }
      if (typeof next.position === 'number' && firstPosition.current === null)
        firstPosition.current = next.position;
      setState((prev) => ({ ...prev, ...next }));
    };
    const existing = queueTokens.get(id);
    if (existing) {
      navigate(`/events/${id}/seats`, { replace: true });
      return;
    }
    queueApi
      .join(id)
      .then(apply)
      .catch((err) => {
        if (!stopped) setError(err);
      });
    const socket = getSocket();
    const onUpdate = (msg: { eventId: string; position: number; etaSeconds: number }) => {
      if (msg.eventId === id)
        apply({
          status: 'waiting',
          position: msg.position,
          ahead: Math.max(0, msg.position - 1),
          etaSeconds: msg.etaSeconds,
        });
    };
    const onAdmitted = (msg: { eventId: string; token: string; expiresAt: string }) => {
      if (msg.eventId === id) admit(msg.token, msg.expiresAt);
    };
    const onClosed = (msg: { eventId: string }) => {
      if (msg.eventId === id) setClosed(true);
    };
    socket.on('queue:update', onUpdate);
    socket.on('queue:admitted', onAdmitted);
    socket.on('queue:closed', onClosed);
    const poll = setInterval(() => {
      queueApi
        .status(id)
        .then(apply)
        .catch(() => undefined);
    }, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(poll);
      socket.off('queue:update', onUpdate);
      socket.off('queue:admitted', onAdmitted);
      socket.off('queue:closed', onClosed);
    };
  }, [id, navigate]);

  const leave = async () => {
    await queueApi.leave(id).catch(() => undefined);
    navigate(`/events/${id}`);
  };

  const position = state?.position ?? 0;
  const start = firstPosition.current ?? position;
  const progress =
    start > 1 ? Math.min(1, Math.max(0, (start - position) / (start - 1))) : position <= 1 ? 1 : 0;

  return (
    <div className="page page-narrow waiting-room" data-testid="waiting-room">
      <h1>{t('queue.title')}</h1>
      {event.data && <p className="muted">{event.data.title}</p>}
      {error ? (
        <ErrorView error={error} />
      ) : closed ? (
        <p className="notice notice-bad" role="alert">
          {t('queue.closed')}
        </p>
      ) : !state ? (
        <Loading label={t('queue.joining')} />
      ) : (
        <div className="queue-card" aria-live="polite">
          <p className="queue-position">
            {t('queue.position')} <strong data-testid="queue-position">{num(state.position)}</strong>
          </p>
          <p>{t('queue.ahead', { n: num(state.ahead ?? Math.max(0, position - 1)) })}</p>
          <p>{t('queue.eta', { time: state.etaSeconds !== undefined ? duration(state.etaSeconds) : '-' })}</p>
          <progress max={1} value={progress} aria-label={t('queue.progress')} />
        </div>
      )}
      <p className="policy">{t('queue.policy')}</p>
      <p className="muted">{t('queue.keepOpen')}</p>
      <div className="actions">
        <button type="button" className="btn btn-ghost" onClick={leave}>
          {t('queue.leave')}
        </button>
        <Link to={`/events/${id}`}>{t('queue.backToEvent')}</Link>
      </div>
    </div>
  );
}
