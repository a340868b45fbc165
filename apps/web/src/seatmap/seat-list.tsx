import { useMemo, useState } from 'react';
import type { SeatMapModel } from './seat-map.model';
import type { Seat } from '../api/types';
import { useI18n } from '../i18n/i18n.context';
import type { MessageKey } from '../i18n/messages';

/**
 * The seat map as form controls: pick a section and a row, then check seats. Works with a keyboard
 * and a screen reader, and stays small at 50,000 seats because only one row is rendered.
 */
export function SeatList(props: {
  model: SeatMapModel;
  version: number;
  selected: ReadonlySet<string>;
  onToggle: (seat: Seat) => void;
}) {
  const { model, version, selected, onToggle } = props;
  const { t, krw, num } = useI18n();
  const sections = useMemo(() => model.sections(), [model, version]);
  const [section, setSection] = useState(() => sections[0]?.name ?? '');
  const rows = useMemo(() => {
    const byRow = new Map<string, Seat[]>();
    for (const seat of model.seats) {
      if (seat.section !== section) continue;
      const list = byRow.get(seat.row);
      if (list) list.push(seat);
      else byRow.set(seat.row, [seat]);
    }
    return [...byRow.entries()];
  }, [model, section]);
  const [row, setRow] = useState('');
  const currentRow = rows.find(([label]) => label === row) ?? rows[0];

  return (
    <div className="seat-list" data-testid="seat-list">
      <div className="seat-list-pickers">
        <label>
          {t('seat.section')}
          <select
            value={section}
            onChange={(e) => {
              setSection(e.target.value);
              setRow('');
            }}
          >
            {sections.map((s) => (
              <option key={s.name} value={s.name}>
                {s.name} · {krw(s.price)} · {t('seat.availableCount', { n: num(s.available) })}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('seat.row')}
          <select value={currentRow?.[0] ?? ''} onChange={(e) => setRow(e.target.value)}>
            {rows.map(([label, seats]) => (
              <option key={label} value={label}>
                {label} (
                {t('seat.availableCount', {
                  n: num(seats.filter((s) => model.statusOf(s.id) === 'available').length),
                })}
                )
              </option>
            ))}
          </select>
        </label>
      </div>
      {currentRow && (
        <fieldset className="seat-row">
          <legend>
            {section} · {t('seat.rowLabel', { row: currentRow[0] })}
          </legend>
          <ul>
            {currentRow[1].map((seat) => {
              const status = model.statusOf(seat.id) ?? 'blocked';
              const isSelected = selected.has(seat.id);
              const enabled = status === 'available' || isSelected;
              return (
                <li key={seat.id}>
                  <label
                    className={`seat-option seat-${status}${isSelected ? ' seat-selected' : ''}`}
                    data-seat-label={seat.label}
                    data-status={isSelected ? 'selected' : status}
                  >
                    <input
                      type="checkbox"
                      checked={isSelected}
                      disabled={!enabled}
                      onChange={() => onToggle(seat)}
                    />
                    {seat.label}
                    {seat.accessible ? ` ♿` : ''} · {krw(seat.price)} ·{' '}
                    <span className="seat-status">{t(`seatStatus.${status}` as MessageKey)}</span>
                  </label>
                </li>
              );
            })}
          </ul>
        </fieldset>
      )}
    </div>
  );
}
