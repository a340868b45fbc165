import type { ReactNode } from 'react';
import type { EventDetail } from '../api/types';
import { useI18n } from '../i18n/i18n.context';
import { saleStateOf } from '../lib/sale-state';
import { useNow } from '../lib/use-now';
import { Countdown } from './countdown';

/**
 * Shows `children` (the controls that take seats) only while the sale is on; otherwise says why
 * not. A seat map reached from a bookmark or an old tab after the sale closed or the event was
 * cancelled showed every seat free and a hold button that could only fail. Sold out keeps the
 * controls: seats that come back appear on the live map. It ticks on its own, so the page around
 * it (a seat map of thousands of seats) does not re-render every second.
 */
export function SaleGate({ event, children }: { event: EventDetail | undefined; children: ReactNode }) {
  const { t } = useI18n();
  const now = useNow();
  const state = event ? saleStateOf(event, now) : 'open';
  if (state === 'open' || state === 'sold_out') return <>{children}</>;
  return (
    <p className={state === 'cancelled' ? 'notice notice-bad' : 'notice'} data-testid="seat-sale-notice">
      {state === 'cancelled' && t('event.cancelled')}
      {state === 'closed' && t('event.saleClosed')}
      {state === 'not_open' && (
        <>
          {t('event.saleOpensIn')} <Countdown to={event!.saleStartsAt} />
        </>
      )}
    </p>
  );
}
