import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestCoordination,
  outageCoordination,
  startTestService,
  type OutageCoordination,
  type TestService,
} from '@tiketi/testing';
import type { AuthConfig } from '../auth.config';
import { authService } from '../auth.service';

/**
 * Coordination (Redis) unreachable: sign-in must keep working on PostgreSQL alone, and the failed
 * attempts made meanwhile must still count towards the lock once coordination is back.
 */
describe('auth: login throttle through a coordination outage', () => {
  let coordination: OutageCoordination;
  let svc: TestService<AuthConfig>;
  beforeAll(async () => {
    coordination = outageCoordination(await createTestCoordination());
    svc = await startTestService(authService, {
      coordination,
      env: { LOGIN_MAX_ATTEMPTS: '3', LOGIN_MAX_ATTEMPTS_PER_IP: '50', LOGIN_WINDOW_SECONDS: '120' },
    });
  });
  afterAll(async () => {
    await svc?.close();
    await coordination?.close();
  });

  const login = (email: string, password: string) =>
    svc.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email, password },
      headers: { 'x-forwarded-for': '10.7.0.1' },
    });
  const unavailable = async () =>
    (await svc.ctx.metrics.getSingleMetric('auth_login_throttle_unavailable_total')!.get()).values.reduce(
      (sum, v) => sum + v.value,
      0,
    );

  it('keeps sign-in working while down, then counts the failures it saw once coordination is back', async () => {
    const email = `outage-${Date.now()}@test.tiketi`;
    const password = 'outage-password-1';
    const registered = await svc.app.inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { email, password, name: 'Outage Buyer' },
    });
    expect(registered.statusCode, registered.body).toBe(201);

    coordination.fail();
    const ok = await login(email, password);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().user.email).toBe(email);
    for (let i = 0; i < 2; i++) {
      const wrong = await login(email, 'not-the-password');
      expect(wrong.statusCode, wrong.body).toBe(401);
      expect(wrong.json().error.code).toBe('INVALID_CREDENTIALS');
    }
    expect(coordination.refused).toBeGreaterThan(0);
    expect(await unavailable()).toBeGreaterThanOrEqual(3);

    coordination.recover();
    // Two failures during the outage plus this one reach the limit of three.
    expect((await login(email, 'still-wrong')).statusCode).toBe(401);
    const locked = await login(email, password);
    expect(locked.statusCode, locked.body).toBe(429);
    expect(locked.json().error.code).toBe('TOO_MANY_ATTEMPTS');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('while down, this replica still locks an account at the limit, by the failures it saw itself', async () => {
    const email = `outage-lock-${Date.now()}@test.tiketi`;
    const password = 'outage-password-2';
    expect(
      (
        await svc.app.inject({
          method: 'POST',
          url: '/api/auth/register',
          payload: { email, password, name: 'Guessed' },
        })
      ).statusCode,
    ).toBe(201);

    coordination.fail();
    try {
      for (let i = 0; i < 3; i++) expect((await login(email, `guess-${i}`)).statusCode).toBe(401);
      const locked = await login(email, password);
      expect(locked.statusCode, locked.body).toBe(429);
      expect(locked.json().error.code).toBe('TOO_MANY_ATTEMPTS');
      const retryAfter = Number(locked.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(100);
      expect(retryAfter).toBeLessThanOrEqual(120);
    } finally {
      coordination.recover();
    }
    // Back up: the three failures reached the shared counter, so every replica now refuses.
    const stillLocked = await login(email, password);
    expect(stillLocked.statusCode, stillLocked.body).toBe(429);
  });
});
