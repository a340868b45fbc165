import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import { sessionStore, type Session, type SessionUser } from './session.store';

interface AuthValue {
  user: SessionUser | null;
  isAdmin: boolean;
  login(email: string, password: string): Promise<SessionUser>;
  register(input: { email: string; password: string; name: string; phone?: string }): Promise<SessionUser>;
  logout(): Promise<void>;
  /** Saves the name or phone; the session takes the new access token, which carries the new name. */
  updateProfile(changes: { name?: string; phone?: string | null }): Promise<SessionUser>;
  /** Changes the password; answers how many other sessions it ended. */
  changePassword(currentPassword: string, newPassword: string): Promise<number>;
  /**
   * Closes the account (the password confirms it). The server ends its sessions; the page the user
   * lands on then calls forgetSession (cleared here, a signed-in page would send them to log in).
   */
  closeAccount(password: string): Promise<void>;
  forgetSession(): void;
}

const AuthContext = createContext<AuthValue | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(sessionStore.get);
  const queryClient = useQueryClient();

  useEffect(() => sessionStore.subscribe((next) => setSession(next)), []);

  // Refresh the profile once per load: a role change or a revoked session shows up here.
  useEffect(() => {
    if (!sessionStore.get()) return;
    api<{ user: SessionUser }>('/api/auth/me')
      .then(({ user }) => {
        const s = sessionStore.get();
        if (s) sessionStore.set({ ...s, user });
      })
      .catch(() => undefined);
  }, []);

  /** Sign-in and sign-up both answer with a user and a token pair: a new session, nothing cached from the last. */
  const signIn = useCallback(
    async (path: '/api/auth/login' | '/api/auth/register', body: object) => {
      const answer = await api<Session>(path, { method: 'POST', body, noRefresh: true });
      queryClient.clear();
      sessionStore.set(
        { user: answer.user, accessToken: answer.accessToken, refreshToken: answer.refreshToken },
        'login',
      );
      return answer.user;
    },
    [queryClient],
  );
  const login = useCallback(
    (email: string, password: string) => signIn('/api/auth/login', { email, password }),
    [signIn],
  );
  const register = useCallback(
    (input: { email: string; password: string; name: string; phone?: string }) =>
      signIn('/api/auth/register', input),
    [signIn],
  );

  const logout = useCallback(async () => {
    const s = sessionStore.get();
    if (s) {
      await api('/api/auth/logout', {
        method: 'POST',
        body: { refreshToken: s.refreshToken },
        noRefresh: true,
      }).catch(() => undefined);
    }
    sessionStore.set(null, 'logout');
    queryClient.clear();
  }, [queryClient]);

  const updateProfile = useCallback(async (changes: { name?: string; phone?: string | null }) => {
    const body = await api<{ user: SessionUser; accessToken: string }>('/api/auth/me', {
      method: 'PATCH',
      body: changes,
    });
    const s = sessionStore.get();
    if (s) sessionStore.set({ ...s, user: body.user, accessToken: body.accessToken }, 'refresh');
    return body.user;
  }, []);

  const changePassword = useCallback(async (currentPassword: string, newPassword: string) => {
    const body = await api<{ otherSessionsEnded: number }>('/api/auth/password', {
      method: 'POST',
      body: { currentPassword, newPassword },
    });
    return body.otherSessionsEnded;
  }, []);

  const closeAccount = useCallback(async (password: string) => {
    await api('/api/auth/me', { method: 'DELETE', body: { password } });
  }, []);

  // The server already ended the session (a closed account): only this browser's copy is left.
  const forgetSession = useCallback(() => {
    if (!sessionStore.get()) return;
    sessionStore.set(null, 'logout');
    queryClient.clear();
  }, [queryClient]);

  const value = useMemo<AuthValue>(
    () => ({
      user: session?.user ?? null,
      isAdmin: session?.user.role === 'admin',
      login,
      register,
      logout,
      updateProfile,
      changePassword,
      closeAccount,
      forgetSession,
    }),
    [session, login, register, logout, updateProfile, changePassword, closeAccount, forgetSession],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}
