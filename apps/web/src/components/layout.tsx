import { Link, NavLink, Outlet, useNavigate } from 'react-router-dom';
import { useAuth } from '../auth/auth.context';
import { useI18n } from '../i18n/i18n.context';
import { SessionExpiryWatcher } from '../auth/guards';

export function LanguageSwitch() {
  const { locale, setLocale, t } = useI18n();
  return (
    <label className="lang-switch">
      <span className="sr-only">{t('nav.language')}</span>
      <select
        aria-label={t('nav.language')}
        value={locale}
        onChange={(e) => setLocale(e.target.value === 'en' ? 'en' : 'ko')}
      >
        <option value="ko">한국어</option>
        <option value="en">English</option>
      </select>
    </label>
  );
}

export function Layout() {
  const { user, isAdmin, logout } = useAuth();
  const { t } = useI18n();
  const navigate = useNavigate();
  return (
    <div className="app">
      <SessionExpiryWatcher />
      <a href="#main" className="skip-link">
        {t('nav.skip')}
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          TIKETI
        </Link>
        <nav aria-label={t('nav.main')}>
          <NavLink to="/" end>
            {t('nav.home')}
          </NavLink>
          <NavLink to="/search">{t('nav.search')}</NavLink>
          {user && <NavLink to="/my/reservations">{t('nav.myReservations')}</NavLink>}
          {isAdmin && <NavLink to="/admin">{t('nav.admin')}</NavLink>}
        </nav>
        <div className="topbar-right">
          <LanguageSwitch />
          {user ? (
            <>
              <NavLink
                to="/my/account"
                className="user-name"
                data-testid="user-name"
                aria-label={`${t('nav.account')}: ${user.name}`}
              >
                {user.name}
              </NavLink>
              <button
                type="button"
                className="btn btn-ghost"
                onClick={async () => {
                  await logout();
                  navigate('/');
                }}
              >
                {t('nav.logout')}
              </button>
            </>
          ) : (
            <>
              <NavLink to="/login">{t('nav.login')}</NavLink>
              <NavLink to="/register" className="btn btn-small">
                {t('nav.register')}
              </NavLink>
            </>
          )}
        </div>
      </header>
      <main id="main" className="main">
        <Outlet />
      </main>
      <footer className="footer">
        <span>© TIKETI</span>
        <span>{t('footer.timezone')}</span>
      </footer>
    </div>
  );
}
