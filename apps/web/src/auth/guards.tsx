import { useEffect, type ReactNode } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router-dom';
import { useAuth } from './auth.context';
import { sessionStore } from './session.store';
import { useI18n } from '../i18n/i18n.context';

export function loginPath(location: { pathname: string; search: string }, expired = false): string {
  const next = encodeURIComponent(`${location.pathname}${location.search}`);
  return `/login?next=${next}${expired ? '&expired=1' : ''}`;
}

/** Pages for signed-in users: anyone else goes to login and comes back afterwards. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const { user } = useAuth();
  const location = useLocation();
  if (!user) return <Navigate to={loginPath(location, sessionStore.lastEnd() === 'expired')} replace />;
  return <>{children}</>;
}

export function RequireAdmin({ children }: { children: ReactNode }) {
  const { user, isAdmin } = useAuth();
  const location = useLocation();
  const { t } = useI18n();
  if (!user) return <Navigate to={loginPath(location, sessionStore.lastEnd() === 'expired')} replace />;
  if (!isAdmin)
    return (
      <div className="page">
        <h1>{t('error.forbiddenTitle')}</h1>
        <p>{t('error.forbidden')}</p>
      </div>
    );
  return <>{children}</>;
}

/** When a refresh fails the session has ended: send the user to log in and back to this page. */
export function SessionExpiryWatcher() {
  const navigate = useNavigate();
  const location = useLocation();
  useEffect(
    () =>
      sessionStore.subscribe((session, reason) => {
        if (!session && reason === 'expired') navigate(loginPath(window.location, true), { replace: true });
      }),
    [navigate, location],
  );
  return null;
}
