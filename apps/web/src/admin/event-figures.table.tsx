import { useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { useI18n } from '../i18n/i18n.context';
import type { MessageKey } from '../i18n/messages';
import { formatPercent } from '../lib/format';
import type { EventFigures } from '../api/types';
import { compareEventFigures, type SortKey } from './event-figures.sort';

const COLUMNS: Array<{ key: SortKey; label: MessageKey }> = [
  { key: 'title', label: 'admin.event' },
  { key: 'startsAt', label: 'stats.showDate' },
  { key: 'seatsSold', label: 'dash.seatsSold' },
  { key: 'seatsTotal', label: 'stats.seatsTotal' },
  { key: 'revenue', label: 'dash.revenue' },
  { key: 'refunds', label: 'stats.refunds' },
  { key: 'conversionRate', label: 'dash.conversion' },
];

/**
 * Per-event figures, sorted by any column (best sellers first to begin with): an operator with
 * dozens of events looks for the ones selling, or not, rather than reading them in creation order.
 */
export function EventFiguresTable({ items }: { items: EventFigures[] }) {
  const { t, krw, num, locale, dateTime } = useI18n();
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'revenue', desc: true });
  const sorted = useMemo(
    () => [...items].sort((a, b) => compareEventFigures(a, b, sort.key, sort.desc)),
    [items, sort],
  );
  const choose = (key: SortKey) =>
    setSort((s) =>
      s.key === key ? { key, desc: !s.desc } : { key, desc: key !== 'title' && key !== 'startsAt' },
    );
  return (
    <div className="table-scroll">
      <table className="table" data-testid="stats-events">
        <thead>
          <tr>
            {COLUMNS.map((c) => (
              <th
                key={c.key}
                aria-sort={sort.key === c.key ? (sort.desc ? 'descending' : 'ascending') : 'none'}
              >
                <button type="button" className="th-sort" onClick={() => choose(c.key)}>
                  {t(c.label)}
                  {sort.key === c.key ? (sort.desc ? ' ▼' : ' ▲') : ''}
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {sorted.map((e) => (
            <tr key={e.eventId}>
              <td>
                <Link to={`/admin/events/${e.eventId}`}>{e.title || e.eventId}</Link>
              </td>
              <td>{e.startsAt ? dateTime(e.startsAt) : '-'}</td>
              <td>{num(e.seatsSold)}</td>
              <td>{num(e.seatsTotal)}</td>
              <td className="cell-money">{krw(e.revenue)}</td>
              <td className="cell-money">{krw(e.refunds)}</td>
              <td>{formatPercent(e.conversionRate, locale)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
