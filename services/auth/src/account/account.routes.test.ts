import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@tiketi/testing';
import { startAuthHarness, type AuthHarness } from '../auth.testkit';

describe('auth: register, login, me, refresh, logout', () => {
  let h: AuthHarness;
  beforeAll(async () => {
    h = await startAuthHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('registers a buyer, returns tokens, and emits user.registered through the outbox', async () => {
    const res = await h.post('/api/auth/register', {
      email: 'Mixed.Case@Test.Tiketi',
      password: 'long-enough-1',
      name: 'Kim Minji',
      phone: '010-1234-5678',
    });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.user).toMatchObject({
      email: 'mixed.case@test.tiketi',
      name: 'Kim Minji',
      role: 'user',
      phone: '010-1234-5678',
    });
    expect(body.user.id).toMatch(/^usr_/);
    expect(body.accessToken.split('.')).toHaveLength(3);
    expect(body.refreshToken.length).toBeGreaterThan(30);

    const me = await h.get('/api/auth/me', body.accessToken);
    expect(me.statusCode).toBe(200);
    expect(me.json().user).toMatchObject({ id: body.user.id, email: 'mixed.case@test.tiketi', role: 'user' });

    const event = await eventually(() => {
      const found = h.events.find(
        (e) => e.type === 'user.registered' && (e.data as { userId: string }).userId === body.user.id,
      );
      if (!found) throw new Error('not yet');
      return found;
    });
    expect(event.source).toBe('auth');
    expect(event.data).toMatchObject({ email: 'mixed.case@test.tiketi', name: 'Kim Minji', role: 'user' });
  });

  it('refuses a taken email whatever its case with 409 EMAIL_TAKEN', async () => {
    const first = await h.register({ email: 'taken@test.tiketi' });
    expect(first.user.email).toBe('taken@test.tiketi');
    const res = await h.post('/api/auth/register', {
      email: 'TAKEN@test.TIKETI',
      password: 'another-pass-1',
      name: 'Copy',
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('EMAIL_TAKEN');
  });

  it('answers 400 with the error shape for an invalid email, a short password, a blank name and malformed JSON', async () => {
    const badEmail = await h.post('/api/auth/register', {
      email: 'not-an-email',
      password: 'long-enough-1',
      name: 'X',
    });
    expect(badEmail.statusCode).toBe(400);
    expect(badEmail.json().error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(JSON.stringify(badEmail.json().error.details)).toContain('email');

    const shortPassword = await h.post('/api/auth/register', {
      email: 'short@test.tiketi',
      password: 'seven77',
      name: 'X',
    });
    expect(shortPassword.statusCode).toBe(400);
    expect(JSON.stringify(shortPassword.json().error.details)).toContain('password');

    const blankName = await h.post('/api/auth/register', {
      email: 'blank@test.tiketi',
      password: 'long-enough-1',
      name: '   ',
    });
    expect(blankName.statusCode).toBe(400);

    const malformed = await h.app.inject({
      method: 'POST',
      url: '/api/auth/register',
      headers: { 'content-type': 'application/json' },
      payload: '{"email":',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe('MALFORMED_JSON');

    // Nothing half-written: none of the refused sign-ups exists.
    const rows = await h.service.ctx.db
      .selectFrom('users')
      .select('email')
      .where('email', 'in', ['short@test.tiketi', 'blank@test.tiketi'])
      .execute();
    expect(rows).toEqual([]);
  });

  it('logs in case-insensitively and says only INVALID_CREDENTIALS on a wrong password or unknown email', async () => {
    const buyer = await h.register({ email: 'login@test.tiketi', password: 'right-password-1' });
    const ok = await h.post('/api/auth/login', { email: 'LOGIN@test.tiketi', password: 'right-password-1' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().user.id).toBe(buyer.user.id);

    const wrong = await h.post('/api/auth/login', {
      email: 'login@test.tiketi',
      password: 'wrong-password-1',
    });
    const unknown = await h.post('/api/auth/login', {
      email: 'nobody@test.tiketi',
      password: 'right-password-1',
    });
    for (const res of [wrong, unknown]) {
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('INVALID_CREDENTIALS');
    }
    expect(wrong.json().error.message).toBe(unknown.json().error.message);
  });

  it('stores passwords as argon2id with at least 19 MiB and 2 iterations', async () => {
    await h.register({ email: 'hash@test.tiketi', password: 'hash-me-please' });
    const row = await h.service.ctx.db
      .selectFrom('users')
      .select('password_hash')
      .where('email', '=', 'hash@test.tiketi')
      .executeTakeFirstOrThrow();
    const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=\d+\$/.exec(row.password_hash);
    expect(match).not.toBeNull();
    expect(Number(match![1])).toBeGreaterThanOrEqual(19456);
    expect(Number(match![2])).toBeGreaterThanOrEqual(2);
    expect(row.password_hash).not.toContain('hash-me-please');
  });

  it('rotates refresh tokens and picks up the current role', async () => {
    const buyer = await h.register();
    const first = await h.post('/api/auth/refresh', { refreshToken: buyer.refreshToken });
    expect(first.statusCode).toBe(200);
    const pair = first.json();
    expect(pair.refreshToken).not.toBe(buyer.refreshToken);
    expect((await h.get('/api/auth/me', pair.accessToken)).statusCode).toBe(200);
    const second = await h.post('/api/auth/refresh', { refreshToken: pair.refreshToken });
    expect(second.statusCode).toBe(200);

    const unknown = await h.post('/api/auth/refresh', { refreshToken: 'not-a-real-token' });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().error.code).toBe('INVALID_REFRESH_TOKEN');
  });

  it('logout revokes the refresh token and the access token, and is idempotent', async () => {
    const buyer = await h.register();
    expect((await h.get('/api/auth/me', buyer.accessToken)).statusCode).toBe(200);
    const out = await h.post('/api/auth/logout', { refreshToken: buyer.refreshToken });
    expect(out.statusCode).toBe(204);

    const me = await h.get('/api/auth/me', buyer.accessToken);
    expect(me.statusCode).toBe(401);
    expect(me.json().error.code).toBe('TOKEN_REVOKED');
    const refresh = await h.post('/api/auth/refresh', { refreshToken: buyer.refreshToken });
    expect(refresh.statusCode).toBe(401);
    expect((await h.post('/api/auth/logout', { refreshToken: buyer.refreshToken })).statusCode).toBe(204);

    // Another session of the same user is untouched.
    const other = await h.login(buyer.user.email, buyer.password);
    expect((await h.get('/api/auth/me', other.accessToken)).statusCode).toBe(200);
  });

  it('me without a token is 401 AUTH_REQUIRED', async () => {
    const res = await h.get('/api/auth/me');
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('AUTH_REQUIRED');
  });
});
