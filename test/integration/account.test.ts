import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@tiketi/testing';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { hold, onSaleEvent, paySandbox } from './admin.flow';

describe('a buyer changes their account through the gateway', () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform({ services: 'auth,gateway,ticket,payment' });
  });
  afterAll(async () => {
    await p?.close();
  });

  it('a new name reaches what the buyer books next, through the token the change answers with', async () => {
    const admin = await p.admin();
    const eventId = await onSaleEvent(p, admin, 'Renamed Buyer Concert');
    const buyer = await p.register({ name: 'Before Rename' });
    const first = await hold(p, buyer, eventId, 1);

    const changed = await p.api('PATCH', '/api/auth/me', {
      token: buyer.accessToken,
      body: { name: 'After Rename' },
    });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    const second = await hold(p, { ...buyer, accessToken: changed.body.accessToken }, eventId, 1);

    const listed = await p.api('GET', `/api/admin/reservations?eventId=${eventId}`, {
      token: admin.accessToken,
    });
    expect(listed.status).toBe(200);
    const names = Object.fromEntries(
      (listed.body.items as Array<{ id: string; user: { name: string } }>).map((r) => [r.id, r.user.name]),
    );
    // A booking keeps the name it was made under; the next one carries the new name.
    expect(names[first.id]).toBe('Before Rename');
    expect(names[second.id]).toBe('After Rename');
  });

  it('a password change ends the other sessions at the gateway and at the services, the changing one goes on', async () => {
    const here = await p.register({ password: 'gateway-password-1' });
    const signedIn = await p.api('POST', '/api/auth/login', {
      body: { email: here.user.email, password: 'gateway-password-1' },
    });
    expect(signedIn.status).toBe(200);
    const there = signedIn.body as typeof here;
    // Both sessions used once: the gateway has seen and trusted both tokens.
    for (const s of [here, there])
      expect((await p.api('GET', '/api/tickets/my', { token: s.accessToken })).status).toBe(200);

    const changed = await p.api('POST', '/api/auth/password', {
      token: here.accessToken,
      body: { currentPassword: 'gateway-password-1', newPassword: 'gateway-password-2' },
    });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toEqual({ otherSessionsEnded: 1 });

    await eventually(async () => {
      const res = await p.api('GET', '/api/tickets/my', { token: there.accessToken });
      expect(res.status).toBe(401);
    });
    const refreshed = await p.api('POST', '/api/auth/refresh', {
      body: { refreshToken: there.refreshToken },
    });
    expect(refreshed.status).toBe(401);
    expect((await p.api('GET', '/api/tickets/my', { token: here.accessToken })).status).toBe(200);
    const old = await p.api('POST', '/api/auth/login', {
      body: { email: here.user.email, password: 'gateway-password-1' },
    });
    expect(old.status).toBe(401);
  });

  it('an account closes only once nothing is going: a hold, then a paid ticket, hold it open until the event is cancelled', async () => {
    const admin = await p.admin();
    const eventId = await onSaleEvent(p, admin, 'Closing Account Concert');
    const buyer = await p.register({ password: 'closing-password-1' });
    const close = () =>
      p.api('DELETE', '/api/auth/me', { token: buyer.accessToken, body: { password: 'closing-password-1' } });

    const held = await hold(p, buyer, eventId, 2);
    const whileHeld = await close();
    expect(whileHeld.status).toBe(409);
    expect(whileHeld.body.error).toMatchObject({
      code: 'OPEN_BOOKINGS',
      details: { pending: 1, upcoming: 0 },
    });

    await paySandbox(p, buyer, held.id);
    const whilePaid = await eventually(async () => {
      const res = await close();
      expect(res.body.error?.details).toEqual({ pending: 0, upcoming: 1 });
      return res;
    });
    expect(whilePaid.status).toBe(409);

    const cancelled = await p.api('POST', `/api/events/${eventId}/cancel`, {
      token: admin.accessToken,
      body: { reason: 'artist ill' },
    });
    expect(cancelled.status).toBe(200);
    const closed = await close();
    expect(closed.status, JSON.stringify(closed.body)).toBe(204);
    expect((await p.api('GET', '/api/tickets/my', { token: buyer.accessToken })).status).toBe(401);
    const login = await p.api('POST', '/api/auth/login', {
      body: { email: buyer.user.email, password: 'closing-password-1' },
    });
    expect(login.status).toBe(401);
  });
});
