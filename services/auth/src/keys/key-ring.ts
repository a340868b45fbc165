import { exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JSONWebKeySet } from 'jose';
import { newId, TOKEN_AUDIENCE, TOKEN_ISSUER, type Clock, type Role } from '@tiketi/platform';
import { SigningKeysRepository, type SigningKeyRow } from './signing-keys.repository';

/**
 * RS256: a token is signed once (login, refresh) and verified by every gateway and service that
 * meets it, and on the 2-core bench machine an RSA-2048 signature verifies in 19 µs against 83 µs
 * for Ed25519 (signing costs 269 against 30 µs). ADR 0008.
 */
const ALG = 'RS256';
const RSA_BITS = 2048;
const DAY_MS = 86_400_000;
/** How long a signing key is trusted after its creation is decided by the rotation period. */
const CACHE_MS = 60_000;

export interface AccessClaims {
  userId: string;
  role: Role;
  sid: string;
  email: string;
  name: string;
}

/**
 * The auth service's signing keys, kept in the `auth` schema so every replica and every restart
 * signs with the same key and publishes the same JWKS. A key older than the rotation period, or of
 * another algorithm than ALG (an older release's EdDSA key), is replaced by a new one; the
 * previous key stays published for one more period so tokens it signed keep verifying until they
 * expire.
 */
export class KeyRing {
  private active: { row: SigningKeyRow; key: CryptoKey | Uint8Array; loadedAt: number } | null = null;
  private ensuring: Promise<void> | null = null;

  constructor(
    private readonly repo: SigningKeysRepository,
    private readonly clock: Clock,
    private readonly rotationDays: number,
    private readonly accessTtlSeconds: number,
  ) {}

  /** Loads the newest key, creating one when none exists or the newest is due for rotation. */
  async ensureActiveKey(): Promise<void> {
    this.ensuring ??= (async () => {
      try {
        const now = this.clock.now();
        let newest = await this.repo.newest();
        if (
          !newest ||
          newest.alg !== ALG ||
          now.getTime() - newest.createdAt.getTime() > this.rotationDays * DAY_MS
        ) {
          const { publicKey, privateKey } = await generateKeyPair(ALG, {
            extractable: true,
            modulusLength: RSA_BITS,
          });
          const kid = newId('key');
          await this.repo.insert(
            {
              kid,
              alg: ALG,
              publicJwk: { ...(await exportJWK(publicKey)), kid, alg: ALG, use: 'sig' },
              privateJwk: { ...(await exportJWK(privateKey)), kid, alg: ALG },
            },
            now,
          );
          // Two replicas may rotate at once: both then sign with the newest, and both keys are published.
          newest = await this.repo.newest();
        }
        if (!newest) throw new Error('no signing key after creating one');
        this.active = { row: newest, key: await importJWK(newest.privateJwk, ALG), loadedAt: Date.now() };
      } finally {
        this.ensuring = null;
      }
    })();
    return this.ensuring;
  }

  private async signingKey(): Promise<{ row: SigningKeyRow; key: CryptoKey | Uint8Array }> {
    if (!this.active || Date.now() - this.active.loadedAt > CACHE_MS) await this.ensureActiveKey();
    return this.active!;
  }

  async signAccessToken(claims: AccessClaims): Promise<{ token: string; expiresAt: Date }> {
    const { row, key } = await this.signingKey();
    const issuedAt = Math.floor(this.clock.now().getTime() / 1000);
    const exp = issuedAt + this.accessTtlSeconds;
    const token = await new SignJWT({
      typ: 'access',
      role: claims.role,
      sid: claims.sid,
      email: claims.email,
      name: claims.name,
    })
      .setProtectedHeader({ alg: ALG, kid: row.kid, typ: 'JWT' })
      .setSubject(claims.userId)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt(issuedAt)
      .setExpirationTime(exp)
      .setJti(newId('jti'))
      .sign(key);
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /** Public keys of the current and the previous rotation period. */
  async jwks(): Promise<JSONWebKeySet> {
    const since = new Date(
      this.clock.now().getTime() - 2 * this.rotationDays * DAY_MS - this.accessTtlSeconds * 1000,
    );
    let rows = await this.repo.listSince(since);
    if (rows.length === 0) {
      await this.ensureActiveKey();
      rows = await this.repo.listSince(since);
    }
    return { keys: rows.map((r) => r.publicJwk) };
  }
}
