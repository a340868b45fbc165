import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { paymentsApi } from '../api/booking.api';
import { usePaymentMethodName } from '../api/payment-methods';
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

/**
 * How the booking was paid, as the payment service has it (ticket keeps only the payment's id):
 * the method by its name, where the money stands, when it was paid, and what came back.
 */
export function PaymentFacts({ paymentId }: { paymentId: string }) {
  const { t, krw, dateTime } = useI18n();
  const payment = useQuery({ queryKey: ['payment', paymentId], queryFn: () => paymentsApi.get(paymentId) });
  const methodName = usePaymentMethodName();
  if (!payment.data) return null;
  const p = payment.data;
  return (
    <>
      <dt>{t('my.payment')}</dt>
      <dd data-testid="payment-facts">
        {methodName(p.method)} · {t(`paymentStatus.${p.status}` as MessageKey)}
        {p.paidAt ? ` · ${dateTime(p.paidAt)}` : ''}
        {p.refundedAmount ? ` · ${t('my.refunded', { amount: krw(p.refundedAmount) })}` : ''}
        {p.paidAt && (
          <>
            {' · '}
            <Link to={`/my/payments/${encodeURIComponent(p.id)}/statement`} data-testid="statement-link">
              {t('statement.link')}
            </Link>
          </>
        )}
      </dd>
    </>
  );
}
