import { NavLink, Outlet } from 'react-router-dom';
import { useI18n } from '../i18n/i18n.context';

export function AdminLayout() {
  const { t } = useI18n();
  return (
    <div className="admin">
      <nav className="admin-nav" aria-label={t('admin.nav')}>
        <NavLink to="/admin" end>
          {t('admin.dashboard')}
        </NavLink>
        <NavLink to="/admin/events">{t('admin.events')}</NavLink>
        <NavLink to="/admin/reservations">{t('admin.reservations')}</NavLink>
        <NavLink to="/admin/stats">{t('admin.statistics')}</NavLink>
        <NavLink to="/admin/entry">{t('admin.entry')}</NavLink>
        <NavLink to="/admin/users">{t('admin.users')}</NavLink>
      </nav>
      <div className="admin-body">
        <Outlet />
      </div>
    </div>
  );
}
