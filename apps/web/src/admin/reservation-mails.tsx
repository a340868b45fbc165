import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { adminApi } from '../api/admin.api';
import type { BookingMail } from '../api/types';
import { useI18n } from '../i18n/i18n.context';
import { errorText } from '../components/state-views';

const KIND = {
  confirmed: 'admin.mailConfirmed',
  refunded: 'admin.mailRefunded',
  reminder: 'admin.mailReminder',
  changed: 'admin.mailChanged',
} as const;

function MailLine({ mail }: { mail: BookingMail }) {
  const { t, dateTime } = useI18n();
  return (
    <li data-testid="booking-mail">
      <strong>{t(KIND[mail.kind])}</strong> ·{' '}
      {mail.status === 'sent'
        ? t('admin.mailSent', { when: dateTime(mail.sentAt ?? mail.createdAt) })
        : mail.status === 'pending'
          ? t('admin.mailPending', {
              attempts: mail.attempts,
              when: dateTime(mail.nextAttemptAt ?? mail.createdAt),
            })
          : t('admin.mailFailed', { attempts: mail.attempts })}
      {mail.status !== 'sent' && mail.lastError && <div className="muted">{mail.lastError}</div>}
    </li>
  );
}

/** What was mailed to the buyer, and the confirmation sent again when they say it never came. */
export function ReservationMails({ id, paid }: { id: string; paid: boolean }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const key = ['admin', 'reservation', id, 'mails'];
  const mails = useQuery({
    queryKey: key,
    queryFn: () => adminApi.reservationMails(id),
    // A resend is sent within seconds: the list follows it without a reload.
    refetchInterval: (query) => (query.state.data?.items.some((m) => m.status === 'pending') ? 2_000 : false),
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function resend() {
    setBusy(true);
    setError(null);
    try {
      await adminApi.resendConfirmation(id);
      // The list, and the history where the resend is recorded.
      await queryClient.invalidateQueries({ queryKey: ['admin', 'reservation', id] });
    } catch (err) {
      setError(errorText(err, t));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="mails-title">
      <h3 id="mails-title">{t('admin.mails')}</h3>
      {mails.data && mails.data.items.length === 0 && <p className="muted">{t('admin.mailsEmpty')}</p>}
      <ul className="history">
        {mails.data?.items.map((mail) => (
          <MailLine key={mail.id} mail={mail} />
        ))}
      </ul>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {paid && (
        <p>
          <button type="button" className="btn btn-small" disabled={busy} onClick={() => void resend()}>
            {t('admin.resendConfirmation')}
          </button>
        </p>
      )}
    </section>
  );
}
