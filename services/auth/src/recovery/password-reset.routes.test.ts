import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Counter } from 'prom-client';
import { startSmtpRelay, type SmtpRelay } from '@tiketi/testing';
import { startAuthHarness, type AuthHarness } from '../auth.testkit';

/** The reset token in a mailed link. */
const tokenOf = (text: string) => /reset-password#token=([A-Za-z0-9_-]+)/.exec(text)?.[1] ?? '';

let relay: SmtpRelay;
beforeAll(async () => {
  relay = await startSmtpRelay();
});
afterAll(async () => {
  await relay?.close();
});

describe('auth: forgotten password, reset by a mailed link', () => {
  let h: AuthHarness;
  let offsetMs = 0;
  let ipCounter = 0;
  const freshIp = () => `198.51.100.${++ipCounter}`;

  const outcome = async (result: string): Promise<number> => {
    const counter = h.service.ctx.metrics.getSingleMetric('auth_password_resets_total') as Counter<'result'>;
    const { values } = await counter.get();
    return values.find((v) => v.labels.result === result)?.value ?? 0;
  };
  /** Waits until the background work of the requests made so far has reached these counts. */
  const settled = async (counts: Record<string, number>) =>
    vi.waitFor(
      async () => {
        for (const [result, n] of Object.entries(counts)) expect(await outcome(result), result).toBe(n);
      },
      { timeout: 5_000, interval: 20 },
    );
  const mailTo = (email: string) =>
    relay.mail.filter((m) => m.to === email).map((m) => ({ ...m, token: tokenOf(m.text) }));
  const forgot = (email: string, ip = freshIp(), locale?: 'ko' | 'en') =>
    h.post('/api/auth/password/forgot', { email, ...(locale ? { locale } : {}) }, { ip });
  const reset = (token: string, newPassword: string) =>
    h.post('/api/auth/password/reset', { token, newPassword });

  beforeAll(async () => {
    h = await startAuthHarness(
      {
        SMTP_URL: relay.url,
        MAIL_FROM: 'TIKETI <no-reply@tiketi.test>',
        PUBLIC_WEB_URL: 'https://tickets.example.kr/',
        PASSWORD_RESET_MAX_PER_IP: '4',
        PASSWORD_RESET_MAX_PER_ACCOUNT: '2',
        PASSWORD_RESET_TTL_MINUTES: '30',
        LOGIN_MAX_ATTEMPTS: '3',
      },
      { clock: { now: () => new Date(Date.now() + offsetMs) } },
    );
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers an unknown address exactly as a known one, and mails only the account', async () => {
    const buyer = await h.register({ name: '김하늘' });
    const [known, unknown] = await Promise.all([forgot(buyer.user.email), forgot('nobody-here@test.tiketi')]);
    expect(known.statusCode).toBe(202);
    expect(unknown.statusCode).toBe(202);
    expect(unknown.body).toBe(known.body);
    expect(known.json()).toEqual({ expiresInMinutes: 30 });
    await settled({ mailed: 1, unknown_email: 1 });
    expect(relay.mail.map((m) => m.to)).toEqual([buyer.user.email]);
    const [mail] = mailTo(buyer.user.email);
    // Korean unless the web app asks otherwise; the link points at the web app, token in the fragment.
    expect(mail!.subject).toBe('[TIKETI] 비밀번호 재설정 안내');
    expect(mail!.text).toContain('김하늘님');
    expect(mail!.text).toContain('30분');
    expect(mail!.text).toContain(`https://tickets.example.kr/reset-password#token=${mail!.token}`);
    expect(mail!.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('answers before the mail is sent: a slow relay does not slow the answer', async () => {
    const buyer = await h.register();
    const before = await outcome('mailed');
    relay.delayMs.value = 1_500;
    try {
      const res = await forgot(buyer.user.email, freshIp(), 'en');
      expect(res.statusCode).toBe(202);
      // Answered while the relay still holds the message.
      expect(mailTo(buyer.user.email)).toHaveLength(0);
      await settled({ mailed: before + 1 });
    } finally {
      relay.delayMs.value = 0;
    }
    expect(mailTo(buyer.user.email)[0]!.subject).toBe('[TIKETI] Reset your password');
  });

  it('sets the new password once: the old one stops working, every session ends, the link is spent', async () => {
    const buyer = await h.register({ password: 'forgotten-pass-1' });
    const other = await h.login(buyer.user.email, 'forgotten-pass-1');
    await forgot(buyer.user.email);
    await forgot(buyer.user.email);
    await vi.waitFor(() => expect(mailTo(buyer.user.email)).toHaveLength(2), { timeout: 5_000 });
    const [first, second] = mailTo(buyer.user.email);

    const res = await reset(second!.token, 'remembered-pass-2');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ email: buyer.user.email });

    const oldLogin = await h.post('/api/auth/login', {
      email: buyer.user.email,
      password: 'forgotten-pass-1',
    });
    expect(oldLogin.statusCode).toBe(401);
    await h.login(buyer.user.email, 'remembered-pass-2');
    for (const session of [buyer, other]) {
      expect((await h.get('/api/auth/me', session.accessToken)).statusCode).toBe(401);
      const refresh = await h.post('/api/auth/refresh', { refreshToken: session.refreshToken });
      expect(refresh.statusCode).toBe(401);
    }
    // Neither this link nor the older mail's works again.
    for (const token of [second!.token, first!.token]) {
      const again = await reset(token, 'attacker-pass-3');
      expect(again.statusCode).toBe(400);
      expect(again.json().error.code).toBe('INVALID_RESET_TOKEN');
    }
    await h.login(buyer.user.email, 'remembered-pass-2');
  });

  it('lets one of many requests with the same link through', async () => {
    const buyer = await h.register({ password: 'raced-pass-0' });
    await forgot(buyer.user.email);
    await vi.waitFor(() => expect(mailTo(buyer.user.email)).toHaveLength(1), { timeout: 5_000 });
    const { token } = mailTo(buyer.user.email)[0]!;
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => reset(token, `raced-pass-${i + 1}`)),
    );
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes).toEqual([200, 400, 400, 400, 400, 400]);
    const winner = results.findIndex((r) => r.statusCode === 200);
    await h.login(buyer.user.email, `raced-pass-${winner + 1}`);
  });

  it('refuses an expired link, an unknown token and a short password, changing nothing', async () => {
    const buyer = await h.register({ password: 'kept-password-1' });
    await forgot(buyer.user.email);
    await vi.waitFor(() => expect(mailTo(buyer.user.email)).toHaveLength(1), { timeout: 5_000 });
    const { token } = mailTo(buyer.user.email)[0]!;

    const short = await reset(token, 'short');
    expect(short.statusCode).toBe(400);
    expect(short.json().error.code).toBe('VALIDATION_FAILED');
    const unknown = await reset('x'.repeat(43), 'another-pass-1');
    expect(unknown.json().error.code).toBe('INVALID_RESET_TOKEN');

    offsetMs = 31 * 60_000;
    try {
      const late = await reset(token, 'another-pass-1');
      expect(late.statusCode).toBe(400);
      expect(late.json().error).toMatchObject({
        code: 'INVALID_RESET_TOKEN',
        details: { path: 'body.token' },
      });
    } finally {
      offsetMs = 0;
    }
    await h.login(buyer.user.email, 'kept-password-1');
  });

  it('forgets links a week after they expired', async () => {
    const buyer = await h.register();
    const links = () =>
      h.service.ctx.db
        .selectFrom('password_resets')
        .select('id')
        .where('user_id', '=', buyer.user.id)
        .execute();
    await forgot(buyer.user.email);
    await vi.waitFor(() => expect(mailTo(buyer.user.email)).toHaveLength(1), { timeout: 5_000 });
    expect(await links()).toHaveLength(1);
    offsetMs = 8 * 24 * 3_600_000;
    try {
      await forgot(buyer.user.email);
      await vi.waitFor(() => expect(mailTo(buyer.user.email)).toHaveLength(2), { timeout: 5_000 });
      expect(await links()).toHaveLength(1);
    } finally {
      offsetMs = 0;
    }
  });

  it('mails one account a few times an hour at most, answering every request alike', async () => {
    const buyer = await h.register();
    const [limited, mailed] = [await outcome('account_limit'), await outcome('mailed')];
    for (let i = 0; i < 4; i++) expect((await forgot(buyer.user.email)).statusCode).toBe(202);
    await settled({ account_limit: limited + 2, mailed: mailed + 2 });
    expect(mailTo(buyer.user.email)).toHaveLength(2);
  });

  it('refuses an address that asks too often with 429 and Retry-After; others are unaffected', async () => {
    const ip = freshIp();
    for (let i = 0; i < 4; i++) expect((await forgot(`stranger${i}@test.tiketi`, ip)).statusCode).toBe(202);
    const refused = await forgot('stranger9@test.tiketi', ip);
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.code).toBe('TOO_MANY_RESET_REQUESTS');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await forgot('stranger9@test.tiketi')).statusCode).toBe(202);
  });

  it('keeps both hourly caps while coordination is down, counted from the links the database holds', async () => {
    const down = vi
      .spyOn(h.service.ctx.coordination, 'hitWindow')
      .mockRejectedValue(new Error('coordination down'));
    try {
      const buyer = await h.register();
      const [limited, mailed] = [await outcome('account_limit'), await outcome('mailed')];
      for (let i = 1; i <= 4; i++) {
        expect((await forgot(buyer.user.email)).statusCode).toBe(202);
        await vi.waitFor(
          async () =>
            expect((await outcome('account_limit')) + (await outcome('mailed'))).toBe(limited + mailed + i),
          { timeout: 5_000, interval: 20 },
        );
      }
      expect(mailTo(buyer.user.email)).toHaveLength(2);
      expect(await outcome('account_limit')).toBe(limited + 2);

      // One address asking for four accounts' links gets them; the fifth ask is refused.
      const ip = freshIp();
      for (let i = 0; i < 4; i++) {
        const other = await h.register();
        const before = await outcome('mailed');
        expect((await forgot(other.user.email, ip)).statusCode).toBe(202);
        await settled({ mailed: before + 1 });
      }
      const refused = await forgot((await h.register()).user.email, ip);
      expect(refused.statusCode).toBe(429);
      expect(refused.json().error.code).toBe('TOO_MANY_RESET_REQUESTS');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(3_500);
      expect(down).toHaveBeenCalled();
    } finally {
      down.mockRestore();
    }
  });

  it('ends a sign-in lock: the owner proved the mailbox theirs', async () => {
    const buyer = await h.register({ password: 'locked-out-pass-1' });
    for (let i = 0; i < 3; i++)
      await h.post(
        '/api/auth/login',
        { email: buyer.user.email, password: 'a-wrong-guess' },
        { ip: freshIp() },
      );
    const locked = await h.post('/api/auth/login', {
      email: buyer.user.email,
      password: 'locked-out-pass-1',
    });
    expect(locked.statusCode).toBe(429);
    await forgot(buyer.user.email);
    await vi.waitFor(() => expect(mailTo(buyer.user.email)).toHaveLength(1), { timeout: 5_000 });
    expect((await reset(mailTo(buyer.user.email)[0]!.token, 'unlocked-pass-2')).statusCode).toBe(200);
    await h.login(buyer.user.email, 'unlocked-pass-2');
  });

  it('still answers 202 when the relay refuses the mail, and counts the failure', async () => {
    const email = `bounce-${Date.now()}@test.tiketi`;
    await h.post('/api/auth/register', { email, password: 'bounced-pass-1', name: 'Bounce' });
    const before = await outcome('failed');
    expect((await forgot(email)).statusCode).toBe(202);
    await settled({ failed: before + 1 });
    expect(mailTo(email)).toHaveLength(0);
  });
});

describe('auth in production: a reset holds an administrator to the strong-password rule', () => {
  const OPS = { email: 'ops-reset@test.tiketi', password: 'Strong-Operator-Pass-9' };
  let h: AuthHarness;
  beforeAll(async () => {
    h = await startAuthHarness({
      NODE_ENV: 'production',
      ADMIN_EMAIL: OPS.email,
      ADMIN_PASSWORD: OPS.password,
      SMTP_URL: relay.url,
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers 400 WEAK_PASSWORD and leaves the link usable for a strong password', async () => {
    expect(
      (await h.post('/api/auth/password/forgot', { email: OPS.email }, { ip: '203.0.113.7' })).statusCode,
    ).toBe(202);
    await vi.waitFor(() => expect(relay.mail.filter((m) => m.to === OPS.email)).toHaveLength(1), {
      timeout: 5_000,
    });
    const token = tokenOf(relay.mail.find((m) => m.to === OPS.email)!.text);
    const weak = await h.post('/api/auth/password/reset', { token, newPassword: 'password123' });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().error).toMatchObject({ code: 'WEAK_PASSWORD', details: { path: 'body.newPassword' } });
    const strong = await h.post('/api/auth/password/reset', {
      token,
      newPassword: 'Brand-New-Admin-Pass-42',
    });
    expect(strong.statusCode).toBe(200);
    await h.login(OPS.email, 'Brand-New-Admin-Pass-42');
  });
});
