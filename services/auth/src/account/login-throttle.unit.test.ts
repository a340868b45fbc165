import { describe, expect, it } from 'vitest';
import type { Coordination } from '@tiketi/platform';
import { LoginThrottle } from './login-throttle';

/** Coordination that never answers: every call fails as a Redis outage does. */
const down = new Proxy({} as Coordination, {
  get: () => () => Promise.reject(new Error('coordination down')),
});

/** What admit returns while coordination is down. */
const uncounted = { counted: false };

describe('LoginThrottle during a coordination outage', () => {
  const options = { maxPerAccount: 3, maxPerIp: 5, windowSeconds: 60 };

  it('counts failures per account and per IP within the window, and lets them expire with it', async () => {
    let now = 1_000_000;
    const throttle = new LoginThrottle(down, options, {}, () => now);
    for (let i = 0; i < 3; i++) {
      await throttle.admit('a@x.test', '10.0.0.1');
      await throttle.recordFailure('a@x.test', '10.0.0.1', uncounted);
    }
    now += 20_000;
    const err = await throttle.admit('a@x.test', '10.0.0.9').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TOO_MANY_ATTEMPTS', details: { retryAfterSeconds: 40 } });
    // Another account from the same address is not locked yet: three of the IP's five.
    await expect(throttle.admit('b@x.test', '10.0.0.1')).resolves.toEqual(uncounted);
    await throttle.recordFailure('b@x.test', '10.0.0.1', uncounted);
    await throttle.recordFailure('c@x.test', '10.0.0.1', uncounted);
    await expect(throttle.admit('d@x.test', '10.0.0.1')).rejects.toMatchObject({
      code: 'TOO_MANY_ATTEMPTS',
    });
    await expect(throttle.admit('d@x.test', '10.0.0.2')).resolves.toEqual(uncounted);

    now += 40_000;
    await expect(throttle.admit('a@x.test', '10.0.0.1')).resolves.toEqual(uncounted);
    expect(throttle.unrecordedFailures).toBe(2);
  });

  it('a successful sign-in clears the account, not the address', async () => {
    const throttle = new LoginThrottle(down, { ...options, maxPerIp: 3 });
    for (let i = 0; i < 3; i++) await throttle.recordFailure('a@x.test', '10.0.0.1', uncounted);
    await throttle.recordSuccess('a@x.test', '10.0.0.1', uncounted);
    await expect(throttle.admit('a@x.test', '10.0.0.2')).resolves.toEqual(uncounted);
    await expect(throttle.admit('a@x.test', '10.0.0.1')).rejects.toMatchObject({
      code: 'TOO_MANY_ATTEMPTS',
    });
  });
});
