export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: 'user' | 'admin';
  phone?: string | null;
}

export interface Session {
  user: SessionUser;
  accessToken: string;
  refreshToken: string;
}

const KEY = 'tiketi.session';
type Listener = (session: Session | null, reason?: 'expired' | 'logout' | 'login' | 'refresh') => void;
const listeners = new Set<Listener>();

function read(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

let current: Session | null = read();
let lastEnd: 'expired' | 'logout' | null = null;

/** The one place the session lives; other tabs see changes through the storage event. */
export const sessionStore = {
  get: (): Session | null => current,
  /** Why the last session ended, so a guard can say "your session expired" rather than just "log in". */
  lastEnd: (): 'expired' | 'logout' | null => lastEnd,
  set(session: Session | null, reason?: 'expired' | 'logout' | 'login' | 'refresh') {
    current = session;
    if (!session) lastEnd = reason === 'expired' ? 'expired' : 'logout';
    else lastEnd = null;
    if (session) localStorage.setItem(KEY, JSON.stringify(session));
    else localStorage.removeItem(KEY);
    for (const listener of listeners) listener(session, reason);
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

if (typeof window !== 'undefined') {
  window.addEventListener('storage', (e) => {
    if (e.key !== KEY) return;
    current = read();
    for (const listener of listeners) listener(current);
  });
}
