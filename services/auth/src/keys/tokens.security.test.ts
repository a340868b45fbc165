import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt, decodeProtectedHeader, importJWK, SignJWT, type JWK } from 'jose';
import { createTokenVerifier, revokedSessionKey, TOKEN_AUDIENCE, TOKEN_ISSUER } from '@tiketi/platform';
import { startAuthHarness, type AuthHarness } from '../auth.testkit';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('auth: access tokens and refresh-token families', () => {
  let h: AuthHarness;
  let buyer: Awaited<ReturnType<AuthHarness['register']>>;
  beforeAll(async () => {
    h = await startAuthHarness();
    buyer = await h.register();
  });
  afterAll(async () => {
    await h?.close();
  });

  const expectRejected = async (token: string, code = 'INVALID_TOKEN') => {
    const res = await h.get('/api/auth/me', token);
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe(code);
  };

  it('signs RS256 access tokens with a kid published in the JWKS and the claims every service verifies', async () => {
    const header = decodeProtectedHeader(buyer.accessToken);
    expect(header.alg).toBe('RS256');
    const jwks = (await h.get('/.well-known/jwks.json')).json();
    expect(jwks.keys.map((k: JWK) => k.kid)).toContain(header.kid);
    expect(jwks.keys.every((k: JWK) => k.d === undefined)).toBe(true);

    const claims = decodeJwt(buyer.accessToken);
    expect(claims).toMatchObject({
      iss: TOKEN_ISSUER,
      aud: TOKEN_AUDIENCE,
      sub: buyer.user.id,
      typ: 'access',
      role: 'user',
      email: buyer.user.email,
    });
    expect(claims.exp! - claims.iat!).toBe(900);

    // Another service verifies it from the JWKS alone.
    const verifier = createTokenVerifier({ jwks, coordination: h.service.coordination });
    await expect(verifier.verify(buyer.accessToken)).resolves.toMatchObject({
      id: buyer.user.id,
      role: 'user',
      sid: claims.sid,
    });
  });

  it('shares its signing key with another replica (or a restart) on the same database', async () => {
    const replica = await h.replica();
    const rows = await h.service.ctx.db.selectFrom('signing_keys').select('kid').execute();
    expect(rows).toHaveLength(1);
    expect(decodeProtectedHeader(buyer.accessToken).kid).toBe(rows[0]!.kid);
    const mine = (await h.get('/.well-known/jwks.json')).json();
    const theirs = (await replica.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();
    expect(theirs).toEqual(mine);
    const me = await replica.app.inject({
      method: 'GET',
      url: '/api/auth/me',
      headers: { authorization: `Bearer ${buyer.accessToken}` },
    });
    expect(me.statusCode).toBe(200);
    // A token the replica signs works here too.
    const session = (
      await replica.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: buyer.user.email, password: buyer.password },
      })
    ).json();
    expect((await h.get('/api/auth/me', session.accessToken)).statusCode).toBe(200);
  });

  it('refuses a tampered payload', async () => {
    const [header, , signature] = buyer.accessToken.split('.');
    const forged = { ...decodeJwt(buyer.accessToken), role: 'admin' };
    await expectRejected(`${header}.${b64(forged)}.${signature}`);
  });

  it('refuses alg none and an HS256 token, even with the real kid', async () => {
    const { kid } = decodeProtectedHeader(buyer.accessToken);
    const claims = decodeJwt(buyer.accessToken);
    await expectRejected(`${b64({ alg: 'none', typ: 'JWT', kid })}.${b64(claims)}.`);

    const jwks = (await h.get('/.well-known/jwks.json')).json();
    // Algorithm confusion: the public key used as an HMAC secret.
    const secret = new TextEncoder().encode(JSON.stringify(jwks.keys[0]));
    const hs = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256', kid }).sign(secret);
    await expectRejected(hs);
  });

  it('refuses an expired token signed with its own key, and a token signed by a stranger', async () => {
    const row = await h.service.ctx.db.selectFrom('signing_keys').selectAll().executeTakeFirstOrThrow();
    const jwk = (typeof row.private_jwk === 'string' ? JSON.parse(row.private_jwk) : row.private_jwk) as JWK;
    const key = await importJWK(jwk, row.alg);
    const claims = decodeJwt(buyer.accessToken);
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({
      typ: 'access',
      role: 'user',
      sid: claims.sid,
      email: claims.email,
      name: claims.name,
    })
      .setProtectedHeader({ alg: row.alg, kid: row.kid })
      .setSubject(buyer.user.id)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt(now - 3600)
      .setExpirationTime(now - 1800)
      .sign(key);
    await expectRejected(expired, 'TOKEN_EXPIRED');

    const stranger = await h.service.issuer.mint({ id: buyer.user.id, sid: claims.sid as string });
    await expectRejected(stranger);
  });

  it('replaces a signing key of an older release (EdDSA), whose tokens keep verifying until they expire', async () => {
    const { KeyRing } = await import('./key-ring');
    const { SigningKeysRepository } = await import('./signing-keys.repository');
    const { exportJWK, generateKeyPair } = await import('jose');
    const { systemClock } = await import('@tiketi/platform');
    const fresh = await startAuthHarness();
    try {
      const repo = new SigningKeysRepository(fresh.service.ctx.db);
      await fresh.service.ctx.db.deleteFrom('signing_keys').execute();
      // The key an EdDSA release left, fresh enough not to be due for rotation.
      const old = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
      const kid = 'key_00000000000000000000000001';
      await repo.insert(
        {
          kid,
          alg: 'EdDSA',
          publicJwk: { ...(await exportJWK(old.publicKey)), kid, alg: 'EdDSA', use: 'sig' },
          privateJwk: { ...(await exportJWK(old.privateKey)), kid, alg: 'EdDSA' },
        },
        new Date(),
      );
      const someone = await fresh.register();
      const oldToken = await new SignJWT({
        typ: 'access',
        role: 'user',
        sid: decodeJwt(someone.accessToken).sid,
      })
        .setProtectedHeader({ alg: 'EdDSA', kid })
        .setSubject(someone.user.id)
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(old.privateKey);

      const ring = new KeyRing(repo, systemClock, 30, 900);
      await ring.ensureActiveKey();
      const newest = await repo.newest();
      expect(newest).toMatchObject({ alg: 'RS256' });
      const jwks = await ring.jwks();
      expect(jwks.keys.map((k) => [k.kid, k.alg])).toEqual([
        [newest!.kid, 'RS256'],
        [kid, 'EdDSA'],
      ]);
      const signed = await ring.signAccessToken({
        userId: someone.user.id,
        role: 'user',
        sid: decodeJwt(someone.accessToken).sid as string,
        email: someone.user.email,
        name: 'x',
      });
      expect(decodeProtectedHeader(signed.token)).toMatchObject({ alg: 'RS256', kid: newest!.kid });
      const verifier = createTokenVerifier({ jwks, coordination: fresh.service.coordination });
      await expect(verifier.verify(oldToken)).resolves.toMatchObject({ id: someone.user.id });
      await expect(verifier.verify(signed.token)).resolves.toMatchObject({ id: someone.user.id });
    } finally {
      await fresh.close();
    }
  });

  it('presenting a used refresh token revokes the whole family, everywhere', async () => {
    const session = await h.login(buyer.user.email, buyer.password);
    const sid = decodeJwt(session.accessToken).sid as string;
    const rotated = (await h.post('/api/auth/refresh', { refreshToken: session.refreshToken })).json();
    expect(rotated.refreshToken).toBeDefined();

    const reuse = await h.post('/api/auth/refresh', { refreshToken: session.refreshToken });
    expect(reuse.statusCode).toBe(401);
    expect(reuse.json().error.code).toBe('REFRESH_TOKEN_REUSED');

    // The thief's rotated token is dead too, and so are the family's access tokens.
    const after = await h.post('/api/auth/refresh', { refreshToken: rotated.refreshToken });
    expect(after.statusCode).toBe(401);
    await expectRejected(rotated.accessToken, 'TOKEN_REVOKED');
    await expectRejected(session.accessToken, 'TOKEN_REVOKED');

    // Every other service sees it through coordination, for at least the access-token lifetime.
    expect(await h.service.coordination.get(revokedSessionKey(sid))).toBe('1');
    expect(await h.service.coordination.ttl(revokedSessionKey(sid))).toBeGreaterThanOrEqual(900_000);
    const jwks = (await h.get('/.well-known/jwks.json')).json();
    const elsewhere = createTokenVerifier({ jwks, coordination: h.service.coordination });
    await expect(elsewhere.verify(rotated.accessToken)).rejects.toMatchObject({ code: 'TOKEN_REVOKED' });

    const metrics = await h.service.ctx.metrics.getSingleMetricAsString('auth_token_refreshes_total');
    expect(metrics).toMatch(/auth_token_refreshes_total\{result="reused",service="auth"\} 1/);

    // The buyer's other sessions are not part of the family.
    expect((await h.get('/api/auth/me', buyer.accessToken)).statusCode).toBe(200);
  });

  it('the database still refuses a revoked session when coordination lost the key, and start-up republishes it', async () => {
    const session = await h.login(buyer.user.email, buyer.password);
    const sid = decodeJwt(session.accessToken).sid as string;
    expect((await h.post('/api/auth/logout', { refreshToken: session.refreshToken })).statusCode).toBe(204);
    await h.service.coordination.del(revokedSessionKey(sid));
    await expectRejected(session.accessToken, 'TOKEN_REVOKED');

    const { authService } = await import('../auth.service');
    await authService.start!(h.service.ctx, h.app);
    expect(await h.service.coordination.get(revokedSessionKey(sid))).toBe('1');
  });
});
