import { useEffect, useState, type FormEvent } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { adminApi } from '../api/admin.api';
import type { QueueSettings } from '../api/types';
import { useI18n } from '../i18n/i18n.context';
import { QueryState } from '../components/state-views';
import { FormError, useFormErrors } from '../components/form';

type Editable = Required<
  Pick<
    QueueSettings,
    'mode' | 'autoThreshold' | 'admissionsPerMinute' | 'maxInside' | 'sessionMinutes' | 'preQueueMinutes'
  >
>;

/** Waiting-room settings for one event with its live figures (refreshed every few seconds). */
export function QueueControls({ eventId }: { eventId: string }) {
  const { t, num, duration } = useI18n();
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: ['admin', 'queue', eventId],
    queryFn: () => adminApi.queue(eventId),
    refetchInterval: 3000,
  });
  const alerts = useQuery({
    queryKey: ['admin', 'alerts', eventId],
    queryFn: () => adminApi.alerts(eventId),
    refetchInterval: 30_000,
  });
  const [settings, setSettings] = useState<Editable | null>(null);
  const errors = useFormErrors();
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    const s = query.data?.settings;
    if (!settings && s) {
      setSettings({
        mode: s.mode ?? 'off',
        autoThreshold: s.autoThreshold ?? 1000,
        admissionsPerMinute: s.admissionsPerMinute ?? 100,
        maxInside: s.maxInside ?? 500,
        sessionMinutes: s.sessionMinutes ?? 10,
        preQueueMinutes: s.preQueueMinutes ?? 30,
      });
    }
  }, [query.data, settings]);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!settings) return;
    errors.clear();
    setSaved(false);
    try {
      await adminApi.saveQueue(eventId, settings);
      setSaved(true);
      await queryClient.invalidateQueries({ queryKey: ['admin', 'queue', eventId] });
    } catch (err) {
      errors.set(err);
    }
  };
  const field = (key: Exclude<keyof Editable, 'mode'>, label: string) => (
    <label>
      {label}
      <input
        type="number"
        min={0}
        value={settings?.[key] ?? 0}
        onChange={(e) => settings && setSettings({ ...settings, [key]: Number(e.target.value) })}
        aria-invalid={!!errors.fields[key]}
      />
      {errors.fields[key] && <small className="field-error">{errors.fields[key]}</small>}
    </label>
  );
  const stat = (label: string, value: string) => (
    <div className="stat-card">
      <span className="stat-label">{label}</span>
      <strong className="stat-value">{value}</strong>
    </div>
  );

  return (
    <section className="queue-controls">
      <h2>{t('queue.controls')}</h2>
      <QueryState query={query}>
        {(q) => (
          <>
            <p>
              <span className={`badge ${q.live.active ? 'badge-on_sale' : ''}`}>
                {q.live.active ? t('queue.active') : t('queue.inactive')}
              </span>
              {q.live.closed && <span className="badge badge-sold_out">{t('status.sold_out')}</span>}
            </p>
            <div className="stat-grid" aria-live="polite">
              {stat(t('queue.waiting'), num(q.live.waiting))}
              {stat(t('queue.inside'), num(q.live.inside))}
              {stat(t('queue.ratePerMinute'), num(q.live.admittedPerMinute))}
              {stat(t('queue.abandoned'), num(q.live.abandoned))}
              {stat(t('queue.oldestWait'), duration(q.live.oldestWaitSeconds))}
              {alerts.data && (
                <div className="stat-card" data-testid="alerts-asked">
                  <span className="stat-label">{t('queue.alertsAsked')}</span>
                  <strong className="stat-value">{num(alerts.data.asked)}</strong>
                  {alerts.data.mailed > 0 && (
                    <span className="muted">{t('queue.alertsMailed', { n: num(alerts.data.mailed) })}</span>
                  )}
                </div>
              )}
              {alerts.data && alerts.data.waitingForReturns > 0 && (
                <div className="stat-card" data-testid="returns-waiting">
                  <span className="stat-label">{t('queue.returnsWaiting')}</span>
                  <strong className="stat-value">{num(alerts.data.waitingForReturns)}</strong>
                </div>
              )}
            </div>
            {settings && (
              <form className="form form-inline" onSubmit={save}>
                <FormError message={errors.form} />
                <label>
                  {t('queue.mode')}
                  <select
                    value={settings.mode}
                    onChange={(e) => setSettings({ ...settings, mode: e.target.value as Editable['mode'] })}
                    data-testid="queue-mode"
                  >
                    <option value="off">{t('queue.modeOff')}</option>
                    <option value="on">{t('queue.modeOn')}</option>
                    <option value="auto">{t('queue.modeAuto')}</option>
                  </select>
                </label>
                {settings.mode === 'auto' && field('autoThreshold', t('queue.autoThreshold'))}
                {field('admissionsPerMinute', t('queue.admissionsPerMinute'))}
                {field('maxInside', t('queue.maxInside'))}
                {field('sessionMinutes', t('queue.sessionMinutes'))}
                {field('preQueueMinutes', t('queue.preQueueMinutes'))}
                <button type="submit" className="btn btn-primary">
                  {t('common.save')}
                </button>
                {saved && <span role="status">{t('common.saved')}</span>}
              </form>
            )}
          </>
        )}
      </QueryState>
    </section>
  );
}
