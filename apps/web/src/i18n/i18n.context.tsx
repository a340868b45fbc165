import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { messages, type MessageKey } from './messages';
import {
  formatDate,
  formatDateTime,
  formatDuration,
  formatKRW,
  formatNumber,
  type Locale,
} from '../lib/format';

const STORAGE_KEY = 'tiketi.locale';

export interface I18n {
  locale: Locale;
  setLocale(locale: Locale): void;
  t(key: MessageKey, vars?: Record<string, string | number>): string;
  krw(amount: number | null | undefined): string;
  num(value: number | null | undefined): string;
  dateTime(iso: string | null | undefined): string;
  date(iso: string | null | undefined): string;
  /** A countdown's time left ("29일 22:59:39"). */
  duration(seconds: number): string;
}

const I18nContext = createContext<I18n | null>(null);

export function detectLocale(): Locale {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === 'ko' || saved === 'en') return saved;
  } catch {
    // Storage may be disabled; fall back to the browser's language.
  }
  const languages = navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const lang of languages) {
    const base = lang?.toLowerCase().split('-')[0];
    if (base === 'ko') return 'ko';
    if (base === 'en') return 'en';
  }
  return 'ko';
}

export function translate(locale: Locale, key: MessageKey, vars?: Record<string, string | number>): string {
  // "1 event", "2 events": a message with a `<key>.one` form takes it where the language says so.
  // The count may come formatted ("1,234").
  const raw = vars?.count ?? vars?.n;
  const count = typeof raw === 'string' ? Number(raw.replace(/[^\d.-]/g, '')) : raw;
  const form =
    typeof count === 'number' && Number.isFinite(count) && raw !== ''
      ? `${key}.${new Intl.PluralRules(locale).select(count)}`
      : '';
  const plural = form in messages[locale] ? messages[locale][form as MessageKey] : undefined;
  let text: string = plural ?? messages[locale][key] ?? messages.en[key] ?? key;
  if (vars)
    for (const [name, value] of Object.entries(vars)) text = text.replaceAll(`{${name}}`, String(value));
  return text;
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(detectLocale);
  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);
  const setLocale = useCallback((next: Locale) => {
    setLocaleState(next);
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Not persisted; the choice still holds for this page.
    }
  }, []);
  const value = useMemo<I18n>(
    () => ({
      locale,
      setLocale,
      t: (key, vars) => translate(locale, key, vars),
      krw: (amount) => formatKRW(amount, locale),
      num: (n) => formatNumber(n, locale),
      dateTime: (iso) => formatDateTime(iso, locale),
      date: (iso) => formatDate(iso, locale),
      duration: (seconds) => formatDuration(seconds, locale),
    }),
    [locale, setLocale],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error('useI18n outside I18nProvider');
  return ctx;
}
