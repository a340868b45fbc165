import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthHarness, type AuthHarness } from '../auth.testkit';

const claims = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;

describe('auth: a user changes their own name, phone and password', () => {
  let h: AuthHarness;
  beforeAll(async () => {
    h = await startAuthHarness({ LOGIN_MAX_ATTEMPTS: '3' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('changes the name and phone, and answers with an access token that carries the new name', async () => {
    const buyer = await h.register({ name: 'Old Name' });
    const res = await h.patch(
      '/api/auth/me',
      { name: '  Lee Jiwoo ', phone: '010-9876-5432' },
      buyer.accessToken,
    );
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.user).toMatchObject({ id: buyer.user.id, name: 'Lee Jiwoo', phone: '010-9876-5432' });
    expect(claims(body.accessToken)).toMatchObject({ sub: buyer.user.id, name: 'Lee Jiwoo' });
    expect(claims(buyer.accessToken).sid).toBe(claims(body.accessToken).sid);
    expect((await h.get('/api/auth/me', body.accessToken)).json().user.name).toBe('Lee Jiwoo');

    const cleared = await h.patch('/api/auth/me', { phone: '' }, buyer.accessToken);
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json().user).toMatchObject({ name: 'Lee Jiwoo', phone: null });
    const nulled = await h.patch('/api/auth/me', { phone: null }, buyer.accessToken);
    expect(nulled.json().user.phone).toBeNull();
  });

  it('refuses a blank name, an empty change, an email change, a bad phone and a missing token, changing nothing', async () => {
    const buyer = await h.register({ name: 'Kept Name' });
    const cases: Array<[unknown, string]> = [
      [{ name: '   ' }, 'VALIDATION_FAILED'],
      [{}, 'VALIDATION_FAILED'],
      [{ name: 'Someone', email: 'new@test.tiketi' }, 'VALIDATION_FAILED'],
      [{ phone: 'call me' }, 'VALIDATION_FAILED'],
      [{ name: 'x'.repeat(101) }, 'VALIDATION_FAILED'],
    ];
    for (const [body, code] of cases) {
      const res = await h.patch('/api/auth/me', body, buyer.accessToken);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toBe(code);
    }
    const anonymous = await h.patch('/api/auth/me', { name: 'Nobody' });
    expect(anonymous.statusCode).toBe(401);
    const me = (await h.get('/api/auth/me', buyer.accessToken)).json().user;
    expect(me).toMatchObject({ name: 'Kept Name', email: buyer.user.email });
  });

  it('changes the password: the old one stops working and every other session ends, this one stays', async () => {
    const here = await h.register({ password: 'first-password-1' });
    const elsewhere = await h.login(here.user.email, 'first-password-1');
    const res = await h.post(
      '/api/auth/password',
      { currentPassword: 'first-password-1', newPassword: 'second-password-2' },
      { token: here.accessToken },
    );
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ otherSessionsEnded: 1 });

    const other = await h.get('/api/auth/me', elsewhere.accessToken);
    expect(other.statusCode).toBe(401);
    expect(other.json().error.code).toBe('TOKEN_REVOKED');
    expect((await h.post('/api/auth/refresh', { refreshToken: elsewhere.refreshToken })).statusCode).toBe(
      401,
    );

    expect((await h.get('/api/auth/me', here.accessToken)).statusCode).toBe(200);
    expect((await h.post('/api/auth/refresh', { refreshToken: here.refreshToken })).statusCode).toBe(200);

    const old = await h.post('/api/auth/login', { email: here.user.email, password: 'first-password-1' });
    expect(old.statusCode).toBe(401);
    expect(
      (await h.post('/api/auth/login', { email: here.user.email, password: 'second-password-2' })).statusCode,
    ).toBe(200);
  });

  it('refuses a wrong current password with 403, counts it as a failed sign-in, and locks both at the limit', async () => {
    const buyer = await h.register({ password: 'guarded-password-1' });
    const ip = '198.51.100.7';
    for (let i = 0; i < 3; i++) {
      const wrong = await h.post(
        '/api/auth/password',
        { currentPassword: `guess-${i}`, newPassword: 'taken-over-123' },
        { token: buyer.accessToken, ip },
      );
      expect(wrong.statusCode).toBe(403);
      expect(wrong.json().error.code).toBe('INVALID_CURRENT_PASSWORD');
    }
    const locked = await h.post(
      '/api/auth/password',
      { currentPassword: 'guarded-password-1', newPassword: 'taken-over-123' },
      { token: buyer.accessToken, ip },
    );
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    const login = await h.post('/api/auth/login', {
      email: buyer.user.email,
      password: 'guarded-password-1',
    });
    expect(login.statusCode).toBe(429);

    // Nothing changed: the buyer's session still works and the password is still the first one.
    expect((await h.get('/api/auth/me', buyer.accessToken)).statusCode).toBe(200);
    const row = await h.service.ctx.db
      .selectFrom('users')
      .select(['password_hash', 'updated_at'])
      .where('id', '=', buyer.user.id)
      .executeTakeFirstOrThrow();
    const { createPasswordHasher } = await import('./passwords');
    const hasher = createPasswordHasher({ memoryKib: 19456, timeCost: 2 });
    expect(await hasher.verify(row.password_hash, 'guarded-password-1')).toBe(true);
  });

  it('refuses the same password again, a short one and a missing token', async () => {
    const buyer = await h.register({ password: 'same-password-1' });
    const same = await h.post(
      '/api/auth/password',
      { currentPassword: 'same-password-1', newPassword: 'same-password-1' },
      { token: buyer.accessToken },
    );
    expect(same.statusCode).toBe(400);
    expect(same.json().error).toMatchObject({
      code: 'PASSWORD_UNCHANGED',
      details: { path: 'body.newPassword' },
    });
    const short = await h.post(
      '/api/auth/password',
      { currentPassword: 'same-password-1', newPassword: 'short' },
      { token: buyer.accessToken },
    );
    expect(short.statusCode).toBe(400);
    expect(JSON.stringify(short.json().error.details)).toContain('newPassword');
    const anonymous = await h.post('/api/auth/password', {
      currentPassword: 'same-password-1',
      newPassword: 'another-password-2',
    });
    expect(anonymous.statusCode).toBe(401);
  });

  it('of two changes sent at once with the same current password, exactly one wins', async () => {
    const buyer = await h.register({ password: 'racing-password-1' });
    const results = await Promise.all(
      ['racing-winner-a', 'racing-winner-b'].map((next) =>
        h.post(
          '/api/auth/password',
          { currentPassword: 'racing-password-1', newPassword: next },
          { token: buyer.accessToken },
        ),
      ),
    );
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes[0]).toBe(200);
    expect([403, 409]).toContain(codes[1]);
    const logins = await Promise.all(
      ['racing-winner-a', 'racing-winner-b', 'racing-password-1'].map(
        async (password) =>
          (await h.post('/api/auth/login', { email: buyer.user.email, password }, { ip: '198.51.100.9' }))
            .statusCode,
      ),
    );
    expect(logins.filter((c) => c === 200)).toHaveLength(1);
    expect(logins[2]).toBe(401);
  });
});

const OPS = { email: 'ops@test.tiketi', password: 'Strong-Operator-Pass-9' };

describe('auth in production: an administrator cannot change to a weak password', () => {
  let h: AuthHarness;
  beforeAll(async () => {
    h = await startAuthHarness({
      NODE_ENV: 'production',
      ADMIN_EMAIL: OPS.email,
      ADMIN_PASSWORD: OPS.password,
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("answers 400 WEAK_PASSWORD for the admin and accepts a strong one; a buyer keeps the buyers' rule", async () => {
    const admin = await h.login(OPS.email, OPS.password);
    const weak = await h.post(
      '/api/auth/password',
      { currentPassword: OPS.password, newPassword: 'password123' },
      { token: admin.accessToken },
    );
    expect(weak.statusCode).toBe(400);
    expect(weak.json().error).toMatchObject({ code: 'WEAK_PASSWORD', details: { path: 'body.newPassword' } });
    const strong = await h.post(
      '/api/auth/password',
      { currentPassword: OPS.password, newPassword: 'Stronger-Admin-Pass-42' },
      { token: admin.accessToken },
    );
    expect(strong.statusCode).toBe(200);

    const buyer = await h.register({ password: 'buyer-password-1' });
    const simple = await h.post(
      '/api/auth/password',
      { currentPassword: 'buyer-password-1', newPassword: 'simple-enough' },
      { token: buyer.accessToken },
    );
    expect(simple.statusCode).toBe(200);
  });
});
