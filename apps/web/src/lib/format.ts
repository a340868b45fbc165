export type Locale = 'ko' | 'en';
export const TIME_ZONE = 'Asia/Seoul';

const tags: Record<Locale, string> = { ko: 'ko-KR', en: 'en-US' };
const cache = new Map<string, Intl.DateTimeFormat>();

function dtf(locale: Locale, key: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const id = `${locale}:${key}`;
  let f = cache.get(id);
  if (!f) {
    f = new Intl.DateTimeFormat(tags[locale], { timeZone: TIME_ZONE, ...options });
    cache.set(id, f);
  }
  return f;
}

/** Integer KRW with thousands separators: "150,000원" / "₩150,000". */
export function formatKRW(amount: number | null | undefined, locale: Locale): string {
  if (amount === null || amount === undefined || Number.isNaN(amount)) return '-';
  const n = new Intl.NumberFormat('ko-KR', { maximumFractionDigits: 0 }).format(Math.round(amount));
  return locale === 'ko' ? `${n}원` : `₩${n}`;
}

export function formatNumber(value: number | null | undefined, locale: Locale): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '-';
  return new Intl.NumberFormat(tags[locale]).format(value);
}

export function formatPercent(ratio: number | null | undefined, locale: Locale): string {
  if (ratio === null || ratio === undefined || Number.isNaN(ratio)) return '-';
  return new Intl.NumberFormat(tags[locale], { style: 'percent', maximumFractionDigits: 1 }).format(ratio);
}

/** Date and time in Seoul, whatever the browser's zone. */
export function formatDateTime(iso: string | null | undefined, locale: Locale): string {
  if (!iso) return '-';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '-';
  return dtf(locale, 'dt', {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
  }).format(d);
}

export function formatDate(iso: string | null | undefined, locale: Locale): string {
  if (!iso) return '-';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '-';
  return dtf(locale, 'd', { year: 'numeric', month: 'short', day: 'numeric', weekday: 'short' }).format(d);
}

/** Seconds as h:mm:ss or m:ss for countdowns, whole days before it in the reader's words. */
export function formatDuration(totalSeconds: number, locale: Locale): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const days = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  const clock = h > 0 ? `${h}:${pad(m)}:${pad(sec)}` : `${m}:${pad(sec)}`;
  if (days === 0) return clock;
  return locale === 'ko' ? `${days}일 ${clock}` : `${days}d ${clock}`;
}

/** `datetime-local` input value (Seoul wall clock) <-> ISO instant. */
export function toSeoulInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: TIME_ZONE,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(d)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

export function fromSeoulInput(value: string): string | undefined {
  if (!value) return undefined;
  // Seoul has no daylight saving time: it is always UTC+9.
  const d = new Date(`${value}:00+09:00`);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** Calendar day in Seoul as YYYY-MM-DD (search date filters). */
export function seoulDay(date: Date): string {
  return toSeoulInput(date.toISOString()).slice(0, 10);
}
