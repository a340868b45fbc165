import { useQuery } from '@tanstack/react-query';
import { useParams } from 'react-router-dom';
import { paymentsApi } from '../api/booking.api';
import { usePaymentMethodName } from '../api/payment-methods';
import { useI18n } from '../i18n/i18n.context';
import { ErrorView, Loading } from '../components/state-views';

/**
 * /my/payments/:id/statement: what a payment charged, what came back and when, and the net, laid
 * out to print (the page's own button; the site's header and footer are left off the paper).
 */
export function PaymentStatementPage() {
  const { id = '' } = useParams();
  const { t, krw, dateTime } = useI18n();
  const methodName = usePaymentMethodName();
  const query = useQuery({ queryKey: ['payment-statement', id], queryFn: () => paymentsApi.statement(id) });
  if (query.isPending) return <Loading />;
  if (query.isError) return <ErrorView error={query.error} onRetry={() => void query.refetch()} />;
  const s = query.data;
  return (
    <article className="page-narrow statement" aria-labelledby="statement-title" data-testid="statement">
      <h1 id="statement-title">{t('statement.title')}</h1>
      <p className="muted">{t('statement.note')}</p>
      <dl className="facts">
        <dt>{t('statement.merchant')}</dt>
        <dd>TIKETI</dd>
        <dt>{t('statement.order')}</dt>
        <dd>{s.orderName}</dd>
        <dt>{t('statement.orderId')}</dt>
        <dd className="mono break-anywhere">{s.orderId}</dd>
        <dt>{t('my.payment')}</dt>
        <dd>
          {methodName(s.method)} · {dateTime(s.paidAt)}
        </dd>
      </dl>
      <table className="table table-compact">
        <thead>
          <tr>
            <th>{t('seat.seat')}</th>
            <th>{t('event.price')}</th>
          </tr>
        </thead>
        <tbody>
          {s.seats.map((seat) => (
            <tr key={seat.label}>
              <td>{seat.label}</td>
              <td>{krw(seat.price)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <dl className="facts">
        <dt>{t('statement.charged')}</dt>
        <dd data-testid="statement-charged">{krw(s.amount)}</dd>
        {s.refunds.map((r, i) => (
          <div key={`${r.at}-${i}`} className="statement-refund">
            <dt>
              {t(r.feeReturned ? 'statement.feeReturned' : 'statement.refund', { at: dateTime(r.at) })}
              {r.seats.length > 0 ? ` (${r.seats.join(', ')})` : ''}
            </dt>
            <dd data-testid="statement-refund">
              −{krw(r.amount)}
              {r.fee > 0 ? ` · ${t('statement.feeKept', { fee: krw(r.fee) })}` : ''}
            </dd>
          </div>
        ))}
        <dt>
          <strong>{t('statement.net')}</strong>
        </dt>
        <dd data-testid="statement-net">
          <strong>{krw(s.net)}</strong>
        </dd>
      </dl>
      <p className="no-print">
        <button type="button" className="btn" onClick={() => window.print()}>
          {t('statement.print')}
        </button>
      </p>
    </article>
  );
}
