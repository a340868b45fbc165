import { useState } from 'react';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { adminApi } from '../api/admin.api';
import type { AdminUser } from '../api/types';
import { useAuth } from '../auth/auth.context';
import { useI18n } from '../i18n/i18n.context';
import { QueryState, errorText } from '../components/state-views';
import { Pager, useUrlFilters } from '../components/pager';

const PAGE_SIZE = 50;

/** Operators find members and choose who else administers the platform. */
export function AdminUsersPage() {
  const { t, dateTime } = useI18n();
  const [params, set] = useUrlFilters();
  const filters = { q: params.get('q') ?? undefined, role: params.get('role') ?? undefined };
  const page = Number(params.get('page') ?? 1);
  const query = useQuery({
    queryKey: ['admin', 'users', filters, page],
    queryFn: () => adminApi.users({ ...filters, page, limit: PAGE_SIZE }),
    placeholderData: keepPreviousData,
  });
  return (
    <div className="page">
      <h1>{t('admin.users')}</h1>
      <div className="filters">
        <input
          type="search"
          placeholder={t('admin.userSearch')}
          defaultValue={filters.q}
          onChange={(e) => set('q', e.target.value)}
          aria-label={t('admin.userSearch')}
        />
        <select
          value={filters.role ?? ''}
          onChange={(e) => set('role', e.target.value)}
          aria-label={t('admin.role')}
        >
          <option value="">{t('admin.allRoles')}</option>
          <option value="user">{t('role.user')}</option>
          <option value="admin">{t('role.admin')}</option>
        </select>
      </div>
      <QueryState query={query} isEmpty={(d) => d.items.length === 0}>
        {(d) => (
          <>
            <p className="muted">{t('admin.userCount', { count: d.total })}</p>
            <div className="table-scroll">
              <table className="table" data-testid="admin-users">
                <thead>
                  <tr>
                    <th>{t('auth.name')}</th>
                    <th>{t('auth.email')}</th>
                    <th>{t('admin.role')}</th>
                    <th>{t('admin.joined')}</th>
                    <th>{t('admin.lastLogin')}</th>
                    <th>
                      <span className="sr-only">{t('common.actions')}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {d.items.map((u) => (
                    <tr key={u.id} data-testid={`user-${u.id}`}>
                      <td className="cell-break">
                        {u.name}
                        {u.phone && (
                          <>
                            <br />
                            <span className="muted">{u.phone}</span>
                          </>
                        )}
                      </td>
                      <td className="cell-break">{u.email}</td>
                      <td>
                        <span className={`badge badge-role-${u.role}`}>{t(`role.${u.role}`)}</span>
                      </td>
                      <td>{dateTime(u.createdAt)}</td>
                      <td>{u.lastLoginAt ? dateTime(u.lastLoginAt) : '—'}</td>
                      <td>
                        <RoleChange user={u} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager page={page} total={d.total} pageSize={PAGE_SIZE} onPage={(n) => set('page', String(n))} />
          </>
        )}
      </QueryState>
    </div>
  );
}

/** Promote or demote, after a second click that says what will happen. */
function RoleChange({ user }: { user: AdminUser }) {
  const { t } = useI18n();
  const { user: me } = useAuth();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // Stepping down is done by another administrator, so that nobody locks themselves out by a slip.
  if (user.id === me?.id) return <span className="muted">{t('admin.you')}</span>;
  const next = user.role === 'admin' ? 'user' : 'admin';
  const label = next === 'admin' ? t('admin.makeAdmin') : t('admin.makeUser');
  if (!confirming)
    return (
      <button
        type="button"
        className="btn btn-small"
        onClick={() => setConfirming(true)}
        data-testid={`role-${user.id}`}
      >
        {label}
      </button>
    );
  return (
    <div className="confirm-box">
      <p>
        {t(next === 'admin' ? 'admin.makeAdminConfirm' : 'admin.makeUserConfirm', {
          name: user.name || user.email,
        })}
      </p>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button
          type="button"
          className={`btn btn-small ${next === 'admin' ? 'btn-primary' : 'btn-danger'}`}
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            setError(null);
            try {
              await adminApi.setRole(user.id, next);
              setConfirming(false);
              await queryClient.invalidateQueries({ queryKey: ['admin', 'users'] });
            } catch (err) {
              setError(errorText(err, t));
            } finally {
              setBusy(false);
            }
          }}
        >
          {label}
        </button>
        <button type="button" className="btn btn-small btn-ghost" onClick={() => setConfirming(false)}>
          {t('common.back')}
        </button>
      </div>
    </div>
  );
}
