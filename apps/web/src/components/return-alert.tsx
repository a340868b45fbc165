import { useQuery } from '@tanstack/react-query';
import { returnAlertsApi } from '../api/alerts.api';
import type { ReturnAlert } from '../api/types';
import { useAuth } from '../auth/auth.context';
import { useI18n } from '../i18n/i18n.context';
import { AlertList, AlertPanel, AlertRow, useAlertChange, useAskThroughSignIn } from './alert-parts';

const useReturnAlertChange = (eventId: string) =>
  useAlertChange<ReturnAlert>(['return-alert', eventId], ['return-alerts']);

/** On a sold-out event: ask to be mailed once when seats come back ("취소표 알림"), or take that back. */
export function ReturnAlertToggle({ eventId }: { eventId: string }) {
  const { t, dateTime } = useI18n();
  const { user } = useAuth();
  const { busy, error, run } = useReturnAlertChange(eventId);
  const query = useQuery({
    queryKey: ['return-alert', eventId],
    queryFn: () => returnAlertsApi.get(eventId),
    enabled: Boolean(user),
  });
  const alert = query.data ?? null;
  const ask = useAskThroughSignIn(
    'returnAlert',
    { ready: query.isSuccess, asked: Boolean(alert && !alert.mailedAt) },
    () => void run(() => returnAlertsApi.add(eventId)),
  );
  if (user && query.isPending) return null;
  const waits = Boolean(alert && !alert.mailedAt);
  return (
    <AlertPanel
      testId="return-alert"
      status={
        alert &&
        (alert.mailedAt ? t('returns.mailed', { time: dateTime(alert.mailedAt) }) : t('returns.asked'))
      }
      waits={waits}
      askLabel={alert?.mailedAt ? t('returns.askAgain') : t('returns.ask')}
      busy={busy}
      error={error}
      onAsk={ask}
      onWithdraw={() =>
        void run(async () => {
          await returnAlertsApi.remove(eventId);
          return null;
        })
      }
    />
  );
}

/** The buyer's seat-return alerts (on My tickets); nothing when there are none. */
export function ReturnAlertList() {
  const { t, dateTime } = useI18n();
  const query = useQuery({ queryKey: ['return-alerts'], queryFn: returnAlertsApi.list });
  return (
    <AlertList id="my-return-alerts" heading={t('my.returnAlerts')}>
      {query.data?.map((a) => (
        <AlertRow
          key={a.eventId}
          testId="return-alert-row"
          alertKey={['return-alert', a.eventId]}
          listKey={['return-alerts']}
          eventId={a.eventId}
          title={a.title}
          when={dateTime(a.startsAt)}
          state={a.mailedAt ? t('returns.mailedShort') : t('returns.waiting')}
          withdrawLabel={t('returns.withdrawFor', { title: a.title })}
          onWithdraw={() => returnAlertsApi.remove(a.eventId)}
        />
      ))}
    </AlertList>
  );
}
