import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AuthUser } from './tokens';

/**
 * The identity the gateway has already established for a request (signature, expiry, claims and
 * the revocation check, all done at the edge), handed to the service it forwards to. A service
 * that finds a valid one skips its own check of the same bearer token: the token's EdDSA
 * signature (the dearest step for a token the process has not seen) and the revocation lookup.
 *
 * Only a holder of INTERNAL_TOKEN can mint one (HMAC-SHA256 under a key derived from it), it is
 * bound to the bearer token it stands for (the token is signed with it), and it lives
 * for seconds. A client cannot forge it, and the gateway drops any such header a client sends. A
 * service that finds none, or a bad one, verifies the bearer token itself, as before.
 */
export const IDENTITY_HEADER = 'x-tiketi-identity';
const VERSION = 'v1';
/** Long enough for a forwarded request to arrive, short enough that a copied header is soon useless. */
export const IDENTITY_LIFETIME_MS = 30_000;

export interface IdentitySigner {
  sign(user: AuthUser, token: string, now?: number): string;
  /** The user the header vouches for, or null when it is missing, malformed, forged, stale or for another token. */
  read(header: string | undefined, token: string, now?: number): AuthUser | null;
}

export function identitySigner(internalSecret: string): IdentitySigner {
  // A key of its own, so this use of the internal secret never signs what another use would accept.
  const key = createHmac('sha256', internalSecret).update('tiketi-identity-v1').digest();
  // The token is signed along with the claims, not carried: the header holds only for that token.
  const mac = (body: string, token: string) =>
    createHmac('sha256', key).update(body).update('\n').update(token).digest();

  return {
    sign(user, token, now = Date.now()) {
      const claims = Buffer.from(
        JSON.stringify({ id: user.id, role: user.role, sid: user.sid, email: user.email, name: user.name }),
      ).toString('base64url');
      const body = `${VERSION}.${now + IDENTITY_LIFETIME_MS}.${claims}`;
      return `${body}.${mac(body, token).toString('base64url')}`;
    },
    read(header, token, now = Date.now()) {
      if (!header) return null;
      const cut = header.lastIndexOf('.');
      if (cut < 0) return null;
      const body = header.slice(0, cut);
      const given = Buffer.from(header.slice(cut + 1), 'base64url');
      const expected = mac(body, token);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
      const [version, until, claims] = body.split('.');
      if (version !== VERSION || !(Number(until) > now) || !claims) return null;
      try {
        const user = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as Partial<AuthUser>;
        if (typeof user.id !== 'string' || typeof user.sid !== 'string') return null;
        if (user.role !== 'user' && user.role !== 'admin') return null;
        return { id: user.id, role: user.role, sid: user.sid, email: user.email, name: user.name };
      } catch {
        return null;
      }
    },
  };
}
