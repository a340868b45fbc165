import { ApiError } from './api-error';
import { sessionStore } from '../auth/session.store';

export interface RequestOptions {
  method?: string;
  body?: unknown;
  /** FormData bodies are sent as multipart (poster upload). */
  form?: FormData;
  headers?: Record<string, string>;
  query?: Record<string, string | number | boolean | undefined | null>;
  /** Don't try a refresh on 401 (the auth routes themselves). */
  noRefresh?: boolean;
  signal?: AbortSignal;
}

export function withQuery(path: string, query?: RequestOptions['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

type RefreshOutcome = 'refreshed' | 'rejected' | 'unavailable';
let refreshing: Promise<RefreshOutcome> | null = null;

/**
 * Exchanges the refresh token for a new pair. Only one refresh is ever in flight: refresh tokens
 * rotate and a reused one revokes the family, so two parallel refreshes would log the user out.
 * Only a refusal ends the session; a network error or a 5xx/429 leaves it for the next try.
 */
export function refreshSession(): Promise<RefreshOutcome> {
  if (refreshing) return refreshing;
  const session = sessionStore.get();
  if (!session) return Promise.resolve('rejected');
  refreshing = (async (): Promise<RefreshOutcome> => {
    try {
      const res = await fetch('/api/auth/refresh', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken: session.refreshToken }),
      });
      if (!res.ok) {
        // Another tab may have rotated the token meanwhile: its new session is in storage.
        const latest = sessionStore.get();
        if (latest && latest.refreshToken !== session.refreshToken) return 'refreshed';
        if (res.status === 401 || res.status === 400 || res.status === 403) {
          sessionStore.set(null, 'expired');
          return 'rejected';
        }
        return 'unavailable';
      }
      const body = (await res.json()) as { accessToken: string; refreshToken: string };
      const latest = sessionStore.get();
      if (latest)
        sessionStore.set(
          { ...latest, accessToken: body.accessToken, refreshToken: body.refreshToken },
          'refresh',
        );
      return 'refreshed';
    } catch {
      return 'unavailable';
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

async function parse(res: Response): Promise<unknown> {
  if (res.status === 204) return null;
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('application/json')) return res.json();
  return res.text();
}

export async function rawRequest(path: string, options: RequestOptions = {}): Promise<Response> {
  const send = () => {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    const session = sessionStore.get();
    if (session) headers.authorization = `Bearer ${session.accessToken}`;
    let body: BodyInit | undefined;
    if (options.form) body = options.form;
    else if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    return fetch(withQuery(path, options.query), {
      method: options.method ?? 'GET',
      headers,
      body,
      signal: options.signal,
    });
  };
  let res = await send();
  if (res.status === 401 && !options.noRefresh && sessionStore.get()) {
    const outcome = await refreshSession();
    if (outcome === 'refreshed') res = await send();
    else if (outcome === 'rejected' && sessionStore.get()) sessionStore.set(null, 'expired');
  }
  return res;
}

/** JSON request to the gateway (same origin); throws ApiError with the server's code and details. */
export async function api<T = unknown>(path: string, options: RequestOptions = {}): Promise<T> {
  let res: Response;
  try {
    res = await rawRequest(path, options);
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'NETWORK_ERROR', 'The server could not be reached');
  }
  const body = await parse(res).catch(() => null);
  if (!res.ok) {
    const error = (
      body as {
        error?: { code?: string; message?: string; details?: Record<string, unknown>; requestId?: string };
      } | null
    )?.error;
    throw new ApiError(
      res.status,
      error?.code ?? `HTTP_${res.status}`,
      error?.message ?? res.statusText,
      error?.details,
      error?.requestId,
    );
  }
  return body as T;
}

/** Downloads an authenticated file (CSV export) and hands it to the browser. */
export async function download(
  path: string,
  query: RequestOptions['query'],
  filename: string,
): Promise<void> {
  const res = await rawRequest(path, { query, headers: { accept: 'text/csv' } });
  if (!res.ok) {
    const body = (await parse(res).catch(() => null)) as {
      error?: { code?: string; message?: string };
    } | null;
    throw new ApiError(
      res.status,
      body?.error?.code ?? `HTTP_${res.status}`,
      body?.error?.message ?? res.statusText,
    );
  }
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
