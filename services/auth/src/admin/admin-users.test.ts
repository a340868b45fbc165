import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@tiketi/testing';
import { startAuthHarness, TEST_ADMIN, type AuthHarness } from '../auth.testkit';

describe('auth: admin users and the bootstrapped admin', () => {
  let h: AuthHarness;
  let admin: { accessToken: string; user: { id: string } };
  let survivorToken = '';
  beforeAll(async () => {
    h = await startAuthHarness();
    admin = await h.login(TEST_ADMIN.email, TEST_ADMIN.password);
  });
  afterAll(async () => {
    await h?.close();
  });

  const patch = (id: string, body: unknown, token: string) =>
    h.app.inject({
      method: 'PATCH',
      url: `/api/admin/users/${id}`,
      payload: body as object,
      headers: { authorization: `Bearer ${token}` },
    });

  it('creates the ADMIN_EMAIL admin at boot, once, even with several replicas', async () => {
    expect(admin.user).toMatchObject({ role: 'admin', email: TEST_ADMIN.email });
    await h.replica();
    const rows = await h.service.ctx.db
      .selectFrom('users')
      .select('id')
      .where('role', '=', 'admin')
      .execute();
    expect(rows).toHaveLength(1);
  });

  it('refuses text with a NUL character in a path, a query or a body with 400, before it reaches the database', async () => {
    const lookups = [
      await h.get('/api/admin/users/%00', admin.accessToken),
      await h.get('/api/admin/users?q=kim%00', admin.accessToken),
      await patch('usr_x', { role: 'admin\u0000' }, admin.accessToken),
      await h.app.inject({
        method: 'POST',
        url: '/api/auth/register',
        payload: { email: 'nul@test.tiketi', password: 'correct-horse-9', name: 'Nul\u0000Kim' },
      }),
    ];
    expect(
      lookups.map((r) => [r.statusCode, r.json().error.code, r.json().error.details?.path ?? r.body]),
    ).toEqual([
      [400, 'INVALID_CHARACTERS', 'params.id'],
      [400, 'INVALID_CHARACTERS', 'query.q'],
      [400, 'INVALID_CHARACTERS', 'body.role'],
      [400, 'INVALID_CHARACTERS', 'body.name'],
    ]);
    expect(
      await h.service.ctx.db
        .selectFrom('users')
        .select('id')
        .where('email', '=', 'nul@test.tiketi')
        .execute(),
    ).toEqual([]);
  });

  it('searches users for admins and refuses buyers with 403 and strangers with 401', async () => {
    const buyer = await h.register({ email: 'searchable.kim@test.tiketi', name: 'Kim Searchable' });
    const byEmail = await h.get('/api/admin/users?q=SEARCHABLE.kim', admin.accessToken);
    expect(byEmail.statusCode).toBe(200);
    expect(byEmail.json()).toMatchObject({ total: 1, page: 1, items: [{ id: buyer.user.id, role: 'user' }] });
    // Signing up signs in: the member list shows when, not "never".
    expect(Date.parse(byEmail.json().items[0].lastLoginAt)).toBeGreaterThan(Date.now() - 60_000);
    const byName = await h.get('/api/admin/users?q=kim%20search', admin.accessToken);
    expect(byName.json().items.map((u: { id: string }) => u.id)).toEqual([buyer.user.id]);
    const all = await h.get('/api/admin/users?limit=1&role=admin', admin.accessToken);
    expect(all.json()).toMatchObject({ total: 1, limit: 1, items: [{ email: TEST_ADMIN.email }] });

    const forbidden = await h.get('/api/admin/users', buyer.accessToken);
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().error.code).toBe('ADMIN_ONLY');
    expect((await patch(buyer.user.id, { role: 'admin' }, buyer.accessToken)).statusCode).toBe(403);
    expect((await h.get('/api/admin/users')).statusCode).toBe(401);
  });

  it('promotes and demotes with an audit event; demotion ends the user’s sessions', async () => {
    const buyer = await h.register();
    const promoted = await patch(buyer.user.id, { role: 'admin' }, admin.accessToken);
    expect(promoted.statusCode).toBe(200);
    expect(promoted.json().user).toMatchObject({ id: buyer.user.id, role: 'admin' });

    const audit = await eventually(() => {
      const e = h.events.find(
        (x) => x.type === 'audit.recorded' && (x.data as { targetId: string }).targetId === buyer.user.id,
      );
      if (!e) throw new Error('not yet');
      return e;
    });
    expect(audit.data).toMatchObject({
      actorId: admin.user.id,
      action: 'user.role',
      targetType: 'user',
      before: { role: 'user' },
      after: { role: 'admin' },
    });

    // The new admin signs in and acts as one.
    const asAdmin = await h.login(buyer.user.email, buyer.password);
    expect((await h.get('/api/admin/users', asAdmin.accessToken)).statusCode).toBe(200);

    const demoted = await patch(buyer.user.id, { role: 'user' }, admin.accessToken);
    expect(demoted.json().user.role).toBe('user');
    const stale = await h.get('/api/admin/users', asAdmin.accessToken);
    expect(stale.statusCode).toBe(401);
    expect(stale.json().error.code).toBe('TOKEN_REVOKED');
  });

  it('never demotes the last admin', async () => {
    const res = await patch(admin.user.id, { role: 'user' }, admin.accessToken);
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('LAST_ADMIN');
    expect((await h.get('/api/auth/me', admin.accessToken)).json().user.role).toBe('admin');

    // With a second admin, one may step down.
    const second = await h.register();
    await patch(second.user.id, { role: 'admin' }, admin.accessToken);
    const secondSession = await h.login(second.user.email, second.password);
    const [a, b] = await Promise.all([
      patch(admin.user.id, { role: 'user' }, secondSession.accessToken),
      patch(second.user.id, { role: 'user' }, admin.accessToken),
    ]);
    // Racing demotions: exactly one wins, one admin remains. The loser is refused as the last
    // admin (409), or, when the winner's demotion ended its session before its own request was
    // authenticated, as signed out (401).
    const outcome = [a.statusCode, b.statusCode].sort();
    expect([JSON.stringify([200, 409]), JSON.stringify([200, 401])]).toContain(JSON.stringify(outcome));
    const admins = await h.service.ctx.db
      .selectFrom('users')
      .select('id')
      .where('role', '=', 'admin')
      .execute();
    expect(admins).toHaveLength(1);
    survivorToken = admins[0]!.id === admin.user.id ? admin.accessToken : secondSession.accessToken;
    // The demoted one's admin token stopped working at once.
    const loserToken = survivorToken === admin.accessToken ? secondSession.accessToken : admin.accessToken;
    expect((await h.get('/api/admin/users', loserToken)).statusCode).toBe(401);
  });

  it('validates the role, answers 404 for an unknown user', async () => {
    const buyer = await h.register();
    expect((await patch(buyer.user.id, { role: 'owner' }, survivorToken)).statusCode).toBe(400);
    const missing = await patch('usr_missing', { role: 'admin' }, survivorToken);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('USER_NOT_FOUND');
  });

  it('serves users to other services only with the internal token', async () => {
    const buyer = await h.register();
    const token = h.service.ctx.config.INTERNAL_TOKEN;
    const ok = await h.app.inject({
      method: 'GET',
      url: `/internal/users/${buyer.user.id}`,
      headers: { 'x-internal-token': token },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().user).toMatchObject({
      id: buyer.user.id,
      email: buyer.user.email,
      name: buyer.user.name,
    });
    const batch = await h.app.inject({
      method: 'GET',
      url: `/internal/users?ids=${buyer.user.id},usr_nope`,
      headers: { 'x-internal-token': token },
    });
    expect(batch.json().users.map((u: { id: string }) => u.id)).toEqual([buyer.user.id]);
    expect(
      (
        await h.app.inject({
          method: 'GET',
          url: `/internal/users/usr_nope`,
          headers: { 'x-internal-token': token },
        })
      ).statusCode,
    ).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: `/internal/users/${buyer.user.id}` })).statusCode).toBe(
      403,
    );
  });
});
