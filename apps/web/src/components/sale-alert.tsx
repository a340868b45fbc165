import { useQuery } from '@tanstack/react-query';
import { alertsApi } from '../api/alerts.api';
import type { SaleAlert } from '../api/types';
import { useAuth } from '../auth/auth.context';
import { useI18n } from '../i18n/i18n.context';
import { AlertList, AlertPanel, AlertRow, useAlertChange, useAskThroughSignIn } from './alert-parts';

const useSaleAlertChange = (eventId: string) =>
  useAlertChange<SaleAlert>(['sale-alert', eventId], ['sale-alerts']);

/** On an event whose sale has not opened: ask to be mailed before it does, or take that back. */
export function SaleAlertToggle({ eventId }: { eventId: string }) {
  const { t, dateTime } = useI18n();
  const { user } = useAuth();
  const { busy, error, run } = useSaleAlertChange(eventId);
  const query = useQuery({
    queryKey: ['sale-alert', eventId],
    queryFn: () => alertsApi.get(eventId),
    enabled: Boolean(user),
  });
  const alert = query.data ?? null;
  const ask = useAskThroughSignIn(
    'alert',
    { ready: query.isSuccess, asked: Boolean(alert) },
    () => void run(() => alertsApi.add(eventId)),
  );
  if (user && query.isPending) return null;
  return (
    <AlertPanel
      testId="sale-alert"
      status={
        alert &&
        (alert.mailedAt
          ? t('alert.mailed', { time: dateTime(alert.mailedAt) })
          : t('alert.asked', { minutes: String(alert.leadMinutes) }))
      }
      waits={Boolean(alert)}
      askLabel={t('alert.ask')}
      busy={busy}
      error={error}
      onAsk={ask}
      onWithdraw={() =>
        void run(async () => {
          await alertsApi.remove(eventId);
          return null;
        })
      }
    />
  );
}

/** The buyer's sale alerts (on My tickets); nothing when there are none. */
export function SaleAlertList() {
  const { t, dateTime } = useI18n();
  const query = useQuery({ queryKey: ['sale-alerts'], queryFn: alertsApi.list });
  return (
    <AlertList id="my-alerts" heading={t('my.alerts')}>
      {query.data?.map((a) => (
        <AlertRow
          key={a.eventId}
          testId="sale-alert-row"
          alertKey={['sale-alert', a.eventId]}
          listKey={['sale-alerts']}
          eventId={a.eventId}
          title={a.title}
          when={t('alert.opens', { time: dateTime(a.saleStartsAt) })}
          state={a.mailedAt ? t('alert.mailedShort') : t('alert.waiting')}
          withdrawLabel={t('alert.withdrawFor', { title: a.title })}
          onWithdraw={() => alertsApi.remove(a.eventId)}
        />
      ))}
    </AlertList>
  );
}
