import {
  createLocalJWKSet,
  createRemoteJWKSet,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors/app-error';
import type { Coordination } from '../coordination/coordination';
import { JwtRefused, verifyAccessJwt } from './jwt.verify';
import { setBounded } from '../cache/bounded-map';

export type Role = 'user' | 'admin';

export interface AuthUser {
  id: string;
  role: Role;
  email?: string;
  name?: string;
  /** Session (refresh-token family) id: revoking it kills its access tokens too. */
  sid: string;
  /**
   * When the access token was issued (ms, from its `iat`), where the token was checked here: the
   * gateway's revocation watch needs no first look-up for a token issued while it listened (ADR
   * 0010). Not passed on to services.
   */
  issuedAt?: number;
}

export const TOKEN_ISSUER = 'tiketi-auth';
export const TOKEN_AUDIENCE = 'tiketi';
/**
 * Only asymmetric algorithms: `none` and HS* are refused whatever the token says. The auth service
 * signs RS256 (ADR 0008); EdDSA stays accepted for the tokens of its keys from before.
 */
export const ALLOWED_ALGORITHMS = ['RS256', 'EdDSA', 'ES256'];

const VERIFIED_TOKEN_MS = 60_000;
const VERIFIED_TOKENS_KEPT = 50_000;
/**
 * How long `verify` trusts a session it found active. Requests reach the services through the
 * gateway, which learns of a logout at once (RevocationWatch, or `assertActive` on every request
 * while its subscription is down), so a logout stops a token at the edge; a call straight to a
 * service inside the cluster may pass for these few seconds more.
 */
const ACTIVE_SESSION_TRUST_MS = 5_000;

export function revokedSessionKey(sid: string): string {
  return `auth:revoked-session:${sid}`;
}

export interface TokenVerifierOptions {
  /** URL of the auth service's JWKS, or a key set (tests, or the auth service itself). */
  jwks: string | JSONWebKeySet | (() => Promise<JSONWebKeySet>);
  coordination: Coordination;
  clockToleranceSec?: number;
}

export interface TokenVerifier {
  /** Signature, expiry, claims and revocation (a session found active is trusted for a few seconds). */
  verify(token: string): Promise<AuthUser>;
  /**
   * `verify` in two halves, for a caller that sends other coordination calls alongside the
   * revocation check (one round trip for all): the signature, expiry and claims (remembered per
   * token) ...
   */
  verifySigned(token: string): Promise<AuthUser>;
  /** ... and the revocation check, asked every time: TOKEN_REVOKED when the user's session has ended. */
  assertActive(user: AuthUser): Promise<void>;
}

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  let keySet: JWTVerifyGetKey;
  if (typeof options.jwks === 'string') {
    keySet = createRemoteJWKSet(new URL(options.jwks), { cacheMaxAge: 10 * 60_000, cooldownDuration: 5_000 });
  } else if (typeof options.jwks === 'function') {
    const load = options.jwks;
    let cached: ReturnType<typeof createLocalJWKSet> | null = null;
    keySet = async (header, token) => {
      cached ??= createLocalJWKSet(await load());
      try {
        return await cached(header, token);
      } catch {
        // A key rotated since we cached: reload once.
        cached = createLocalJWKSet(await load());
        return cached(header, token);
      }
    };
  } else {
    keySet = createLocalJWKSet(options.jwks);
  }

  const toleranceMs = (options.clockToleranceSec ?? 5) * 1000;
  const rules = {
    algorithms: ALLOWED_ALGORITHMS,
    issuer: TOKEN_ISSUER,
    audience: TOKEN_AUDIENCE,
    clockToleranceSec: options.clockToleranceSec ?? 5,
    requiredClaims: ['sub', 'exp', 'iat'],
  };
  // A buyer's token arrives with every request: its signature is checked once per process, then
  // remembered for a minute at most (never past its expiry). Revocation is still asked every time.
  const verified = new Map<string, { payload: JWTPayload; until: number }>();

  async function checkSignature(token: string): Promise<JWTPayload> {
    const now = Date.now();
    const hit = verified.get(token);
    if (hit && hit.until > now) return hit.payload;
    let payload: JWTPayload;
    try {
      payload = await verifyAccessJwt(token, keySet, rules);
    } catch (err) {
      if (hit) verified.delete(token);
      const expired = err instanceof JwtRefused && err.expired;
      throw AppError.unauthorized(
        expired ? 'TOKEN_EXPIRED' : 'INVALID_TOKEN',
        expired ? 'Access token expired' : 'Access token is invalid',
      );
    }
    setBounded(
      verified,
      token,
      { payload, until: Math.min(now + VERIFIED_TOKEN_MS, payload.exp! * 1000 + toleranceMs) },
      VERIFIED_TOKENS_KEPT,
    );
    return payload;
  }

  async function verifySigned(token: string): Promise<AuthUser> {
    const payload = await checkSignature(token);
    if (
      payload.typ !== 'access' ||
      typeof payload.sid !== 'string' ||
      (payload.role !== 'user' && payload.role !== 'admin')
    ) {
      throw AppError.unauthorized('INVALID_TOKEN', 'Access token is invalid');
    }
    return {
      id: payload.sub!,
      role: payload.role,
      sid: payload.sid,
      email: typeof payload.email === 'string' ? payload.email : undefined,
      name: typeof payload.name === 'string' ? payload.name : undefined,
      issuedAt: payload.iat! * 1000,
    };
  }

  async function assertActive(user: AuthUser): Promise<void> {
    let revoked: string | null = null;
    try {
      revoked = await options.coordination.get(revokedSessionKey(user.sid));
    } catch {
      // Coordination down: the token's short life bounds the exposure; availability wins.
    }
    if (revoked) throw AppError.unauthorized('TOKEN_REVOKED', 'Session has ended');
  }

  const activeUntil = new Map<string, number>();
  return {
    verifySigned,
    assertActive,
    async verify(token: string): Promise<AuthUser> {
      const user = await verifySigned(token);
      const now = Date.now();
      if ((activeUntil.get(user.sid) ?? 0) > now) return user;
      await assertActive(user);
      setBounded(activeUntil, user.sid, now + ACTIVE_SESSION_TRUST_MS, VERIFIED_TOKENS_KEPT);
      return user;
    },
  };
}

export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const [scheme, token] = header.split(' ');
  if (scheme?.toLowerCase() !== 'bearer' || !token) return null;
  return token;
}
