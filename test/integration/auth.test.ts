import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, TEST_ADMIN, type TestPlatform } from '../support/platform';

describe('auth through the gateway', () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform({ services: 'auth,gateway' });
  });
  afterAll(async () => {
    await p?.close();
  });

  it('register, me, refresh, logout', async () => {
    const session = await p.register({ name: 'Gateway Buyer' });
    expect(session.user).toMatchObject({ name: 'Gateway Buyer', role: 'user' });

    const me = await p.api('GET', '/api/auth/me', { token: session.accessToken });
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe(session.user.id);
    expect(me.headers.get('x-request-id')).toBeTruthy();

    const refreshed = await p.api('POST', '/api/auth/refresh', {
      body: { refreshToken: session.refreshToken },
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refreshToken).not.toBe(session.refreshToken);

    const out = await p.api('POST', '/api/auth/logout', {
      body: { refreshToken: refreshed.body.refreshToken },
    });
    expect(out.status).toBe(204);
    const after = await p.api('GET', '/api/auth/me', { token: refreshed.body.accessToken });
    expect(after.status).toBe(401);
    const again = await p.api('POST', '/api/auth/refresh', {
      body: { refreshToken: refreshed.body.refreshToken },
    });
    expect(again.status).toBe(401);
  });

  it('login with the bootstrapped admin, wrong password, duplicate email and validation errors', async () => {
    const admin = await p.admin();
    expect(admin.user).toMatchObject({ email: TEST_ADMIN.email, role: 'admin' });
    const users = await p.api('GET', '/api/admin/users?q=test.tiketi', { token: admin.accessToken });
    expect(users.status).toBe(200);
    expect(users.body.total).toBeGreaterThanOrEqual(1);

    const wrong = await p.api('POST', '/api/auth/login', {
      body: { email: TEST_ADMIN.email, password: 'not-the-password' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('INVALID_CREDENTIALS');

    const buyer = await p.register();
    const dup = await p.api('POST', '/api/auth/register', {
      body: { email: buyer.user.email.toUpperCase(), password: 'whatever-1', name: 'Dup' },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('EMAIL_TAKEN');
    const bad = await p.api('POST', '/api/auth/register', {
      body: { email: 'nope', password: 'short', name: 'X' },
    });
    expect(bad.status).toBe(400);
  });

  it('the JWKS is public at the edge and a forged token is refused', async () => {
    const jwks = await p.api('GET', '/.well-known/jwks.json');
    expect(jwks.status).toBe(200);
    expect(jwks.body.keys[0]).toMatchObject({ alg: 'RS256', kty: 'RSA' });
    const forged = await p.api('GET', '/api/auth/me', { token: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' });
    expect(forged.status).toBe(401);
  });
});
