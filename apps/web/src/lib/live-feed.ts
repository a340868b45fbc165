import { EventSource, type FetchLike } from 'eventsource';
import { refreshSession } from '../api/client';
import { sessionStore } from '../auth/session.store';

/**
 * fetch for EventSource that sends the signed-in user's bearer token. The stats feed would also
 * take the token as `?access_token=`, but a token in a URL lands in the access logs of nginx, the
 * gateway and the service; a header does not. A 401 (the access token expired while the page was
 * open) refreshes the session once and retries, as every other request does.
 */
const authorizedFetch: FetchLike = async (url, init) => {
  const send = () => {
    const session = sessionStore.get();
    const headers = {
      ...init.headers,
      ...(session ? { authorization: `Bearer ${session.accessToken}` } : {}),
    };
    return fetch(url, { ...init, headers });
  };
  const res = await send();
  if (res.status !== 401 || !sessionStore.get()) return res;
  if ((await refreshSession()) !== 'refreshed') return res;
  await res.body?.cancel().catch(() => undefined);
  return send();
};

export type FeedState = 'connecting' | 'open' | 'failed';

export interface FeedHandlers<T> {
  data(value: T): void;
  state(state: FeedState): void;
}

/**
 * Follows a server-sent events feed (EventSource: it reconnects by itself after a network error,
 * honouring the server's `retry:`). A refusal (non-200) ends it: the state becomes "failed" and a
 * new attempt is made after `retryAfterFailureMs`, so a stats service that comes back is picked
 * up again. Returns the function that closes it.
 */
export function followFeed<T>(
  path: string,
  eventName: string,
  handlers: FeedHandlers<T>,
  retryAfterFailureMs = 15_000,
): () => void {
  let source: EventSource | null = null;
  let retry: ReturnType<typeof setTimeout> | null = null;
  let closed = false;
  const open = () => {
    handlers.state('connecting');
    const es = new EventSource(path, { fetch: authorizedFetch });
    source = es;
    es.addEventListener('open', () => handlers.state('open'));
    es.addEventListener(eventName, (event) => {
      try {
        handlers.data(JSON.parse((event as MessageEvent<string>).data) as T);
      } catch {
        // A malformed message is skipped; the next one replaces it.
      }
    });
    es.addEventListener('error', () => {
      if (es.readyState === es.CONNECTING) return handlers.state('connecting');
      handlers.state('failed');
      es.close();
      if (!closed) retry = setTimeout(open, retryAfterFailureMs);
    });
  };
  open();
  return () => {
    closed = true;
    if (retry) clearTimeout(retry);
    source?.close();
  };
}
