import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthHarness, type AuthHarness } from '../auth.testkit';

describe('auth: login throttling', () => {
  let h: AuthHarness;
  beforeAll(async () => {
    h = await startAuthHarness({
      LOGIN_MAX_ATTEMPTS: '3',
      LOGIN_MAX_ATTEMPTS_PER_IP: '6',
      LOGIN_WINDOW_SECONDS: '120',
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  const attempt = (email: string, password: string, ip: string) =>
    h.post('/api/auth/login', { email, password }, { ip });

  it('locks an account after repeated failures with 429 and Retry-After, even for the right password', async () => {
    const buyer = await h.register({ password: 'correct-horse-1' });
    for (let i = 0; i < 3; i++) {
      const res = await attempt(buyer.user.email, 'wrong-guess', '10.0.0.1');
      expect(res.statusCode).toBe(401);
    }
    const locked = await attempt(buyer.user.email.toUpperCase(), 'correct-horse-1', '10.0.0.2');
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error.code).toBe('TOO_MANY_ATTEMPTS');
    const retryAfter = Number(locked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(120);
    // Registration and other accounts are unaffected.
    const other = await h.register({ password: 'other-pass-1' });
    expect((await attempt(other.user.email, 'other-pass-1', '10.0.0.2')).statusCode).toBe(200);
  });

  it('a successful login clears the account counter', async () => {
    const buyer = await h.register({ password: 'correct-horse-2' });
    for (let i = 0; i < 2; i++)
      expect((await attempt(buyer.user.email, 'nope', '10.0.1.1')).statusCode).toBe(401);
    expect((await attempt(buyer.user.email, 'correct-horse-2', '10.0.1.1')).statusCode).toBe(200);
    for (let i = 0; i < 2; i++)
      expect((await attempt(buyer.user.email, 'nope', '10.0.1.1')).statusCode).toBe(401);
    expect((await attempt(buyer.user.email, 'correct-horse-2', '10.0.1.1')).statusCode).toBe(200);
  });

  it('blocks one IP guessing across many accounts, but not other IPs', async () => {
    const victim = await h.register({ password: 'victim-pass-1' });
    for (let i = 0; i < 6; i++) {
      expect((await attempt(`ghost${i}@test.tiketi`, 'guess', '10.9.9.9')).statusCode).toBe(401);
    }
    const blocked = await attempt(victim.user.email, 'victim-pass-1', '10.9.9.9');
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect((await attempt(victim.user.email, 'victim-pass-1', '10.9.9.10')).statusCode).toBe(200);
  });

  it('guesses sent at once get no more tries than guesses sent one by one', async () => {
    // Counted after the password hash, all twelve passed a check that had counted none of them.
    const buyer = await h.register({ password: 'correct-horse-3' });
    const burst = await Promise.all(
      Array.from({ length: 12 }, (_, i) => attempt(buyer.user.email, `guess-${i}`, `10.0.2.${i + 1}`)),
    );
    const codes = burst.map((r) => r.statusCode).sort();
    expect(codes).toEqual([...Array(3).fill(401), ...Array(9).fill(429)]);
    // And from one address across accounts: six in all.
    const spray = await Promise.all(
      Array.from({ length: 12 }, (_, i) => attempt(`spray${i}@test.tiketi`, 'guess', '10.0.3.1')),
    );
    expect(spray.filter((r) => r.statusCode === 401)).toHaveLength(6);
    expect(spray.filter((r) => r.statusCode === 429)).toHaveLength(6);
  });

  it('sign-ins that succeed do not use up their address', async () => {
    // Many buyers behind one address (a venue's Wi-Fi): only failures count against it.
    const buyers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => h.register({ password: `shared-wifi-${i}` })),
    );
    for (const [i, b] of buyers.entries())
      expect((await attempt(b.user.email, `shared-wifi-${i}`, '10.0.4.1')).statusCode).toBe(200);
    for (let i = 0; i < 6; i++)
      expect((await attempt(`nobody${i}@test.tiketi`, 'guess', '10.0.4.1')).statusCode).toBe(401);
    expect((await attempt(buyers[0]!.user.email, 'shared-wifi-0', '10.0.4.1')).statusCode).toBe(429);
  });

  it("a throttled address's refused requests do not count against the accounts it names", async () => {
    const victim = await h.register({ password: 'victim-pass-2' });
    for (let i = 0; i < 6; i++)
      expect((await attempt(`ghost-b${i}@test.tiketi`, 'guess', '10.0.5.1')).statusCode).toBe(401);
    for (let i = 0; i < 5; i++)
      expect((await attempt(victim.user.email, 'guess', '10.0.5.1')).statusCode).toBe(429);
    expect((await attempt(victim.user.email, 'victim-pass-2', '10.0.5.2')).statusCode).toBe(200);
  });
});
