import { useEffect, useRef, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { adminApi } from '../api/admin.api';
import type { EventDetail } from '../api/types';
import { useI18n } from '../i18n/i18n.context';
import { errorText } from '../components/state-views';

const PAGE = 200;

/**
 * What cancelling the event refunds: every paid reservation (confirmed, or partly refunded
 * already) gets the rest of its money back, from the operators' reservation list.
 */
async function refundImpact(eventId: string): Promise<{ count: number; amount: number }> {
  let count = 0;
  let amount = 0;
  for (const status of ['confirmed', 'partially_refunded']) {
    for (let page = 1; ; page += 1) {
      const { items, total } = await adminApi.reservations({ eventId, status, page, limit: PAGE });
      for (const r of items) amount += r.amount - (r.refundedAmount ?? 0);
      count += items.length;
      if (page * PAGE >= total || items.length === 0) break;
    }
  }
  return { count, amount };
}

/** A modal confirmation that states the refunds before the operator cancels the event. */
export function CancelEventDialog({
  event,
  busy,
  onConfirm,
  onClose,
}: {
  event: EventDetail;
  busy: boolean;
  onConfirm: (reason: string) => void;
  onClose: () => void;
}) {
  const { t, krw, num } = useI18n();
  const ref = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const impact = useQuery({
    queryKey: ['admin', 'event', event.id, 'refund-impact'],
    queryFn: () => refundImpact(event.id),
    staleTime: 0,
  });

  // No close() on cleanup: its asynchronous close event would reach onClose after a development
  // re-mount and shut the dialog it just opened. Unmounting removes the dialog anyway.
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby="cancel-event-title"
      onClose={onClose}
      data-testid="cancel-event-dialog"
    >
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (reason.trim() && impact.data) onConfirm(reason.trim());
        }}
      >
        <h2 id="cancel-event-title">{t('admin.cancelEventTitle')}</h2>
        <p className="notice notice-bad" data-testid="cancel-event-impact">
          {impact.isPending
            ? t('admin.cancelEventCounting')
            : impact.isError
              ? errorText(impact.error, t)
              : impact.data.count === 0
                ? t('admin.cancelEventNone')
                : t('admin.cancelEventImpact', {
                    n: num(impact.data.count),
                    amount: krw(impact.data.amount),
                  })}
        </p>
        <label>
          {t('admin.reason')}
          <input
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            required
            autoFocus
            data-testid="cancel-event-reason"
          />
        </label>
        <div className="actions">
          <button
            type="submit"
            className="btn btn-danger"
            disabled={busy || !reason.trim() || !impact.data}
            data-testid="cancel-event-confirm"
          >
            {t('admin.cancelEventDo')}
          </button>
          <button type="button" className="btn btn-ghost" onClick={() => ref.current?.close()}>
            {t('common.back')}
          </button>
        </div>
      </form>
    </dialog>
  );
}
