import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@tiketi/testing';
import { startAuthHarness, TEST_ADMIN, type AuthHarness } from '../auth.testkit';

/**
 * A stand-in for the ticket service's one internal answer auth asks for (the real one is exercised
 * through the whole platform in test/integration/account.test.ts): open bookings by user id, and
 * whether it checked the internal token.
 */
function ticketDouble(open: Map<string, { pending: number; upcoming: number }>) {
  const calls: Array<{ url: string; internalToken: string | undefined }> = [];
  const server: Server = createServer((req, res) => {
    calls.push({ url: req.url ?? '', internalToken: req.headers['x-internal-token'] as string | undefined });
    const userId = /^\/internal\/users\/([^/]+)\/open-bookings$/.exec(req.url ?? '')?.[1];
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(open.get(decodeURIComponent(userId ?? '')) ?? { pending: 0, upcoming: 0 }));
  });
  return {
    calls,
    async listen(): Promise<string> {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('auth: a buyer closes their account', () => {
  let h: AuthHarness;
  const open = new Map<string, { pending: number; upcoming: number }>();
  const ticket = ticketDouble(open);
  beforeAll(async () => {
    h = await startAuthHarness({ TICKET_URL: await ticket.listen() });
  });
  afterAll(async () => {
    await h?.close();
    await ticket.close();
  });

  const row = (id: string) =>
    h.service.ctx.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('wipes the personal data, ends every session, frees the email and publishes user.deleted', async () => {
    const buyer = await h.register({
      email: 'leaving@test.tiketi',
      name: 'Leaving Buyer',
      password: 'leaving-pass-1',
    });
    const other = await h.login('leaving@test.tiketi', 'leaving-pass-1');
    const res = await h.delete('/api/auth/me', { password: 'leaving-pass-1' }, buyer.accessToken);
    expect(res.statusCode, res.body).toBe(204);
    expect(ticket.calls.at(-1)).toEqual({
      url: `/internal/users/${buyer.user.id}/open-bookings`,
      internalToken: h.service.ctx.config.INTERNAL_TOKEN,
    });

    const closed = await row(buyer.user.id);
    expect(closed).toMatchObject({ name: '', phone: null });
    expect(closed.email).not.toContain('leaving');
    expect(closed.deleted_at).not.toBeNull();
    for (const s of [buyer, other]) {
      const me = await h.get('/api/auth/me', s.accessToken);
      expect(me.statusCode).toBe(401);
      expect((await h.post('/api/auth/refresh', { refreshToken: s.refreshToken })).statusCode).toBe(401);
    }
    const login = await h.post('/api/auth/login', {
      email: 'leaving@test.tiketi',
      password: 'leaving-pass-1',
    });
    expect(login.statusCode).toBe(401);
    expect(login.json().error.code).toBe('INVALID_CREDENTIALS');
    const again = await h.register({ email: 'leaving@test.tiketi' });
    expect(again.user.id).not.toBe(buyer.user.id);

    const event = await eventually(() => {
      const found = h.events.find((e) => e.type === 'user.deleted');
      if (!found) throw new Error('not yet');
      return found;
    });
    expect(event.data).toMatchObject({ userId: buyer.user.id });

    const admin = await h.login(TEST_ADMIN.email, TEST_ADMIN.password);
    const listed = await h.get('/api/admin/users?q=accounts.tiketi.invalid', admin.accessToken);
    expect(listed.json().total).toBe(0);
    const byId = await h.get(`/api/admin/users/${buyer.user.id}`, admin.accessToken);
    expect(byId.json().user).toMatchObject({ name: '', phone: null, role: 'user' });
    expect(byId.json().user.closedAt).not.toBeNull();
    const promoted = await h.patch(`/api/admin/users/${buyer.user.id}`, { role: 'admin' }, admin.accessToken);
    expect(promoted.statusCode).toBe(409);
    expect(promoted.json().error.code).toBe('ACCOUNT_CLOSED');
  });

  it('refuses while bookings are still going, with their counts, and changes nothing', async () => {
    const buyer = await h.register({ password: 'booked-pass-1' });
    open.set(buyer.user.id, { pending: 1, upcoming: 2 });
    const res = await h.delete('/api/auth/me', { password: 'booked-pass-1' }, buyer.accessToken);
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({ code: 'OPEN_BOOKINGS', details: { pending: 1, upcoming: 2 } });
    expect((await row(buyer.user.id)).deleted_at).toBeNull();
    expect((await h.get('/api/auth/me', buyer.accessToken)).statusCode).toBe(200);
  });

  it('refuses a wrong password (403, counted with sign-in failures), an administrator, and no token', async () => {
    const buyer = await h.register({ password: 'kept-pass-1' });
    const wrong = await h.delete('/api/auth/me', { password: 'not-it' }, buyer.accessToken);
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error.code).toBe('INVALID_CURRENT_PASSWORD');
    expect((await row(buyer.user.id)).deleted_at).toBeNull();

    const admin = await h.login(TEST_ADMIN.email, TEST_ADMIN.password);
    const adminClose = await h.delete('/api/auth/me', { password: TEST_ADMIN.password }, admin.accessToken);
    expect(adminClose.statusCode).toBe(409);
    expect(adminClose.json().error.code).toBe('ADMIN_ACCOUNT');

    expect((await h.delete('/api/auth/me', { password: 'kept-pass-1' })).statusCode).toBe(401);
    expect((await h.delete('/api/auth/me', {}, buyer.accessToken)).statusCode).toBe(400);
  });
});

describe('auth: closing an account while the ticket service cannot answer', () => {
  let h: AuthHarness;
  beforeAll(async () => {
    h = await startAuthHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers 503 and keeps the account: nobody can tell what it still has going', async () => {
    const buyer = await h.register({ password: 'outage-pass-1' });
    const res = await h.delete('/api/auth/me', { password: 'outage-pass-1' }, buyer.accessToken);
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect((await h.get('/api/auth/me', buyer.accessToken)).statusCode).toBe(200);
  });
});
