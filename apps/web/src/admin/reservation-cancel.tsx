import { useState } from 'react';
import { adminApi } from '../api/admin.api';
import type { AdminReservation } from '../api/types';
import { useI18n } from '../i18n/i18n.context';
import { errorText } from '../components/state-views';

/** What an operator may cancel: a hold, or a paid reservation with money left to refund. */
export function cancellable(status: AdminReservation['status']): boolean {
  return status === 'pending' || status === 'confirmed' || status === 'partially_refunded';
}

/** Cancel with a reason; a paid reservation is refunded in full or by the event's policy. */
export function CancelReservation({ r, onDone }: { r: AdminReservation; onDone: () => void }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [refund, setRefund] = useState<'full' | 'policy'>('full');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (!open)
    return (
      <button
        type="button"
        className="btn btn-small btn-danger"
        data-testid={`cancel-${r.id}`}
        onClick={() => setOpen(true)}
      >
        {t('admin.cancel')}
      </button>
    );
  return (
    <div className="confirm-box">
      <label>
        {t('admin.reason')}
        <input value={reason} onChange={(e) => setReason(e.target.value)} />
      </label>
      {r.status !== 'pending' && (
        <label>
          {t('admin.refund')}
          <select value={refund} onChange={(e) => setRefund(e.target.value === 'policy' ? 'policy' : 'full')}>
            <option value="full">{t('admin.refundFull')}</option>
            <option value="policy">{t('admin.refundPolicy')}</option>
          </select>
        </label>
      )}
      {error && <p className="field-error">{error}</p>}
      <button
        type="button"
        className="btn btn-small btn-danger"
        disabled={busy || !reason.trim()}
        onClick={async () => {
          setBusy(true);
          setError(null);
          try {
            await adminApi.cancelReservation(r.id, reason.trim(), refund);
            setOpen(false);
            onDone();
          } catch (err) {
            setError(errorText(err, t));
          } finally {
            setBusy(false);
          }
        }}
      >
        {t('my.confirmCancel')}
      </button>
      <button type="button" className="btn btn-small btn-ghost" onClick={() => setOpen(false)}>
        {t('common.back')}
      </button>
    </div>
  );
}
