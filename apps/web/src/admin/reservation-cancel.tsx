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

/** The cancellation fee a refunded booking's payment kept, if any. */
export function feeKept(r: AdminReservation): number {
  return r.status === 'refunded' && r.paymentId ? Math.max(0, r.amount - (r.refundedAmount ?? 0)) : 0;
}

/**
 * An operator gives a kept cancellation fee back (goodwill, a complaint upheld): payment refunds
 * what the payment still holds, and ticket records it on the booking.
 */
export function ReturnFee({ r, onDone }: { r: AdminReservation; onDone: () => void }) {
  const { t, krw } = useI18n();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const fee = feeKept(r);
  if (fee === 0 || !r.paymentId) return null;
  const paymentId = r.paymentId;
  return (
    <div className="confirm-box" data-testid="return-fee">
      <p className="muted">{t('admin.returnFeeHint', { amount: krw(fee) })}</p>
      <label>
        {t('admin.reason')}
        <input value={reason} onChange={(e) => setReason(e.target.value)} />
      </label>
      {error && <p className="field-error">{error}</p>}
      <button
        type="button"
        className="btn btn-small"
        disabled={busy || !reason.trim()}
        onClick={async () => {
          setBusy(true);
          setError(null);
          try {
            await adminApi.refundPayment(paymentId, reason.trim());
            onDone();
          } catch (err) {
            setError(errorText(err, t));
          } finally {
            setBusy(false);
          }
        }}
      >
        {t('admin.returnFee')}
      </button>
    </div>
  );
}
