import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { adminApi } from '../api/admin.api';
import { download } from '../api/client';
import { useI18n } from '../i18n/i18n.context';
import { QueryState, errorText } from '../components/state-views';
import { EventFiguresTable } from './event-figures.table';
import { seoulDay } from '../lib/format';

export function StatisticsPage() {
  const { t, krw, num } = useI18n();
  const [from, setFrom] = useState(() => seoulDay(new Date(Date.now() - 13 * 86400_000)));
  const [to, setTo] = useState(() => seoulDay(new Date()));
  const [granularity, setGranularity] = useState<'day' | 'hour'>('day');
  const [exportError, setExportError] = useState<string | null>(null);
  // Seoul calendar days, `to` inclusive (the stats API's own convention).
  const range = { from, to, granularity };
  const sales = useQuery({ queryKey: ['admin', 'sales', range], queryFn: () => adminApi.sales(range) });
  const events = useQuery({ queryKey: ['admin', 'stats-events'], queryFn: adminApi.statsEvents });
  // New users over the same days as the sales above (it covered a fixed 30 days whatever was chosen).
  const users = useQuery({
    queryKey: ['admin', 'stats-users', from, to],
    queryFn: () => adminApi.statsUsers({ from, to }),
  });
  return (
    <div className="page">
      <h1>{t('admin.statistics')}</h1>
      <div className="filters">
        <label>
          {t('search.from')}
          <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label>
          {t('search.to')}
          <input type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
        <label>
          {t('stats.granularity')}
          <select
            value={granularity}
            onChange={(e) => setGranularity(e.target.value === 'hour' ? 'hour' : 'day')}
          >
            <option value="day">{t('stats.byDay')}</option>
            <option value="hour">{t('stats.byHour')}</option>
          </select>
        </label>
        <button
          type="button"
          className="btn"
          onClick={() =>
            download('/api/stats/sales.csv', range, 'sales.csv').catch((err) =>
              setExportError(errorText(err, t)),
            )
          }
        >
          {t('admin.exportCsv')}
        </button>
      </div>
      {exportError && <p className="form-error">{exportError}</p>}
      <section className="chart-card">
        <h2>{t('stats.sales')}</h2>
        <QueryState query={sales} isEmpty={(d) => d.series.length === 0}>
          {(d) => (
            <ResponsiveContainer width="100%" height={300}>
              <LineChart data={d.series}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="bucket" />
                <YAxis width={90} tickFormatter={(v: number) => krw(v)} />
                <Tooltip formatter={(v) => krw(Number(v))} />
                <Legend />
                <Line
                  type="monotone"
                  dataKey="revenue"
                  name={t('dash.revenue')}
                  stroke="#4c6ef5"
                  isAnimationActive={false}
                />
                <Line
                  type="monotone"
                  dataKey="refunds"
                  name={t('stats.refunds')}
                  stroke="#e4572e"
                  isAnimationActive={false}
                />
              </LineChart>
            </ResponsiveContainer>
          )}
        </QueryState>
      </section>
      <section>
        <h2>{t('stats.perEvent')}</h2>
        <QueryState query={events} isEmpty={(d) => d.items.length === 0}>
          {(d) => <EventFiguresTable items={d.items} />}
        </QueryState>
      </section>
      <section>
        <h2>{t('stats.users')}</h2>
        <QueryState query={users}>
          {(d) => (
            <>
              <p>
                {t('stats.usersTotal', { n: num(d.total) })} · {t('stats.usersToday', { n: num(d.newToday) })}
              </p>
              {d.series.length > 0 && (
                <ResponsiveContainer width="100%" height={220}>
                  <LineChart data={d.series}>
                    <CartesianGrid strokeDasharray="3 3" />
                    <XAxis dataKey="bucket" />
                    <YAxis allowDecimals={false} tickFormatter={(v: number) => num(v)} />
                    <Tooltip formatter={(v) => num(Number(v))} />
                    <Line
                      type="monotone"
                      dataKey="count"
                      name={t('stats.newUsers')}
                      stroke="#2f9e44"
                      isAnimationActive={false}
                    />
                  </LineChart>
                </ResponsiveContainer>
              )}
            </>
          )}
        </QueryState>
      </section>
    </div>
  );
}
