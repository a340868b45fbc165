import { useEffect, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from 'react-router-dom';
import QRCode from 'qrcode';
import { bookingApi } from '../api/booking.api';
import { isApiError } from '../api/api-error';
import type { Reservation, SeatPassSummary } from '../api/types';
import { useI18n } from '../i18n/i18n.context';
import { ErrorView, Loading, errorText } from '../components/state-views';

/** The QR code as SVG markup, drawn in the browser (the code never leaves it for a QR service). */
function useQrSvg(text: string | undefined): string | null {
  const [svg, setSvg] = useState<string | null>(null);
  useEffect(() => {
    if (!text) return;
    let current = true;
    QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })
      .then((markup) => current && setSvg(markup))
      .catch(() => current && setSvg(null));
    return () => {
      current = false;
    };
  }, [text]);
  return svg;
}

/** Read out or typed in groups of four; the gate ignores the spaces. */
export function groupedCode(code: string): string {
  const [prefix, rest] = code.includes('-')
    ? [code.slice(0, code.indexOf('-') + 1), code.slice(code.indexOf('-') + 1)]
    : ['', code];
  return prefix + (rest.match(/.{1,4}/g) ?? []).join(' ');
}

/** A code as the gate takes it: its QR code, and written out for a gate that types it. */
function PassCode({ code, label }: { code: string; label: string }) {
  const svg = useQrSvg(code);
  return (
    <>
      {svg && (
        <div
          className="entry-qr"
          role="img"
          aria-label={label}
          // The library's own SVG of the code: no user input reaches it but the code's characters.
          dangerouslySetInnerHTML={{ __html: svg }}
        />
      )}
      <p className="entry-code mono" data-testid="entry-code">
        {groupedCode(code)}
      </p>
    </>
  );
}

/** Where a companion opens a seat's pass: no account needed, the code in the link is the ticket. */
export const seatPassLink = (code: string) => `${location.origin}/passes/${encodeURIComponent(code)}`;

/**
 * One seat of the booking: shown apart (a member of the group entering later), or sent on as a
 * link (the phone's share sheet where there is one, else copied).
 */
function SeatPassRow({ seat, reservationId }: { seat: SeatPassSummary; reservationId: string }) {
  const { t, dateTime } = useI18n();
  const queryClient = useQueryClient();
  const reissue = useMutation({
    mutationFn: () => bookingApi.reissueSeatPass(reservationId, seat.seatId),
    onSuccess: (pass) => queryClient.setQueryData(['entry-pass', reservationId], pass),
  });
  const [open, setOpen] = useState(false);
  const [copied, setCopied] = useState(false);
  const send = async () => {
    const url = seatPassLink(seat.code);
    const nav = navigator as Navigator & { share?: (data: { title?: string; url: string }) => Promise<void> };
    try {
      if (nav.share) await nav.share({ title: t('pass.seatTitle', { seat: seat.label }), url });
      else {
        await navigator.clipboard.writeText(url);
        setCopied(true);
      }
    } catch {
      // The share sheet closed, or the clipboard refused: the link is shown to copy by hand.
      setCopied(false);
      setOpen(true);
    }
  };
  return (
    <li data-testid="seat-pass" data-seat={seat.label}>
      <strong>{seat.label}</strong>{' '}
      <span className="muted">
        {seat.checkedInAt ? t('pass.seatIn', { at: dateTime(seat.checkedInAt) }) : t('pass.seatNotIn')}
      </span>{' '}
      <button
        type="button"
        className="btn btn-small btn-ghost"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
      >
        {open ? t('pass.hideSeat') : t('pass.showSeat')}
      </button>{' '}
      {!seat.checkedInAt && (
        <button type="button" className="btn btn-small" data-testid="send-seat" onClick={() => void send()}>
          {t('pass.sendSeat')}
        </button>
      )}
      {copied && (
        <span className="muted" role="status">
          {' '}
          {t('pass.linkCopied')}
        </span>
      )}
      {open && (
        <div className="seat-pass">
          <PassCode code={seat.code} label={t('pass.seatQr', { seat: seat.label })} />
          <p className="muted break-anywhere">
            {t('pass.link')}: <span data-testid="seat-pass-link">{seatPassLink(seat.code)}</span>
          </p>
          {!seat.checkedInAt && (
            <p>
              <button
                type="button"
                className="btn btn-small btn-ghost"
                data-testid="reissue-seat"
                disabled={reissue.isPending}
                onClick={() => reissue.mutate()}
              >
                {t('pass.reissueSeat')}
              </button>
            </p>
          )}
          {reissue.isSuccess && (
            <p className="muted" role="status">
              {t('pass.reissued')}
            </p>
          )}
          {reissue.isError && <p className="field-error">{errorText(reissue.error, t)}</p>}
        </div>
      )}
    </li>
  );
}

/**
 * The mobile ticket a paid booking shows at the venue: a QR code of its entry code (it admits
 * every seat not yet in), the code written out (for a gate that types it), the seats, whether it
 * was already used, and for a group each seat's own pass to enter apart or send to a companion.
 */
export function EntryPassPanel({ r }: { r: Reservation }) {
  const { t, dateTime } = useI18n();
  const query = useQuery({
    queryKey: ['entry-pass', r.id],
    queryFn: () => bookingApi.pass(r.id),
    retry: (count, err) => !(isApiError(err) && err.status < 500) && count < 2,
  });
  // An ended event or a refunded booking has no pass: the page says what it is already.
  if (query.isError && isApiError(query.error) && query.error.code === 'PASS_UNAVAILABLE') return null;
  const seatPasses = query.data?.seatPasses ?? [];
  return (
    <section className="entry-pass" aria-labelledby="entry-pass-title" data-testid="entry-pass">
      <h2 id="entry-pass-title">{t('pass.title')}</h2>
      {query.isPending && <Loading />}
      {query.isError && <ErrorView error={query.error} onRetry={() => void query.refetch()} />}
      {query.data && (
        <>
          {query.data.checkedInAt ? (
            <p className="notice" role="status">
              {t('pass.used', { at: dateTime(query.data.checkedInAt) })}
            </p>
          ) : (
            <p className="muted">{t('pass.howTo')}</p>
          )}
          <PassCode code={query.data.code} label={t('pass.qr')} />
          <p>
            {t('pass.seats')}: {query.data.seats.join(', ')}
          </p>
          {seatPasses.length > 1 && (
            <>
              <h3>{t('pass.seatPasses')}</h3>
              <p className="muted">{t('pass.seatPassesHint')}</p>
              <ul className="seat-passes">
                {seatPasses.map((s) => (
                  <SeatPassRow key={s.seatId} seat={s} reservationId={r.id} />
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </section>
  );
}

/** /passes/:code: a seat's pass sent to a companion, shown without an account. */
export function SeatPassPage() {
  const { code = '' } = useParams();
  const { t, dateTime } = useI18n();
  const query = useQuery({
    queryKey: ['seat-pass', code],
    queryFn: () => bookingApi.seatPass(code),
    retry: (count, err) => !(isApiError(err) && err.status < 500) && count < 2,
  });
  const unavailable =
    query.isError &&
    isApiError(query.error) &&
    (query.error.code === 'PASS_UNAVAILABLE' || query.error.code === 'PASS_NOT_FOUND');
  return (
    <section
      className="entry-pass page-narrow"
      aria-labelledby="seat-pass-title"
      data-testid="seat-pass-page"
    >
      <h1 id="seat-pass-title">{t('pass.seatTitle', { seat: query.data?.seat ?? '' })}</h1>
      {query.isPending && <Loading />}
      {unavailable ? (
        <p className="notice notice-bad" data-testid="seat-pass-unavailable">
          {t('pass.unavailable')}
        </p>
      ) : (
        query.isError && <ErrorView error={query.error} onRetry={() => void query.refetch()} />
      )}
      {query.data && (
        <>
          <dl className="facts">
            <dt>{t('admin.event')}</dt>
            <dd>{query.data.event.title}</dd>
            <dt>{t('event.when')}</dt>
            <dd>{dateTime(query.data.event.startsAt)}</dd>
            <dt>{t('event.where')}</dt>
            <dd>{query.data.event.venueName}</dd>
            <dt>{t('seat.seat')}</dt>
            <dd data-testid="seat-pass-seat">{query.data.seat}</dd>
          </dl>
          {query.data.checkedInAt ? (
            <p className="notice" role="status">
              {t('pass.used', { at: dateTime(query.data.checkedInAt) })}
            </p>
          ) : (
            <p className="muted">{t('pass.seatHowTo')}</p>
          )}
          <PassCode code={query.data.code} label={t('pass.seatQr', { seat: query.data.seat })} />
        </>
      )}
    </section>
  );
}
