import { useEffect, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import QRCode from 'qrcode';
import { bookingApi } from '../api/booking.api';
import { isApiError } from '../api/api-error';
import type { Reservation } from '../api/types';
import { useI18n } from '../i18n/i18n.context';
import { ErrorView, Loading } from '../components/state-views';

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

/**
 * The mobile ticket a paid booking shows at the venue: a QR code of its entry code, the code
 * written out (for a gate that types it), the seats it admits, and whether it was already used.
 */
export function EntryPassPanel({ r }: { r: Reservation }) {
  const { t, dateTime } = useI18n();
  const query = useQuery({
    queryKey: ['entry-pass', r.id],
    queryFn: () => bookingApi.pass(r.id),
    retry: (count, err) => !(isApiError(err) && err.status < 500) && count < 2,
  });
  const svg = useQrSvg(query.data?.code);
  // An ended event or a refunded booking has no pass: the page says what it is already.
  if (query.isError && isApiError(query.error) && query.error.code === 'PASS_UNAVAILABLE') return null;
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
          {svg && (
            <div
              className="entry-qr"
              role="img"
              aria-label={t('pass.qr')}
              // The library's own SVG of the code: no user input reaches it but the code's characters.
              dangerouslySetInnerHTML={{ __html: svg }}
            />
          )}
          <p className="entry-code mono" data-testid="entry-code">
            {groupedCode(query.data.code)}
          </p>
          <p>
            {t('pass.seats')}: {query.data.seats.join(', ')}
          </p>
        </>
      )}
    </section>
  );
}
