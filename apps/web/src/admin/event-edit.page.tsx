import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { adminApi, type EventInput } from '../api/admin.api';
import { CATEGORIES, type EventDetail } from '../api/types';
import { useI18n } from '../i18n/i18n.context';
import { ErrorView, Loading } from '../components/state-views';
import { Field, FormError, useFormErrors } from '../components/form';
import { StatusBadge } from '../components/event-card';
import { fromSeoulInput, toSeoulInput } from '../lib/format';
import { LayoutEditor } from './layout-editor';
import { fromLayout, newSection, toLayout, type EditorSection } from './layout-editor.model';
import { QueueControls } from './queue-controls';
import { Announcements } from './announcements';
import { VenueTemplatePicker } from './venue-template.picker';
import { CancelEventDialog } from './cancel-event-dialog';
import type { MessageKey } from '../i18n/messages';

interface FormState {
  title: string;
  description: string;
  category: string;
  artist: string;
  venueName: string;
  venueAddress: string;
  startsAt: string;
  endsAt: string;
  saleStartsAt: string;
  saleEndsAt: string;
  seatLimit: number;
  holdMinutes: number;
}

function initialForm(e?: EventDetail): FormState {
  const hour = 3600_000;
  const soon = new Date(Math.ceil(Date.now() / hour) * hour);
  return {
    title: e?.title ?? '',
    description: e?.description ?? '',
    category: e?.category ?? 'concert',
    artist: e?.artist ?? '',
    venueName: e?.venueName ?? e?.venue ?? '',
    venueAddress: e?.venueAddress ?? '',
    startsAt: toSeoulInput(e?.startsAt ?? new Date(soon.getTime() + 30 * 24 * hour).toISOString()),
    endsAt: toSeoulInput(e?.endsAt ?? new Date(soon.getTime() + 30 * 24 * hour + 3 * hour).toISOString()),
    saleStartsAt: toSeoulInput(e?.saleStartsAt ?? soon.toISOString()),
    saleEndsAt: toSeoulInput(e?.saleEndsAt ?? new Date(soon.getTime() + 29 * 24 * hour).toISOString()),
    seatLimit: e?.seatLimit ?? 4,
    holdMinutes: e?.holdMinutes ?? 10,
  };
}

function toInput(f: FormState, sections: EditorSection[] | null): EventInput {
  return {
    title: f.title.trim(),
    description: f.description.trim(),
    category: f.category,
    artist: f.artist.trim(),
    venueName: f.venueName.trim(),
    venueAddress: f.venueAddress.trim(),
    startsAt: fromSeoulInput(f.startsAt) ?? '',
    endsAt: fromSeoulInput(f.endsAt) ?? '',
    saleStartsAt: fromSeoulInput(f.saleStartsAt) ?? '',
    saleEndsAt: fromSeoulInput(f.saleEndsAt) ?? '',
    seatLimit: f.seatLimit,
    holdMinutes: f.holdMinutes,
    ...(sections ? { layout: toLayout(sections) } : {}),
  };
}

export function EventEditPage() {
  const { id } = useParams();
  const isNew = !id;
  const { t } = useI18n();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: ['admin', 'event', id],
    queryFn: () => adminApi.event(id!),
    enabled: !isNew,
  });
  const [form, setForm] = useState<FormState | null>(isNew ? initialForm() : null);
  const [sections, setSections] = useState<EditorSection[]>(isNew ? [newSection(0), newSection(1)] : []);
  const [layoutDirty, setLayoutDirty] = useState(isNew);
  const [poster, setPoster] = useState<File | null>(null);
  const [posterPreview, setPosterPreview] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [cancelling, setCancelling] = useState(false);
  const [correction, setCorrection] = useState(false);
  const errors = useFormErrors();
  const event = query.data ?? null;

  useEffect(() => {
    if (event && !form) {
      setForm(initialForm(event));
      setSections(fromLayout(event.layout) ?? []);
    }
  }, [event, form]);

  useEffect(() => {
    if (!poster) return setPosterPreview(null);
    const url = URL.createObjectURL(poster);
    setPosterPreview(url);
    return () => URL.revokeObjectURL(url);
  }, [poster]);

  if (!isNew && query.isPending) return <Loading />;
  if (!isNew && query.isError) return <ErrorView error={query.error} onRetry={() => void query.refetch()} />;
  if (!form) return <Loading />;

  // A new time or place of an event already on sale: its buyers hear of it, unless it is a correction.
  const moving =
    !!event &&
    event.status !== 'draft' &&
    (form.startsAt !== initialForm(event).startsAt || form.venueName !== initialForm(event).venueName);

  const set = (key: keyof FormState) => (e: { target: { value: string } }) =>
    setForm({
      ...form,
      [key]: key === 'seatLimit' || key === 'holdMinutes' ? Number(e.target.value) : e.target.value,
    });

  const uploadPoster = async (eventId: string) => {
    if (!poster) return;
    await adminApi.uploadPoster(eventId, poster);
    setPoster(null);
  };

  const save = async (e: FormEvent) => {
    e.preventDefault();
    errors.clear();
    setNotice(null);
    setBusy(true);
    try {
      const input = toInput(form, layoutDirty ? sections : null);
      if (isNew) {
        const created = await adminApi.createEvent(input);
        try {
          await uploadPoster(created.id);
        } catch (err) {
          errors.set(err);
          navigate(`/admin/events/${created.id}`, { replace: true });
          return;
        }
        await queryClient.invalidateQueries({ queryKey: ['admin', 'events'] });
        navigate(`/admin/events/${created.id}`, { replace: true, state: { created: true } });
      } else {
        await adminApi.updateEvent(id!, correction && moving ? { ...input, correction: true } : input);
        await uploadPoster(id!);
        setLayoutDirty(false);
        setCorrection(false);
        setNotice(t('common.saved'));
        await queryClient.invalidateQueries({ queryKey: ['admin', 'event', id] });
      }
    } catch (err) {
      errors.set(err, { EVENT_NOT_FOUND: 'title' });
    } finally {
      setBusy(false);
    }
  };

  const act = async (fn: () => Promise<unknown>, done: string) => {
    setBusy(true);
    errors.clear();
    setNotice(null);
    try {
      await fn();
      setNotice(done);
      await queryClient.invalidateQueries({ queryKey: ['admin', 'event', id] });
    } catch (err) {
      errors.set(err);
    } finally {
      setBusy(false);
    }
  };

  const f = errors.fields;
  const posterShown = posterPreview ?? event?.posterUrl ?? null;
  return (
    <div className="page">
      <p>
        <Link to="/admin/events">← {t('admin.events')}</Link>
      </p>
      <div className="page-head">
        <h1>{isNew ? t('admin.newEvent') : form.title}</h1>
        {event && <StatusBadge status={event.status} />}
      </div>
      {notice && (
        <p className="notice notice-good" role="status" data-testid="admin-notice">
          {notice}
        </p>
      )}
      {event && (
        <div className="actions">
          {event.status === 'draft' && (
            <button
              type="button"
              className="btn btn-primary"
              disabled={busy}
              data-testid="publish"
              onClick={() => act(() => adminApi.publish(event.id), t('admin.published'))}
            >
              {t('admin.publish')}
            </button>
          )}
          {event.status !== 'cancelled' && event.status !== 'draft' && event.status !== 'ended' && (
            <button
              type="button"
              className="btn btn-danger"
              disabled={busy}
              onClick={() => setCancelling(true)}
              data-testid="cancel-event"
            >
              {t('admin.cancelEvent')}
            </button>
          )}
          {cancelling && (
            <CancelEventDialog
              event={event}
              busy={busy}
              onClose={() => setCancelling(false)}
              onConfirm={(reason) =>
                void act(() => adminApi.cancelEvent(event.id, reason), t('admin.cancelled')).then(() =>
                  setCancelling(false),
                )
              }
            />
          )}
          <Link to={`/events/${event.id}`}>{t('admin.viewPublic')}</Link>
        </div>
      )}
      <form className="form form-wide" onSubmit={save} noValidate>
        <FormError message={errors.form} />
        <div className="grid-2">
          <Field
            label={t('admin.title')}
            name="title"
            value={form.title}
            onChange={set('title')}
            required
            error={f.title}
          />
          <Field label={t('search.category')} name="category" error={f.category}>
            <select id="f-category" value={form.category} onChange={set('category')}>
              {CATEGORIES.map((c) => (
                <option key={c} value={c}>
                  {t(`category.${c}` as MessageKey)}
                </option>
              ))}
            </select>
          </Field>
          <Field
            label={t('admin.artist')}
            name="artist"
            value={form.artist}
            onChange={set('artist')}
            error={f.artist}
          />
          {isNew && (
            <VenueTemplatePicker
              onPick={(venue) => {
                setForm({ ...form, venueName: venue.name, venueAddress: venue.address ?? '' });
                const fromVenue = fromLayout(venue.layout);
                if (fromVenue) {
                  setSections(fromVenue);
                  setLayoutDirty(true);
                }
              }}
            />
          )}
          <Field
            label={t('admin.venueName')}
            name="venueName"
            value={form.venueName}
            onChange={set('venueName')}
            required
            error={f.venueName ?? f.venue}
          />
          <Field
            label={t('admin.venueAddress')}
            name="venueAddress"
            value={form.venueAddress}
            onChange={set('venueAddress')}
            error={f.venueAddress}
          />
          <Field
            label={t('admin.startsAt')}
            name="startsAt"
            type="datetime-local"
            value={form.startsAt}
            onChange={set('startsAt')}
            error={f.startsAt}
          />
          <Field
            label={t('admin.endsAt')}
            name="endsAt"
            type="datetime-local"
            value={form.endsAt}
            onChange={set('endsAt')}
            error={f.endsAt}
          />
          <Field
            label={t('admin.saleStartsAt')}
            name="saleStartsAt"
            type="datetime-local"
            value={form.saleStartsAt}
            onChange={set('saleStartsAt')}
            error={f.saleStartsAt}
          />
          <Field
            label={t('admin.saleEndsAt')}
            name="saleEndsAt"
            type="datetime-local"
            value={form.saleEndsAt}
            onChange={set('saleEndsAt')}
            error={f.saleEndsAt}
          />
          <Field
            label={t('event.seatLimit')}
            name="seatLimit"
            type="number"
            min={1}
            value={form.seatLimit}
            onChange={set('seatLimit')}
            error={f.seatLimit}
          />
          <Field
            label={t('admin.holdMinutes')}
            name="holdMinutes"
            type="number"
            min={1}
            value={form.holdMinutes}
            onChange={set('holdMinutes')}
            error={f.holdMinutes}
          />
        </div>
        <Field label={t('admin.description')} name="description" error={f.description}>
          <textarea id="f-description" rows={4} value={form.description} onChange={set('description')} />
        </Field>
        <fieldset className="poster-field">
          <legend>{t('admin.poster')}</legend>
          {posterShown && (
            <img
              src={posterShown}
              alt={t('admin.posterPreview')}
              className="poster-preview"
              data-testid="poster-preview"
            />
          )}
          <input
            type="file"
            name="poster"
            accept="image/jpeg,image/png,image/webp"
            onChange={(e) => setPoster(e.target.files?.[0] ?? null)}
            aria-label={t('admin.poster')}
          />
          <small className="hint">{t('admin.posterHint')}</small>
          {f.poster && <small className="field-error">{f.poster}</small>}
        </fieldset>
        <LayoutEditor
          sections={sections}
          onChange={(s) => {
            setSections(s);
            setLayoutDirty(true);
          }}
          errors={f}
        />
        {event && moving && (
          <MoveWarning eventId={event.id} correction={correction} onCorrection={setCorrection} />
        )}
        <button type="submit" className="btn btn-primary btn-large" disabled={busy} data-testid="save-event">
          {isNew ? t('admin.create') : t('common.save')}
        </button>
      </form>
      {event && <QueueControls eventId={event.id} />}
      {event && event.status !== 'draft' && <Announcements eventId={event.id} />}
    </div>
  );
}

/**
 * Moving a sold event is not a quiet edit: its buyers are mailed, and those who paid before it may
 * cancel without a fee. The operator is told how many before saving, and may say the edit only
 * fixes a mistake (a misspelt venue, a wrong minute), which the audit log keeps.
 */
function MoveWarning({
  eventId,
  correction,
  onCorrection,
}: {
  eventId: string;
  correction: boolean;
  onCorrection: (value: boolean) => void;
}) {
  const { t, num } = useI18n();
  const query = useQuery({
    queryKey: ['admin', 'attendance', eventId],
    queryFn: () => adminApi.attendance(eventId),
  });
  if (!query.data?.tickets) return null;
  return (
    <div className="notice" role="status" data-testid="move-warning">
      <p>
        {correction
          ? t('admin.correctionNotice', { n: num(query.data.tickets) })
          : t('admin.moveWarning', { n: num(query.data.tickets) })}
      </p>
      <label className="check">
        <input
          type="checkbox"
          checked={correction}
          onChange={(e) => onCorrection(e.target.checked)}
          data-testid="move-correction"
        />{' '}
        {t('admin.correction')}
      </label>
    </div>
  );
}
