import { useMemo, useState } from 'react';
import { useI18n } from '../i18n/i18n.context';
import { SeatCanvas } from '../seatmap/seat-canvas';
import { SeatMapModel } from '../seatmap/seat-map.model';
import { fromLayout, newSection, previewMap, toLayout, type EditorSection } from './layout-editor.model';

const EMPTY = new Set<string>();

/** Sections, rows and seats as a form, a JSON view for the full document, and a live preview. */
export function LayoutEditor(props: {
  sections: EditorSection[];
  onChange: (s: EditorSection[]) => void;
  errors: Record<string, string>;
  locked?: boolean;
}) {
  const { sections, onChange, errors, locked } = props;
  const { t, num } = useI18n();
  const [json, setJson] = useState<string | null>(null);
  const [jsonError, setJsonError] = useState<string | null>(null);
  const preview = useMemo(() => {
    const map = previewMap(sections);
    return map.seats.length
      ? new SeatMapModel(map, Object.fromEntries(sections.map((s) => [s.name, s.color])))
      : null;
  }, [sections]);
  const update = (i: number, patch: Partial<EditorSection>) =>
    onChange(sections.map((s, j) => (j === i ? { ...s, ...patch } : s)));
  const totalSeats = sections.reduce(
    (n, s) => n + (s.kind === 'standing' ? s.capacity : s.rows.reduce((m, r) => m + r.seats, 0)),
    0,
  );
  const err = (path: string) => errors[`layout.${path}`];

  return (
    <fieldset className="layout-editor" disabled={locked}>
      <legend>{t('layout.title')}</legend>
      <p className="muted">{t('layout.totalSeats', { n: num(totalSeats) })}</p>
      {errors.layout && <p className="field-error">{errors.layout}</p>}
      {json === null ? (
        <>
          {sections.map((s, i) => (
            <div className="layout-section" key={i} data-testid="layout-section">
              <div className="row-fields">
                <label>
                  {t('layout.sectionName')}
                  <input
                    value={s.name}
                    onChange={(e) => update(i, { name: e.target.value })}
                    aria-invalid={!!err(`sections.${i}.name`)}
                  />
                  {err(`sections.${i}.name`) && (
                    <small className="field-error">{err(`sections.${i}.name`)}</small>
                  )}
                </label>
                <label>
                  {t('event.price')}
                  <input
                    type="number"
                    min={0}
                    step={1000}
                    value={s.price}
                    onChange={(e) => update(i, { price: Number(e.target.value) })}
                  />
                  {err(`sections.${i}.price`) && (
                    <small className="field-error">{err(`sections.${i}.price`)}</small>
                  )}
                </label>
                <label>
                  {t('layout.color')}
                  <input
                    type="color"
                    value={s.color}
                    onChange={(e) => update(i, { color: e.target.value })}
                  />
                </label>
                <label>
                  {t('layout.kind')}
                  <select
                    value={s.kind}
                    onChange={(e) =>
                      update(i, { kind: e.target.value === 'standing' ? 'standing' : 'seated' })
                    }
                  >
                    <option value="seated">{t('layout.seated')}</option>
                    <option value="standing">{t('layout.standing')}</option>
                  </select>
                </label>
                <button
                  type="button"
                  className="btn btn-ghost btn-small"
                  onClick={() => onChange(sections.filter((_, j) => j !== i))}
                >
                  {t('layout.removeSection')}
                </button>
              </div>
              {s.kind === 'standing' ? (
                <label>
                  {t('layout.capacity')}
                  <input
                    type="number"
                    min={1}
                    value={s.capacity}
                    onChange={(e) => update(i, { capacity: Number(e.target.value) })}
                  />
                </label>
              ) : (
                <>
                  <table className="table table-compact">
                    <thead>
                      <tr>
                        <th>{t('seat.row')}</th>
                        <th>{t('layout.seatsInRow')}</th>
                        <th>
                          <span className="sr-only">{t('common.actions')}</span>
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {s.rows.map((r, k) => (
                        <tr key={k}>
                          <td>
                            <input
                              aria-label={t('seat.row')}
                              value={r.label}
                              onChange={(e) =>
                                update(i, {
                                  rows: s.rows.map((x, m) => (m === k ? { ...x, label: e.target.value } : x)),
                                })
                              }
                            />
                          </td>
                          <td>
                            <input
                              aria-label={t('layout.seatsInRow')}
                              type="number"
                              min={1}
                              max={500}
                              value={r.seats}
                              onChange={(e) =>
                                update(i, {
                                  rows: s.rows.map((x, m) =>
                                    m === k ? { ...x, seats: Number(e.target.value) } : x,
                                  ),
                                })
                              }
                            />
                          </td>
                          <td>
                            <button
                              type="button"
                              className="link"
                              onClick={() => update(i, { rows: s.rows.filter((_, m) => m !== k) })}
                            >
                              ✕
                            </button>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                  {err(`sections.${i}.rows`) && (
                    <small className="field-error">{err(`sections.${i}.rows`)}</small>
                  )}
                  <button
                    type="button"
                    className="btn btn-small"
                    onClick={() => {
                      const last = s.rows[s.rows.length - 1];
                      const label = last ? String.fromCharCode(last.label.charCodeAt(0) + 1) : 'A';
                      update(i, { rows: [...s.rows, { label, seats: last?.seats ?? 10 }] });
                    }}
                  >
                    {t('layout.addRow')}
                  </button>
                  <label>
                    {t('layout.blocked')}
                    <input
                      value={s.blocked}
                      placeholder="A-1, A-2"
                      onChange={(e) => update(i, { blocked: e.target.value })}
                    />
                  </label>
                  <label>
                    {t('layout.accessible')}
                    <input
                      value={s.accessible}
                      placeholder="B-1"
                      onChange={(e) => update(i, { accessible: e.target.value })}
                    />
                  </label>
                </>
              )}
            </div>
          ))}
          <div className="actions">
            <button
              type="button"
              className="btn btn-small"
              onClick={() => onChange([...sections, newSection(sections.length)])}
            >
              {t('layout.addSection')}
            </button>
            <button
              type="button"
              className="btn btn-small btn-ghost"
              onClick={() => setJson(JSON.stringify(toLayout(sections), null, 2))}
            >
              {t('layout.editJson')}
            </button>
          </div>
        </>
      ) : (
        <div>
          <textarea
            className="json"
            rows={14}
            value={json}
            onChange={(e) => setJson(e.target.value)}
            aria-label={t('layout.editJson')}
          />
          {jsonError && <p className="field-error">{jsonError}</p>}
          <button
            type="button"
            className="btn btn-small"
            onClick={() => {
              try {
                const parsed = fromLayout(JSON.parse(json));
                if (!parsed) throw new Error('sections');
                onChange(parsed);
                setJson(null);
                setJsonError(null);
              } catch {
                setJsonError(t('layout.badJson'));
              }
            }}
          >
            {t('layout.applyJson')}
          </button>
        </div>
      )}
      <h2 className="subheading">{t('layout.preview')}</h2>
      {preview ? (
        <SeatCanvas model={preview} version={0} selected={EMPTY} height={300} />
      ) : (
        <p className="muted">{t('layout.emptyPreview')}</p>
      )}
    </fieldset>
  );
}
