import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { isApiError } from '../api/api-error';
import { useI18n } from '../i18n/i18n.context';
import type { MessageKey } from '../i18n/messages';

export function Loading({ label }: { label?: string }) {
  const { t } = useI18n();
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {label ?? t('common.loading')}
    </div>
  );
}

export function Empty({ children }: { children?: ReactNode }) {
  const { t } = useI18n();
  return <div className="state state-empty">{children ?? t('common.empty')}</div>;
}

/** Known error codes get a translated sentence; anything else shows the server's message. */
export function errorText(
  err: unknown,
  t: (key: MessageKey, vars?: Record<string, string>) => string,
): string {
  if (isApiError(err)) {
    const key = `code.${err.code}` as MessageKey;
    // A message may quote the service's own words, where they carry the detail (which layout field),
    // or the numbers its details give (how many bookings are still going).
    const vars: Record<string, string> = {};
    for (const [name, value] of Object.entries(err.details ?? {}))
      if (typeof value === 'number' || typeof value === 'string') vars[name] = String(value);
    const translated = t(key, { ...vars, message: err.message });
    if (translated !== key && translated.trim()) return translated;
    return err.message || t('error.generic');
  }
  return t('error.generic');
}

export function ErrorView({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  return (
    <div className="state state-error" role="alert">
      <span>{errorText(error, t)}</span>
      {onRetry && (
        <button type="button" className="btn btn-small" onClick={onRetry}>
          {t('common.retry')}
        </button>
      )}
    </div>
  );
}

/** Renders loading / error / empty / content for one query. */
export function QueryState<T>(props: {
  query: {
    isPending: boolean;
    isError: boolean;
    error: unknown;
    data: T | undefined;
    refetch: () => unknown;
  };
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  children: (data: T) => ReactNode;
}) {
  const { query } = props;
  if (query.isPending) return <Loading />;
  if (query.isError || query.data === undefined)
    return <ErrorView error={query.error} onRetry={() => void query.refetch()} />;
  if (props.isEmpty?.(query.data)) return <Empty>{props.empty}</Empty>;
  return <>{props.children(query.data)}</>;
}

/** An address nothing answers: said so, with the way back (the shop's home, or the admin's). */
export function NotFound({ back = '/', backLabel }: { back?: string; backLabel?: string }) {
  const { t } = useI18n();
  return (
    <div className="page" data-testid="not-found">
      <h1>{t('error.notFoundTitle')}</h1>
      <Link to={back}>{backLabel ?? t('nav.home')}</Link>
    </div>
  );
}
