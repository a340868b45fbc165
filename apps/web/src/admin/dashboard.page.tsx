import { useQuery } from '@tanstack/react-query';
import { Bar, BarChart, CartesianGrid, Cell, Legend, Pie, PieChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { adminApi } from '../api/admin.api';
import { useI18n } from '../i18n/i18n.context';
import { Empty, QueryState } from '../components/state-views';
import { formatPercent } from '../lib/format';

const COLORS = ['#4c6ef5', '#e4572e', '#2f9e44', '#f59f00', '#ae3ec9'];
/**
 * Live figures: the dashboard refetches every few seconds while it is open. (The stats service's
 * server-sent feed is not used: an open stream through the gateway holds up its shutdown.)
 */
const LIVE_MS = 3000;

function Stat({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="stat-card">
      <span className="stat-label">{label}</span>
      <strong className="stat-value" data-testid={testId}>
        {value}
      </strong>
    </div>
  );
}

export function DashboardPage() {
  const { t, krw, num, locale } = useI18n();
  const query = useQuery({ queryKey: ['admin', 'dashboard'], queryFn: adminApi.dashboard, refetchInterval: LIVE_MS });
  return (
    <div className="page">
      <h1>
        {t('admin.dashboard')} <span className="live-dot" title={t('admin.live')} aria-label={t('admin.live')} />
      </h1>
      <QueryState query={query}>
        {(d) => {
          const ops = { queues: d.live?.queues ?? [], seatsHeld: d.live?.seatsHeld, salesPerMinute: d.live?.salesPerMinute };
          return (
            <>
              <div className="stat-grid">
                <Stat label={t('dash.revenueToday')} value={krw(d.revenue.today)} testId="revenue-today" />
                <Stat label={t('dash.revenueTotal')} value={krw(d.revenue.total)} testId="revenue-total" />
                <Stat label={t('dash.refundsToday')} value={krw(d.revenue.refundsToday)} />
                <Stat label={t('dash.reservationsToday')} value={num(d.reservations.today)} testId="reservations-today" />
                <Stat label={t('dash.confirmed')} value={num(d.reservations.confirmed)} testId="reservations-confirmed" />
                <Stat label={t('dash.conversion')} value={formatPercent(d.conversionRate, locale)} />
                <Stat label={t('dash.seatsHeld')} value={num(ops.seatsHeld)} />
                <Stat label={t('dash.salesPerMinute')} value={num(ops.salesPerMinute)} />
              </div>
              <div className="chart-grid">
                <section className="chart-card">
                  <h2>{t('dash.hourly')}</h2>
                  {d.hourly.length ? (
                    <ResponsiveContainer width="100%" height={260}>
                      <BarChart data={d.hourly}>
                        <CartesianGrid strokeDasharray="3 3" />
                        <XAxis dataKey="hour" />
                        <YAxis />
                        <Tooltip formatter={(v) => krw(Number(v))} />
                        <Bar dataKey="revenue" name={t('dash.revenue')} fill="#4c6ef5" isAnimationActive={false} />
                      </BarChart>
                    </ResponsiveContainer>
                  ) : (
                    <Empty />
                  )}
                </section>
                <section className="chart-card">
                  <h2>{t('dash.methods')}</h2>
                  {d.byPaymentMethod.length ? (
                    <ResponsiveContainer width="100%" height={260}>
                      <PieChart>
                        <Pie data={d.byPaymentMethod} dataKey="amount" nameKey="method" outerRadius={90} isAnimationActive={false} label>
                          {d.byPaymentMethod.map((m, i) => (
                            <Cell key={m.method} fill={COLORS[i % COLORS.length]} />
                          ))}
                        </Pie>
                        <Tooltip formatter={(v) => krw(Number(v))} />
                        <Legend />
                      </PieChart>
                    </ResponsiveContainer>
                  ) : (
                    <Empty />
                  )}
                </section>
              </div>
              <section>
                <h2>{t('dash.topEvents')}</h2>
                {d.topEvents.length ? (
                  <table className="table" data-testid="top-events">
                    <thead>
                      <tr>
                        <th>{t('admin.event')}</th>
                        <th>{t('dash.seatsSold')}</th>
                        <th>{t('dash.revenue')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {d.topEvents.map((e) => (
                        <tr key={e.eventId}>
                          <td>{e.title}</td>
                          <td>{num(e.seatsSold)}</td>
                          <td>{krw(e.revenue)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                ) : (
                  <Empty />
                )}
              </section>
              <section>
                <h2>{t('dash.waitingRooms')}</h2>
                {ops.queues.length ? (
                  <table className="table">
                    <thead>
                      <tr>
                        <th>{t('admin.event')}</th>
                        <th>{t('queue.waiting')}</th>
                        <th>{t('queue.inside')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {ops.queues.map((q) => (
                        <tr key={q.eventId}>
                          <td>{q.title}</td>
                          <td>{num(q.waiting)}</td>
                          <td>{num(q.inside)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                ) : (
                  <Empty>{t('dash.noQueues')}</Empty>
                )}
              </section>
            </>
          );
        }}
      </QueryState>
    </div>
  );
}
