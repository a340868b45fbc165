import { KeyObject, verify as verifySignature } from 'node:crypto';
import { jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';

export interface AccessJwtRules {
  algorithms: readonly string[];
  issuer: string;
  audience: string;
  clockToleranceSec: number;
  requiredClaims: readonly string[];
}

/** Thrown for any token refused; `expired` tells a token past its life from a bad one. */
export class JwtRefused extends Error {
  constructor(readonly expired: boolean) {
    super(expired ? 'token expired' : 'token invalid');
  }
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const PLAIN_HEADER_KEYS = new Set(['alg', 'kid', 'typ']);
const publicKeys = new WeakMap<object, KeyObject>();

/**
 * A JWT's signature and claims, as `jwtVerify` checks them, with the signature checked by
 * node:crypto. jose 6 checks signatures through WebCrypto, whose every call is queued to the thread
 * pool: an Ed25519 token cost 143 µs there against 94 µs here (`bench/RESULTS.md`), and a third of
 * a flash sale's attempts carry a token the gateway has not seen yet. jose still picks the
 * key (kid, alg and key type must match the key set), and a token this path does not know (a
 * header with other parameters such as `crit`, `b64` or an embedded key; another algorithm) goes to
 * jose whole. The two may differ only in speed: `jwt.verify.test.ts` holds them to the same answers.
 */
export async function verifyAccessJwt(
  token: string,
  keys: JWTVerifyGetKey,
  rules: AccessJwtRules,
): Promise<JWTPayload> {
  const firstDot = token.indexOf('.');
  const lastDot = token.lastIndexOf('.');
  const header = firstDot > 0 && lastDot > firstDot ? parseJson(token.slice(0, firstDot)) : null;
  const plain =
    header !== null &&
    (header.alg === 'RS256' || header.alg === 'EdDSA' || header.alg === 'ES256') &&
    rules.algorithms.includes(header.alg) &&
    Object.keys(header).every((name) => PLAIN_HEADER_KEYS.has(name)) &&
    token.indexOf('.', firstDot + 1) === lastDot;
  if (!plain) return verifyWithJose(token, keys, rules);

  const encodedSignature = token.slice(lastDot + 1);
  const signature = Buffer.from(encodedSignature, 'base64url');
  // Buffer's decoder skips characters it does not know: one token must have one spelling.
  if (!BASE64URL.test(encodedSignature) || signature.toString('base64url') !== encodedSignature) {
    throw new JwtRefused(false);
  }
  let key: KeyObject;
  try {
    const found = await keys(header as never, {
      payload: token.slice(firstDot + 1, lastDot),
      signature: encodedSignature,
    });
    key = publicKeys.get(found) ?? remember(found);
  } catch {
    throw new JwtRefused(false);
  }
  const signed = Buffer.from(token.slice(0, lastDot));
  if (!signatureHolds(header.alg as string, key, signed, signature)) throw new JwtRefused(false);

  const claims = parseJson(token.slice(firstDot + 1, lastDot));
  if (!claims) throw new JwtRefused(false);
  checkClaims(claims, rules);
  return claims as JWTPayload;
}

/** The key must be of the header's type (and RSA keys as long as jose asks: 2048 bits). */
function signatureHolds(alg: string, key: KeyObject, signed: Buffer, signature: Buffer): boolean {
  switch (alg) {
    case 'RS256':
      return (
        key.asymmetricKeyType === 'rsa' &&
        (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048 &&
        verifySignature('sha256', signed, key, signature)
      );
    case 'EdDSA':
      return key.asymmetricKeyType === 'ed25519' && verifySignature(null, signed, key, signature);
    case 'ES256':
      return (
        key.asymmetricKeyType === 'ec' &&
        key.asymmetricKeyDetails?.namedCurve === 'prime256v1' &&
        verifySignature('sha256', signed, { key, dsaEncoding: 'ieee-p1363' }, signature)
      );
    default:
      return false;
  }
}

async function verifyWithJose(
  token: string,
  keys: JWTVerifyGetKey,
  rules: AccessJwtRules,
): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(token, keys, {
      algorithms: [...rules.algorithms],
      issuer: rules.issuer,
      audience: rules.audience,
      clockTolerance: rules.clockToleranceSec,
      requiredClaims: [...rules.requiredClaims],
    });
    return payload;
  } catch (err) {
    throw new JwtRefused((err as { code?: string }).code === 'ERR_JWT_EXPIRED');
  }
}

function remember(found: unknown): KeyObject {
  const key = KeyObject.from(found as Parameters<typeof KeyObject.from>[0]);
  if (key.type !== 'public') throw new Error('not a public key');
  publicKeys.set(found as object, key);
  return key;
}

function parseJson(encoded: string): Record<string, unknown> | null {
  if (!BASE64URL.test(encoded)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** jose's claim rules for the options the token verifier passes (jwt_claims_set.js). */
function checkClaims(claims: Record<string, unknown>, rules: AccessJwtRules): void {
  for (const name of [...rules.requiredClaims, 'iss', 'aud']) {
    if (!Object.hasOwn(claims, name)) throw new JwtRefused(false);
  }
  const aud = claims.aud;
  const audienceMatches =
    typeof aud === 'string' ? aud === rules.audience : Array.isArray(aud) && aud.includes(rules.audience);
  if (claims.iss !== rules.issuer || !audienceMatches) throw new JwtRefused(false);
  for (const name of ['iat', 'nbf', 'exp']) {
    if (claims[name] !== undefined && typeof claims[name] !== 'number') throw new JwtRefused(false);
  }
  const now = Math.floor(Date.now() / 1000);
  const tolerance = rules.clockToleranceSec;
  if (typeof claims.nbf === 'number' && claims.nbf > now + tolerance) throw new JwtRefused(false);
  if (typeof claims.exp === 'number' && claims.exp <= now - tolerance) throw new JwtRefused(true);
}
