import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Admission tokens: `qt1.<payload>.<mac>`, HMAC-SHA256 over the payload with QUEUE_TOKEN_SECRET.
 * Separate from access tokens on purpose: it proves "this user was let in to this event until
 * then", nothing about who the user is (the access token does that).
 */
export interface AdmissionClaims {
  eventId: string;
  userId: string;
  /** Epoch ms. */
  expiresAt: number;
}

export type TokenCheck =
  | { ok: true; claims: AdmissionClaims }
  | { ok: false; reason: 'malformed' | 'signature' | 'event' | 'user' | 'expired' };

const PREFIX = 'qt1';

function mac(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(`${PREFIX}.${payload}`).digest();
}

export function signAdmission(secret: string, claims: AdmissionClaims): string {
  const payload = Buffer.from(
    JSON.stringify({
      e: claims.eventId,
      u: claims.userId,
      x: claims.expiresAt,
      n: randomBytes(6).toString('base64url'),
    }),
  ).toString('base64url');
  return `${PREFIX}.${payload}.${mac(secret, payload).toString('base64url')}`;
}

export function verifyAdmission(
  secret: string,
  token: string,
  expected: { eventId: string; userId: string; now: number },
): TokenCheck {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX || !parts[1] || !parts[2])
    return { ok: false, reason: 'malformed' };
  const given = Buffer.from(parts[2], 'base64url');
  const wanted = mac(secret, parts[1]);
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted))
    return { ok: false, reason: 'signature' };
  let body: { e?: unknown; u?: unknown; x?: unknown };
  try {
    body = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as typeof body;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof body.e !== 'string' || typeof body.u !== 'string' || typeof body.x !== 'number')
    return { ok: false, reason: 'malformed' };
  if (body.e !== expected.eventId) return { ok: false, reason: 'event' };
  if (body.u !== expected.userId) return { ok: false, reason: 'user' };
  if (body.x <= expected.now) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { eventId: body.e, userId: body.u, expiresAt: body.x } };
}
