import { useSearchParams } from 'react-router-dom';
import { useI18n } from '../i18n/i18n.context';

/** Previous / next over a list the server pages; nothing when it fits on one page. */
export function Pager({
  page,
  total,
  pageSize,
  onPage,
}: {
  page: number;
  total: number;
  pageSize: number;
  onPage: (page: number) => void;
}) {
  const { t } = useI18n();
  if (total <= pageSize) return null;
  return (
    <nav className="pager" aria-label={t('common.pagination')}>
      <button type="button" className="btn btn-small" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        {t('common.prev')}
      </button>
      <span>
        {page} / {Math.ceil(total / pageSize)}
      </span>
      <button
        type="button"
        className="btn btn-small"
        disabled={page * pageSize >= total}
        onClick={() => onPage(page + 1)}
      >
        {t('common.next')}
      </button>
    </nav>
  );
}

/**
 * A list page's filters live in its address (shareable, kept on reload): setting one replaces it
 * (an empty value removes it) and, unless it is the page itself, starts again from page one.
 */
export function useUrlFilters(): [URLSearchParams, (key: string, value: string) => void] {
  const [params, setParams] = useSearchParams();
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    if (key !== 'page') next.delete('page');
    setParams(next, { replace: true });
  };
  return [params, set];
}
