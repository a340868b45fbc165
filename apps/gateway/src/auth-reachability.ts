import { AppError, isAppError } from '@tiketi/platform';

const PROBE_TIMEOUT_MS = 1_000;
const PROBE_CACHE_MS = 5_000;

/**
 * Whether the auth service's key set can be fetched right now, asked at most every few seconds.
 * A token that fails verification while the keys cannot be fetched is not known to be bad: the
 * caller gets 503 and keeps their session, instead of a 401 that would sign them out.
 */
export function authReachability(authUrl: string, now: () => number = Date.now) {
  let last: { at: number; reachable: boolean } | null = null;
  let pending: Promise<boolean> | null = null;
  const jwksUrl = `${authUrl.replace(/\/$/, '')}/.well-known/jwks.json`;

  async function probe(): Promise<boolean> {
    try {
      const response = await fetch(jwksUrl, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      await response.body?.cancel();
      return response.ok;
    } catch {
      return false;
    }
  }

  return async function reachable(): Promise<boolean> {
    if (last && now() - last.at < PROBE_CACHE_MS) return last.reachable;
    pending ??= probe().then((result) => {
      last = { at: now(), reachable: result };
      pending = null;
      return result;
    });
    return pending;
  };
}

const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]*$/;

/** Turns "invalid" into "cannot check now" when the token is JWT-shaped and auth is unreachable. */
export async function explainVerificationFailure(
  err: unknown,
  token: string,
  reachable: () => Promise<boolean>,
): Promise<unknown> {
  if (!isAppError(err) || err.code !== 'INVALID_TOKEN' || !JWT_SHAPE.test(token)) return err;
  if (await reachable()) return err;
  return new AppError(
    'unavailable',
    'AUTH_UNAVAILABLE',
    'Sign-in cannot be checked right now; try again shortly',
    {
      headers: { 'retry-after': '5' },
    },
  );
}
