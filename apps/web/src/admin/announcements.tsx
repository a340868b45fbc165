import { useState, type FormEvent } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { adminApi } from '../api/admin.api';
import { useI18n } from '../i18n/i18n.context';
import { Field, FormError, useFormErrors } from '../components/form';

/** A notice to everyone holding a paid booking of the event, and the notices sent before. */
export function Announcements({ eventId }: { eventId: string }) {
  const { t, num, dateTime } = useI18n();
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: ['admin', 'announcements', eventId],
    queryFn: () => adminApi.announcements(eventId),
    refetchInterval: 10_000,
  });
  const [subject, setSubject] = useState('');
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const [sentTo, setSentTo] = useState<number | null>(null);
  const errors = useFormErrors();

  const send = async (e: FormEvent) => {
    e.preventDefault();
    errors.clear();
    setSentTo(null);
    setBusy(true);
    try {
      const sent = await adminApi.announce(eventId, { subject, message });
      setSentTo(sent.recipients);
      setSubject('');
      setMessage('');
      await queryClient.invalidateQueries({ queryKey: ['admin', 'announcements', eventId] });
    } catch (err) {
      errors.set(err, { NOTICE_EMPTY: 'message' });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="queue-controls" aria-labelledby="announcements-title" data-testid="announcements">
      <h2 id="announcements-title">{t('notice.title')}</h2>
      <p className="muted">{t('notice.hint')}</p>
      <form className="form" onSubmit={send}>
        <FormError message={errors.form} />
        <Field
          label={t('notice.subject')}
          name="noticeSubject"
          value={subject}
          maxLength={120}
          required
          onChange={(e) => setSubject(e.target.value)}
          error={errors.fields.subject}
        />
        <Field label={t('notice.message')} name="noticeMessage" error={errors.fields.message}>
          <textarea
            id="f-noticeMessage"
            rows={4}
            maxLength={2000}
            required
            value={message}
            onChange={(e) => setMessage(e.target.value)}
          />
        </Field>
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid="send-notice">
          {t('notice.send')}
        </button>
        {sentTo !== null && (
          <p className="notice notice-good" role="status">
            {t('notice.sent', { n: num(sentTo) })}
          </p>
        )}
      </form>
      {!!query.data?.length && (
        <ul className="reservation-list">
          {query.data.map((a) => (
            <li key={a.id} className="reservation-row" data-testid="notice-row">
              <strong>{a.subject}</strong>
              <span className="muted">{dateTime(a.createdAt)}</span>
              <span>{t('notice.mailed', { mailed: num(a.mailed), recipients: num(a.recipients) })}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
