import type { ReservationSeat } from '../api/types';
import { useI18n } from '../i18n/i18n.context';
import type { MessageKey } from '../i18n/messages';

export function ReservationSeats({ seats }: { seats: ReservationSeat[] }) {
  const { t, krw } = useI18n();
  return (
    <table className="table table-compact">
      <thead>
        <tr>
          <th>{t('event.section')}</th>
          <th>{t('seat.seat')}</th>
          <th>{t('event.price')}</th>
        </tr>
      </thead>
      <tbody>
        {seats.map((s) => (
          <tr key={s.id}>
            <td>{s.section}</td>
            <td>{s.label}</td>
            <td>{krw(s.price)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ReservationStatus({ status }: { status: string }) {
  const { t } = useI18n();
  return (
    <span className={`badge rstatus-${status}`} data-testid="reservation-status">
      {t(`rstatus.${status}` as MessageKey)}
    </span>
  );
}
