import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { eventsApi } from '../api/events.api';
import { bookingApi, queueTokens } from '../api/booking.api';
import { isApiError } from '../api/api-error';
import type { Seat, SeatStatus } from '../api/types';
import { useI18n } from '../i18n/i18n.context';
import { ErrorView, Loading, errorText } from '../components/state-views';
import { SeatMapModel } from '../seatmap/seat-map.model';
import { SeatCanvas } from '../seatmap/seat-canvas';
import { SeatList } from '../seatmap/seat-list';
import { joinEventRoom, getSocket } from '../lib/socket';
import { Countdown } from '../components/countdown';
import { SaleGate } from '../components/sale-gate';

interface SeatsUpdate {
  eventId: string;
  version: number;
  /** The oldest version folded into this batch. */
  fromVersion?: number;
  changes: Array<{ seatId: string; status: SeatStatus }>;
}

/** Loads the map, keeps it live over Socket.IO and refetches when it detects a missed update. */
function useLiveSeatMap(eventId: string, sectionColors: Record<string, string | null | undefined>) {
  const queryClient = useQueryClient();
  const seats = useQuery({
    queryKey: ['seats', eventId],
    queryFn: () => eventsApi.seats(eventId),
    staleTime: Infinity,
    gcTime: 0,
  });
  const model = useMemo(
    () => (seats.data ? new SeatMapModel(structuredClone(seats.data), sectionColors) : null),
    [seats.data],
  );
  const [version, setVersion] = useState(0);
  const [taken, setTaken] = useState<string[]>([]);
  const pending = useRef<SeatsUpdate[]>([]);

  const refetch = useCallback(
    () => void queryClient.invalidateQueries({ queryKey: ['seats', eventId] }),
    [queryClient, eventId],
  );

  useEffect(() => {
    if (!model) return;
    const socket = getSocket();
    let refetchTimer: ReturnType<typeof setTimeout> | undefined;
    const apply = (msg: SeatsUpdate) => {
      if (msg.eventId !== eventId) return;
      if (msg.version <= model.version) return;
      // A gap in versions means updates were missed: repaint what we have, then reload the map.
      if ((msg.fromVersion ?? msg.version) > model.version + 1 && !refetchTimer)
        refetchTimer = setTimeout(refetch, 300);
      model.version = msg.version;
      const changed = model.apply(msg.changes);
      if (changed.length) {
        setTaken(changed.filter((id) => model.statusOf(id) !== 'available'));
        setVersion((v) => v + 1);
      }
    };
    // Updates that arrived while the map was loading.
    for (const msg of pending.current.splice(0)) apply(msg);
    socket.on('seats:update', apply);
    const leave = joinEventRoom(eventId, refetch);
    return () => {
      socket.off('seats:update', apply);
      leave();
      if (refetchTimer) clearTimeout(refetchTimer);
    };
  }, [model, eventId, refetch]);

  useEffect(() => {
    if (model) return;
    const socket = getSocket();
    const buffer = (msg: SeatsUpdate) => {
      if (msg.eventId === eventId) pending.current.push(msg);
    };
    socket.on('seats:update', buffer);
    return () => void socket.off('seats:update', buffer);
  }, [model, eventId]);

  return { seats, model, version, taken, refetch, bump: () => setVersion((v) => v + 1) };
}

export function SeatMapPage() {
  const { id = '' } = useParams();
  const { t, krw } = useI18n();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const event = useQuery({ queryKey: ['event', id], queryFn: () => eventsApi.get(id) });
  const colors = useMemo(
    () => Object.fromEntries((event.data?.sections ?? []).map((s) => [s.name, s.color])),
    [event.data],
  );
  const live = useLiveSeatMap(id, colors);
  const { model, version } = live;
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [view, setView] = useState<'map' | 'list'>('map');
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [quantity, setQuantity] = useState(2);
  const [bestSection, setBestSection] = useState('');
  const limit = event.data?.seatLimit ?? 4;
  // Counting availability walks every seat: once per change, not once per render.
  const sections = useMemo(() => model?.sections() ?? [], [model, version]);
  const admission = queueTokens.get(id);
  // The buyer's own unpaid holds for this event: outlined on the map, with their countdown.
  const mine = useQuery({ queryKey: ['my-reservations'], queryFn: bookingApi.my, staleTime: 5_000 });
  const myHolds = useMemo(
    () =>
      (mine.data?.items ?? []).filter(
        (r) =>
          r.eventId === id &&
          r.status === 'pending' &&
          r.expiresAt &&
          new Date(r.expiresAt).getTime() > Date.now(),
      ),
    [mine.data, id],
  );
  const myHeldSeats = useMemo(
    () => new Set(myHolds.flatMap((r) => r.seats.map((seat) => seat.id))),
    [myHolds],
  );

  // A seat someone else just took leaves the selection with a message.
  useEffect(() => {
    if (!model || !live.taken.length) return;
    const lost = live.taken.filter((seatId) => selected.has(seatId));
    if (!lost.length) return;
    setSelected((prev) => new Set([...prev].filter((s) => !lost.includes(s))));
    const labels = lost.map((s) => model.seats[model.index.get(s)!]?.label).join(', ');
    setMessage(t('seat.justTaken', { seats: labels }));
  }, [live.taken]);

  const toggle = useCallback(
    (seat: Seat) => {
      if (!model) return;
      setMessage(null);
      setSelected((prev) => {
        const next = new Set(prev);
        if (next.has(seat.id)) next.delete(seat.id);
        else if (model.statusOf(seat.id) !== 'available')
          setMessage(t('seat.notAvailable', { seat: seat.label }));
        else if (next.size >= limit) setMessage(t('seat.limitReached', { n: limit }));
        else next.add(seat.id);
        return next;
      });
    },
    [model, limit, t],
  );

  const handleBookError = (err: unknown) => {
    if (isApiError(err)) {
      if (err.code === 'SEAT_UNAVAILABLE' && model) {
        const ids = ((err.details?.seatIds as string[] | undefined) ?? []).filter((s) => model.index.has(s));
        model.apply(ids.map((seatId) => ({ seatId, status: 'held' as const })));
        live.bump();
        setSelected((prev) => new Set([...prev].filter((s) => !ids.includes(s))));
        const labels = ids.map((s) => model.seats[model.index.get(s)!]?.label).join(', ');
        setMessage(err.details?.soldOut ? t('event.soldOut') : t('seat.justTaken', { seats: labels || '-' }));
        return;
      }
      if (err.code === 'QUEUE_TOKEN_REQUIRED' || err.code === 'QUEUE_TOKEN_INVALID') {
        queueTokens.clear(id);
        navigate(`/events/${id}/queue`);
        return;
      }
    }
    setMessage(errorText(err, t));
  };

  const book = async (input: { seatIds?: string[]; quantity?: number; section?: string }) => {
    setBusy(true);
    setMessage(null);
    try {
      const reservation = await bookingApi.book({ eventId: id, ...input });
      void queryClient.invalidateQueries({ queryKey: ['my-reservations'] });
      navigate(`/checkout/${reservation.id}`);
    } catch (err) {
      handleBookError(err);
    } finally {
      setBusy(false);
    }
  };

  const chosen = model ? [...selected].map((s) => model.seats[model.index.get(s)!]!).filter(Boolean) : [];
  const total = chosen.reduce((sum, s) => sum + s.price, 0);

  if (event.isError)
    return (
      <div className="page">
        <ErrorView error={event.error} onRetry={() => void event.refetch()} />
      </div>
    );
  return (
    <div className="page seat-page">
      <header className="seat-page-head">
        <div>
          <h1>{event.data?.title ?? t('seat.title')}</h1>
          <p className="muted">{t('seat.instructions', { n: limit })}</p>
        </div>
        {admission?.expiresAt && (
          <p className="notice">
            {t('seat.admissionEnds')} <Countdown to={admission.expiresAt} />
          </p>
        )}
      </header>
      {live.seats.isPending ? (
        <Loading label={t('seat.loading')} />
      ) : live.seats.isError || !model ? (
        <ErrorView error={live.seats.error} onRetry={live.refetch} />
      ) : (
        <div className="seat-layout">
          <div className="seat-main">
            <div className="tabs" role="tablist">
              <button
                type="button"
                role="tab"
                aria-selected={view === 'map'}
                className={view === 'map' ? 'tab active' : 'tab'}
                onClick={() => setView('map')}
              >
                {t('seat.mapView')}
              </button>
              <button
                type="button"
                role="tab"
                aria-selected={view === 'list'}
                className={view === 'list' ? 'tab active' : 'tab'}
                onClick={() => setView('list')}
                data-testid="list-view"
              >
                {t('seat.listView')}
              </button>
            </div>
            {view === 'map' ? (
              <SeatCanvas
                model={model}
                version={version}
                selected={selected}
                onSeatClick={toggle}
                highlight={myHeldSeats}
              />
            ) : (
              <SeatList model={model} version={version} selected={selected} onToggle={toggle} />
            )}
            <ul className="legend" aria-label={t('seat.legend')}>
              {sections.map((s) => (
                <li key={s.name}>
                  <span className="swatch" style={{ background: s.color }} /> {s.name} {krw(s.price)}
                </li>
              ))}
              <li>
                <span className="swatch" style={{ background: '#adb5bd' }} /> {t('seatStatus.held')}
              </li>
              <li>
                <span className="swatch" style={{ background: '#495057' }} /> {t('seatStatus.sold')}
              </li>
              <li>
                <span className="swatch" style={{ background: '#111827' }} /> {t('seat.selected')}
              </li>
            </ul>
          </div>
          <aside className="seat-side">
            <div aria-live="assertive" className="seat-message">
              {message && (
                <p className="notice notice-bad" role="alert" data-testid="seat-message">
                  {message}
                </p>
              )}
            </div>
            {myHolds.map((r) => (
              <p key={r.id} className="notice" data-testid="my-hold">
                {t('seat.yourHold', { seats: r.seats.map((seat) => seat.label).join(', ') })}{' '}
                <Countdown to={r.expiresAt} /> <Link to={`/checkout/${r.id}`}>{t('seat.payHold')}</Link>
              </p>
            ))}
            <SaleGate event={event.data}>
              <h2>{t('seat.yourSeats')}</h2>
              {chosen.length === 0 ? (
                <p className="muted">{t('seat.noneSelected')}</p>
              ) : (
                <ul className="chosen" data-testid="chosen-seats">
                  {chosen.map((s) => (
                    <li key={s.id}>
                      {s.section} {s.label} · {krw(s.price)}
                      <button
                        type="button"
                        className="link"
                        aria-label={t('seat.remove', { seat: s.label })}
                        onClick={() => toggle(s)}
                      >
                        ✕
                      </button>
                    </li>
                  ))}
                </ul>
              )}
              <p className="total">
                {t('seat.total')} <strong>{krw(total)}</strong>
              </p>
              <button
                type="button"
                className="btn btn-primary"
                disabled={!chosen.length || busy}
                onClick={() => book({ seatIds: chosen.map((s) => s.id) })}
                data-testid="hold-seats"
              >
                {t('seat.hold')}
              </button>
              <hr />
              <h3>{t('seat.bestAvailable')}</h3>
              <div className="best-available">
                <label>
                  {t('seat.quantity')}
                  <select value={quantity} onChange={(e) => setQuantity(Number(e.target.value))}>
                    {Array.from({ length: limit }, (_, i) => i + 1).map((n) => (
                      <option key={n} value={n}>
                        {n}
                      </option>
                    ))}
                  </select>
                </label>
                <label>
                  {t('seat.section')}
                  <select value={bestSection} onChange={(e) => setBestSection(e.target.value)}>
                    <option value="">{t('seat.anySection')}</option>
                    {sections.map((s) => (
                      <option key={s.name} value={s.name}>
                        {s.name}
                      </option>
                    ))}
                  </select>
                </label>
                <button
                  type="button"
                  className="btn"
                  disabled={busy}
                  onClick={() => book({ quantity, ...(bestSection ? { section: bestSection } : {}) })}
                >
                  {t('seat.findBest')}
                </button>
              </div>
            </SaleGate>
            <p>
              <Link to={`/events/${id}`}>← {t('seat.backToEvent')}</Link>
            </p>
          </aside>
        </div>
      )}
    </div>
  );
}
