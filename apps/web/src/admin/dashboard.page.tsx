import { useEffect, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  Legend,
  Pie,
  PieChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { adminApi } from '../api/admin.api';
import { paymentMethodName } from '../api/payment-methods';
import type { StatsDashboard } from '../api/types';
import { useI18n } from '../i18n/i18n.context';
import { Empty, ErrorView, Loading } from '../components/state-views';
import { formatPercent } from '../lib/format';
import { followFeed, type FeedState } from '../lib/live-feed';

const COLORS = ['#4c6ef5', '#e4572e', '#2f9e44', '#f59f00', '#ae3ec9'];
/** Waiting rooms and sales of the last minute change by the second: polled (GET /api/admin/dashboard/live). */
const OPS_MS = 3000;
/** While the live feed is down, the sales figures are fetched this often instead. */
const FALLBACK_MS = 10_000;

/**
 * The sales figures as the stats service pushes them (GET /api/stats/live, server-sent events,
 * at most a few times a second when they change); polled only while the feed is unavailable.
 */
function useStatsFeed() {
  const [pushed, setPushed] = useState<StatsDashboard | null>(null);
  const [state, setState] = useState<FeedState>('connecting');
  useEffect(
    () => followFeed<StatsDashboard>('/api/stats/live', 'dashboard', { data: setPushed, state: setState }),
    [],
  );
  const fallback = useQuery({
    queryKey: ['admin', 'stats-dashboard'],
    queryFn: adminApi.statsDashboard,
    enabled: state === 'failed',
    refetchInterval: FALLBACK_MS,
  });
  const data = state === 'failed' ? (fallback.data ?? pushed) : (pushed ?? fallback.data ?? null);
  return {
    data,
    state,
    error: state === 'failed' && !data ? fallback.error : null,
    retry: () => void fallback.refetch(),
  };
}

function Stat({
  label,
  value,
  testId,
  hint,
}: {
  label: string;
  value: string;
  testId?: string;
  hint?: string;
}) {
  return (
    <div className="stat-card" title={hint}>
      <span className="stat-label">{label}</span>
      <strong className="stat-value" data-testid={testId}>
        {value}
      </strong>
    </div>
  );
}

export function DashboardPage() {
  const { t, krw, num, locale } = useI18n();
  const feed = useStatsFeed();
  const opsQuery = useQuery({
    queryKey: ['admin', 'dashboard', 'live'],
    queryFn: adminApi.liveOps,
    refetchInterval: OPS_MS,
  });
  const ops = {
    queues: opsQuery.data?.queues ?? [],
    seatsHeld: opsQuery.data?.seatsHeld,
    salesPerMinute: opsQuery.data?.salesPerMinute,
  };
  const d = feed.data;
  return (
    <div className="page">
      <h1>
        {t('admin.dashboard')}{' '}
        {feed.state === 'open' && (
          <span
            className="live-dot"
            role="img"
            title={t('admin.live')}
            aria-label={t('admin.live')}
            data-testid="live-feed-open"
          />
        )}
      </h1>
      {feed.state === 'failed' && (
        <p className="notice" role="status">
          {t('dash.feedPolling')}
        </p>
      )}
      {!d ? (
        feed.error ? (
          <ErrorView error={feed.error} onRetry={feed.retry} />
        ) : (
          <Loading label={t('dash.feedConnecting')} />
        )
      ) : (
        <>
          <div className="stat-grid">
            <Stat label={t('dash.revenueToday')} value={krw(d.revenue.today)} testId="revenue-today" />
            <Stat label={t('dash.revenueTotal')} value={krw(d.revenue.total)} testId="revenue-total" />
            <Stat label={t('dash.refundsToday')} value={krw(d.revenue.refundsToday)} />
            <Stat
              label={t('dash.reservationsToday')}
              value={num(d.reservations.today)}
              testId="reservations-today"
            />
            <Stat
              label={t('dash.confirmed')}
              value={num(d.reservations.confirmed)}
              testId="reservations-confirmed"
            />
            <Stat label={t('dash.conversion')} value={formatPercent(d.conversionRate, locale)} />
            <Stat label={t('dash.seatsHeld')} value={num(ops.seatsHeld)} testId="seats-held" />
            <Stat
              label={t('dash.salesPerMinute')}
              value={num(ops.salesPerMinute)}
              hint={t('dash.salesPerMinuteHint')}
              testId="sales-per-minute"
            />
          </div>
          <div className="chart-grid">
            <section className="chart-card">
              <h2>{t('dash.hourly')}</h2>
              {d.hourly.length ? (
                <ResponsiveContainer width="100%" height={260}>
                  <BarChart data={d.hourly}>
                    <CartesianGrid strokeDasharray="3 3" />
                    <XAxis dataKey="hour" />
                    <YAxis width={90} tickFormatter={(v: number) => krw(v)} />
                    <Tooltip formatter={(v) => krw(Number(v))} />
                    <Bar
                      dataKey="revenue"
                      name={t('dash.revenue')}
                      fill="#4c6ef5"
                      isAnimationActive={false}
                    />
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
                    <Pie
                      data={d.byPaymentMethod.map((m) => ({
                        ...m,
                        name: paymentMethodName(locale, m.method),
                      }))}
                      dataKey="amount"
                      nameKey="name"
                      outerRadius={90}
                      isAnimationActive={false}
                      label={({ value }) => krw(Number(value))}
                    >
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
      )}
    </div>
  );
}
