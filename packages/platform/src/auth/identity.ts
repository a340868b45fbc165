import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AuthUser } from './tokens';
import { setBounded } from '../cache/bounded-map';

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
/**
 * A buyer's requests come with the same token again and again: the gateway hands on the header it
 * signed for that token while two thirds of its life remain, and a service remembers a header it
 * checked until it expires. The same header then costs neither side an HMAC, JSON and base64 (a
 * tenth of the ticket service's time on a queue status poll).
 */
const SIGNED_REUSE_MS = 10_000;
/** As many as the token verifier keeps: a sale's whole crowd of buyers within a minute. */
const REMEMBERED_MAX = 50_000;

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

  // By token: the header signed for it and when. A token stands for one user (its verified claims).
  const signed = new Map<string, { header: string; at: number }>();
  // By header: the user it vouched for, the token it was signed with, and its expiry.
  const checked = new Map<string, { user: AuthUser; token: string; until: number }>();
  const remember = <K, V>(map: Map<K, V>, key: K, value: V) => setBounded(map, key, value, REMEMBERED_MAX);

  function check(header: string, token: string, now: number): { user: AuthUser; until: number } | null {
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
      return {
        user: { id: user.id, role: user.role, sid: user.sid, email: user.email, name: user.name },
        until: Number(until),
      };
    } catch {
      return null;
    }
  }

  return {
    sign(user, token, now = Date.now()) {
      const last = signed.get(token);
      if (last && now >= last.at && now - last.at < SIGNED_REUSE_MS) return last.header;
      const claims = Buffer.from(
        JSON.stringify({ id: user.id, role: user.role, sid: user.sid, email: user.email, name: user.name }),
      ).toString('base64url');
      const body = `${VERSION}.${now + IDENTITY_LIFETIME_MS}.${claims}`;
      const header = `${body}.${mac(body, token).toString('base64url')}`;
      remember(signed, token, { header, at: now });
      return header;
    },
    read(header, token, now = Date.now()) {
      if (!header) return null;
      const known = checked.get(header);
      if (known && known.token === token && known.until > now) return { ...known.user };
      const vouched = check(header, token, now);
      if (!vouched) return null;
      remember(checked, header, { ...vouched, token });
      return { ...vouched.user };
    },
  };
}
