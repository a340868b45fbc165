import { useRef, useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { adminApi } from '../api/admin.api';
import { isApiError } from '../api/api-error';
import type { CheckInResult } from '../api/types';
import { useI18n } from '../i18n/i18n.context';
import { errorText } from '../components/state-views';
import type { MessageKey } from '../i18n/messages';

const GATE_REFUSALS = new Set([
  'WRONG_EVENT',
  'ALREADY_CHECKED_IN',
  'TICKET_NOT_VALID',
  'TICKET_NOT_FOUND',
  'REFUND_IN_PROGRESS',
  'EVENT_CANCELLED',
]);

type GateAnswer =
  | { ok: true; code: string; result: CheckInResult }
  | { ok: false; code: string; reason: string; detail?: string };

/**
 * The venue gate: a scanner (which types the code and Enter) or a person enters each ticket's
 * code; the page says at once whether to let the holder in, and is ready for the next one.
 */
export function AdminEntryPage() {
  const { t, dateTime } = useI18n();
  const [eventId, setEventId] = useState('');
  const [answers, setAnswers] = useState<GateAnswer[]>([]);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const events = useQuery({
    queryKey: ['admin', 'event-choices'],
    queryFn: () => adminApi.events({ sort: 'date_desc', limit: 100 }),
    staleTime: 60_000,
  });

  const attendance = useQuery({
    queryKey: ['admin', 'attendance', eventId],
    queryFn: () => adminApi.attendance(eventId),
    enabled: !!eventId,
    refetchInterval: 15_000,
  });

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const code = input.current?.value.trim() ?? '';
    if (!code || busy) return;
    setBusy(true);
    let answer: GateAnswer;
    try {
      answer = { ok: true, code, result: await adminApi.checkIn(code, eventId || undefined) };
    } catch (err) {
      answer = { ok: false, code, reason: refusal(err) };
    }
    setAnswers((prev) => [answer, ...prev].slice(0, 10));
    if (answer.ok && eventId) void attendance.refetch();
    setBusy(false);
    if (input.current) {
      input.current.value = '';
      input.current.focus();
    }
  }

  /** Why the gate says no, in the staff's language, with when it was used or whose event it is. */
  function refusal(err: unknown): string {
    if (!isApiError(err) || !GATE_REFUSALS.has(err.code)) return errorText(err, t);
    const details = err.details ?? {};
    const event = details.event as { title?: string } | undefined;
    return t(`gate.${err.code}` as MessageKey, {
      at: typeof details.checkedInAt === 'string' ? dateTime(details.checkedInAt) : '',
      event: event?.title ?? '',
    });
  }

  const [latest, ...earlier] = answers;
  return (
    <div className="page page-narrow">
      <h1>{t('admin.entry')}</h1>
      <form onSubmit={submit} className="form">
        <label>
          {t('gate.event')}
          <select value={eventId} onChange={(e) => setEventId(e.target.value)} data-testid="gate-event">
            <option value="">{t('gate.anyEvent')}</option>
            {(events.data?.items ?? []).map((ev) => (
              <option key={ev.id} value={ev.id}>
                {ev.title} · {dateTime(ev.startsAt)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('gate.code')}
          <input ref={input} name="code" autoFocus autoComplete="off" spellCheck={false} className="mono" />
        </label>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {t('gate.check')}
        </button>
      </form>
      {eventId && attendance.data && (
        <p className="gate-count" data-testid="gate-count">
          {t('gate.count', {
            admitted: attendance.data.admitted,
            tickets: attendance.data.tickets,
            seatsAdmitted: attendance.data.seatsAdmitted,
            seats: attendance.data.seats,
          })}
        </p>
      )}
      {latest && (
        <div
          className={`gate-answer ${latest.ok ? 'gate-ok' : 'gate-refused'}`}
          role="status"
          data-testid="gate-answer"
        >
          <p className="gate-verdict">{latest.ok ? t('gate.admit') : t('gate.refuse')}</p>
          {latest.ok ? (
            <>
              <p>{latest.result.holder}</p>
              <p>
                {latest.result.event.title} · {latest.result.seats.join(', ')}
              </p>
            </>
          ) : (
            <p>{latest.reason}</p>
          )}
          <p className="mono muted">{latest.code}</p>
        </div>
      )}
      {earlier.length > 0 && (
        <ul className="gate-history">
          {earlier.map((a, i) => (
            <li key={i} className={a.ok ? 'gate-ok-text' : 'gate-refused-text'}>
              <span className="mono">{a.code}</span> · {a.ok ? t('gate.admit') : a.reason}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
