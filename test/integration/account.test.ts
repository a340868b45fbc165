import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@tiketi/testing';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { hold, onSaleEvent } from './admin.flow';

describe('a buyer changes their account through the gateway', () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform({ services: 'auth,gateway,ticket' });
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
});
