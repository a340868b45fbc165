import { useEffect, useState, type FormEvent } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { adminApi } from '../api/admin.api';
import type { QueueSettings } from '../api/types';
import { useI18n } from '../i18n/i18n.context';
import { QueryState } from '../components/state-views';
import { FormError, useFormErrors } from '../components/form';
import { formatDuration } from '../lib/format';

export function QueueControls({ eventId }: { eventId: string }) {
  const { t, num } = useI18n();
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: ['admin', 'queue', eventId], queryFn: () => adminApi.queue(eventId), refetchInterval: 3000 });
  const [settings, setSettings] = useState<QueueSettings | null>(null);
  const errors = useFormErrors();
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    if (!settings && query.data) setSettings({ enabled: false, admissionsPerMinute: 100, maxInside: 500, sessionMinutes: 10, preQueueMinutes: 30, ...(query.data.settings ?? {}) });
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
  const field = (key: keyof QueueSettings, label: string) => (
    <label>
      {label}
      <input type="number" min={0} value={Number(settings?.[key] ?? 0)} onChange={(e) => setSettings({ ...settings, [key]: Number(e.target.value) })} aria-invalid={!!errors.fields[key]} />
      {errors.fields[key] && <small className="field-error">{errors.fields[key]}</small>}
    </label>
  );

  return (
    <section className="queue-controls">
      <h2>{t('queue.controls')}</h2>
      <QueryState query={query}>
        {(q) => (
          <>
            <div className="stat-grid" aria-live="polite">
              <div className="stat-card">
                <span className="stat-label">{t('queue.waiting')}</span>
                <strong className="stat-value">{num(q.waiting)}</strong>
              </div>
              <div className="stat-card">
                <span className="stat-label">{t('queue.inside')}</span>
                <strong className="stat-value">{num(q.inside)}</strong>
              </div>
              <div className="stat-card">
                <span className="stat-label">{t('queue.ratePerMinute')}</span>
                <strong className="stat-value">{num(q.admittedPerMinute)}</strong>
              </div>
              <div className="stat-card">
                <span className="stat-label">{t('queue.abandoned')}</span>
                <strong className="stat-value">{num(q.abandoned)}</strong>
              </div>
              <div className="stat-card">
                <span className="stat-label">{t('queue.oldestWait')}</span>
                <strong className="stat-value">{q.oldestWaitSeconds !== undefined ? formatDuration(q.oldestWaitSeconds) : '-'}</strong>
              </div>
            </div>
            {settings && (
              <form className="form form-inline" onSubmit={save}>
                <FormError message={errors.form} />
                <label className="check">
                  <input type="checkbox" checked={!!settings.enabled} onChange={(e) => setSettings({ ...settings, enabled: e.target.checked })} data-testid="queue-enabled" />
                  {t('queue.enabled')}
                </label>
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
