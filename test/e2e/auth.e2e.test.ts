import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { testMode, uniqueSuffix } from '@tiketi/testing';
import { TEST_ADMIN } from '../support/platform';
import {
  launchBrowser,
  logIn,
  newPage,
  screenshot,
  signUp,
  startWebPlatform,
  type WebPlatform,
} from './support/web-platform';
import { useSession } from './support/shop.helpers';
import { waitForMail } from './support/mailbox';

// Used only inside page.evaluate (runs in the browser); the repo's tsconfig has no DOM lib.
declare const localStorage: {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
};

let platform: WebPlatform;
let browser: Browser;

// The browser drives the app as `npm start` runs it, on the embedded defaults: CI's embedded pass
// runs these, and its real-servers pass leaves them out instead of repeating them.
const skip = testMode === 'real';

beforeAll(async () => {
  if (skip) return;
  platform = await startWebPlatform();
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await platform?.close();
}, 30_000);

describe.skipIf(skip)('register, log in, log out in the browser', () => {
  it('signs up, logs out, refuses a taken email and a wrong password, logs back in', async () => {
    const { context, page } = await newPage(browser, platform.web);
    const user = {
      name: 'Kim Minji',
      email: `minji-${uniqueSuffix()}@test.tiketi`,
      password: 'correct-horse-1',
    };

    await page.goto('/');
    await page.getByRole('heading', { name: 'Find your next show' }).waitFor();

    await signUp(page, user);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('link', { name: 'Log in' }).waitFor();
    expect(await page.evaluate(() => localStorage.getItem('tiketi.session'))).toBeNull();

    // The API's error lands on the field it is about.
    await page.goto('/register');
    await page.getByLabel('Name').fill('Someone Else');
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password', { exact: true }).fill('another-password-1');
    await page.getByLabel('Confirm password').fill('another-password-1');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.locator('.field-error').filter({ hasText: 'already exists' }).waitFor();
    await screenshot(page, 'register-errors');

    await page.goto('/login');
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password', { exact: true }).fill('wrong-password-1');
    await page.locator('form').getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'The email or password is not correct.' }).waitFor();

    await logIn(page, user.email, user.password);
    await expect(page.getByTestId('user-name').textContent()).resolves.toBe(user.name);
    await context.close();
  }, 60_000);

  it('refreshes an expired access token without the user noticing, and sends a dead session back through login', async () => {
    const { context, page } = await newPage(browser, platform.web);
    const session = await platform.register({ name: 'Refresh Buyer' });
    await page.goto('/');
    // A stale access token with a valid refresh token: the app must swap it silently.
    await page.evaluate(
      (s) =>
        localStorage.setItem('tiketi.session', JSON.stringify({ ...s, accessToken: 'expired.token.value' })),
      {
        user: session.user,
        accessToken: session.accessToken,
        refreshToken: session.refreshToken,
      },
    );
    await page.goto('/my/reservations');
    await page.getByRole('heading', { name: 'My tickets' }).waitFor();
    await page.waitForFunction(() => {
      const s = JSON.parse(localStorage.getItem('tiketi.session') ?? 'null');
      return s && s.accessToken !== 'expired.token.value';
    });
    const refreshed = await page.evaluate(() => JSON.parse(localStorage.getItem('tiketi.session')!));
    const me = await platform.api('GET', '/api/auth/me', { token: refreshed.accessToken });
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe(session.user.id);

    // Both tokens dead: the buyer is asked to log in and comes back to the same page. (Let the
    // page finish its own requests first: the retried profile call writes the session back.)
    await page.waitForLoadState('networkidle');
    await page.evaluate(() => {
      const s = JSON.parse(localStorage.getItem('tiketi.session')!);
      localStorage.setItem(
        'tiketi.session',
        JSON.stringify({ ...s, accessToken: 'dead.access', refreshToken: 'dead-refresh' }),
      );
    });
    await page.goto('/my/reservations?tab=upcoming');
    await page.getByText('Your session has ended').waitFor();
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.getByLabel('Email').fill(session.user.email);
    await page.getByLabel('Password', { exact: true }).fill(session.password);
    await page.locator('form').getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((url) => url.pathname === '/my/reservations' && url.search === '?tab=upcoming');
    await context.close();
  }, 60_000);

  it('changes the name, phone and password from My account; the other device is signed out', async () => {
    const { context, page } = await newPage(browser, platform.web);
    const user = {
      name: 'Park Seoyeon',
      email: `seoyeon-${uniqueSuffix()}@test.tiketi`,
      password: 'first-password-1',
    };
    await page.goto('/');
    await signUp(page, user);
    // The same buyer signed in elsewhere (another device).
    const elsewhere = await platform.api('POST', '/api/auth/login', {
      body: { email: user.email, password: user.password },
    });
    expect(elsewhere.status).toBe(200);

    await page.getByTestId('user-name').click();
    await page.getByRole('heading', { name: 'My account' }).waitFor();
    expect(await page.getByLabel(/^Email/).inputValue()).toBe(user.email);
    await page.getByLabel('Name').fill('Park Seoyeon Jr');
    await page.getByLabel('Phone (optional)').fill('010-2222-3333');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').filter({ hasText: 'Your profile was saved.' }).waitFor();
    await expect(page.getByTestId('user-name').textContent()).resolves.toBe('Park Seoyeon Jr');
    // The session now carries a token with the new name, for what the buyer books next.
    const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('tiketi.session')!));
    const claims = JSON.parse(Buffer.from(stored.accessToken.split('.')[1], 'base64url').toString());
    expect(claims.name).toBe('Park Seoyeon Jr');

    // A wrong current password lands on its field, and nothing changes.
    await page.getByLabel('Current password').fill('not-my-password');
    await page.getByLabel('New password', { exact: true }).fill('second-password-2');
    await page.getByLabel('Confirm new password').fill('second-password-2');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.locator('.field-error').filter({ hasText: 'The current password is not correct.' }).waitFor();

    await page.getByLabel('Current password').fill(user.password);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('status').filter({ hasText: '1 other device was signed out' }).waitFor();
    await screenshot(page, 'account');
    const other = await platform.api('GET', '/api/auth/me', { token: elsewhere.body.accessToken });
    expect(other.status).toBe(401);

    // This device stays signed in; after logging out, only the new password opens the account.
    await page.reload();
    await expect(page.getByTestId('user-name').textContent()).resolves.toBe('Park Seoyeon Jr');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('link', { name: 'Log in' }).waitFor();
    await page.goto('/login');
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.locator('form').getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'The email or password is not correct.' }).waitFor();
    await logIn(page, user.email, 'second-password-2');
    await expect(page.getByTestId('user-name').textContent()).resolves.toBe('Park Seoyeon Jr');
    await context.close();
  }, 60_000);

  it('closes an account from My account in Korean: confirmed by the password and a check, then signed out for good', async () => {
    const { context, page } = await newPage(browser, platform.web, 'ko-KR');
    const user = {
      name: '탈퇴 회원',
      email: `leaving-${uniqueSuffix()}@test.tiketi`,
      password: 'leaving-password-1',
    };
    const session = await platform.register(user);
    await page.goto('/');
    await useSession(page, session);
    await page.goto('/my/account');
    await page.getByRole('heading', { name: '회원 탈퇴' }).waitFor();
    const section = page.locator('section', { has: page.getByRole('heading', { name: '회원 탈퇴' }) });

    await section.getByLabel('비밀번호').fill(user.password);
    await section.getByRole('button', { name: '회원 탈퇴' }).click();
    await section.locator('.field-error').filter({ hasText: '안내 내용을 확인해 주세요.' }).waitFor();

    await section.getByLabel('탈퇴한 계정은 복구할 수 없음을 확인했습니다.').check();
    await section.getByLabel('비밀번호').fill('not-my-password');
    await section.getByRole('button', { name: '회원 탈퇴' }).click();
    await section.locator('.field-error').filter({ hasText: '현재 비밀번호가 올바르지 않습니다.' }).waitFor();

    await section.getByLabel('비밀번호').fill(user.password);
    await section.getByRole('button', { name: '회원 탈퇴' }).click();
    await page.getByRole('heading', { name: '탈퇴가 완료되었습니다' }).waitFor();
    await screenshot(page, 'account-closed');
    expect(await page.evaluate(() => localStorage.getItem('tiketi.session'))).toBeNull();
    await page.getByRole('link', { name: '로그인' }).waitFor();
    const login = await platform.api('POST', '/api/auth/login', {
      body: { email: user.email, password: user.password },
    });
    expect(login.status).toBe(401);
    await context.close();
  }, 60_000);

  it('an administrator finds a member and makes them an administrator, then a buyer again', async () => {
    const member = await platform.register({ name: 'Promoted Member' });
    const admin = await platform.admin();
    const { context, page } = await newPage(browser, platform.web);
    await useSession(page, admin);
    await page.goto('/admin/users');
    await page.getByRole('heading', { name: 'Members' }).waitFor();
    await page.getByLabel('Search by name, email or id').fill(member.user.email);
    const row = page.getByTestId(`user-${member.user.id}`);
    await row.getByText('Buyer', { exact: true }).waitFor();
    await expect.poll(() => page.getByTestId('admin-users').locator('tbody tr').count()).toBe(1);

    await row.getByRole('button', { name: 'Make administrator' }).click();
    await row.getByText('will be able to manage events').waitFor();
    await row.getByRole('button', { name: 'Make administrator' }).click();
    await row.getByText('Administrator', { exact: true }).waitFor();
    const promoted = await platform.api('POST', '/api/auth/login', {
      body: { email: member.user.email, password: member.password },
    });
    expect(promoted.body.user.role).toBe('admin');

    await row.getByRole('button', { name: 'Make buyer' }).click();
    await row.getByRole('button', { name: 'Make buyer' }).click();
    await row.getByText('Buyer', { exact: true }).waitFor();
    await screenshot(page, 'admin-users');
    // Demotion ends the member's sessions: their administrator token stops working at once.
    expect((await platform.api('GET', '/api/auth/me', { token: promoted.body.accessToken })).status).toBe(
      401,
    );

    // The operator's own row offers nothing: stepping down is another administrator's decision.
    await page.getByLabel('Search by name, email or id').fill(TEST_ADMIN.email);
    await page.getByTestId(`user-${admin.user.id}`).getByText('You', { exact: true }).waitFor();
    await context.close();
  }, 60_000);

  it('shows the admin area to the admin only, in Korean when the browser prefers it', async () => {
    const { context, page } = await newPage(browser, platform.web, 'ko-KR');
    await page.goto('/admin');
    await page.waitForURL((url) => url.pathname === '/login');
    await page.getByRole('heading', { name: '로그인' }).waitFor();
    await page.getByLabel('이메일').fill(TEST_ADMIN.email);
    await page.getByLabel('비밀번호', { exact: true }).fill(TEST_ADMIN.password);
    await page.locator('form').getByRole('button', { name: '로그인' }).click();
    await page.waitForURL((url) => url.pathname === '/admin');
    await page.getByRole('link', { name: '공연 관리' }).waitFor();
    // Switching the language sticks across reloads.
    await page.getByLabel('언어').selectOption('en');
    await page.getByRole('link', { name: 'Events', exact: true }).waitFor();
    await page.reload();
    await page.getByRole('link', { name: 'Events', exact: true }).waitFor();
    await context.close();
  }, 60_000);

  it('resets a forgotten password from the mailed link; the link works once', async () => {
    const user = await platform.register({ name: 'Forgetful Buyer', password: 'forgotten-password-1' });
    const { context, page } = await newPage(browser, platform.web);
    await page.goto('/login');
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
    await page.getByLabel('Email').fill(user.user.email);
    await page.getByRole('button', { name: 'Send the link' }).click();
    await page.getByRole('status').filter({ hasText: 'a link is on its way' }).waitFor();

    // The embedded platform writes its mail to DATA_DIR/mail, as a relay would deliver it.
    const mail = await waitForMail(platform.dataDir, user.user.email);
    expect(mail.subject).toBe('[TIKETI] Reset your password');
    const link = /https?:\/\/\S+\/reset-password#token=[A-Za-z0-9_-]+/.exec(mail.text)?.[0];
    expect(link).toBeDefined();
    const { pathname, hash } = new URL(link!);
    await page.goto(`${pathname}${hash}`);
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    // The token leaves the address bar (history, screenshots, a shared screen) once read.
    expect(page.url()).not.toContain('token');
    await page.getByLabel('New password').fill('remembered-password-2');
    await page.getByLabel('Confirm password').fill('remembered-password-2');
    await page.getByRole('button', { name: 'Save the new password' }).click();
    await page.getByRole('status').filter({ hasText: 'Your password is changed' }).waitFor();
    await expect(page.getByLabel('Email').inputValue()).resolves.toBe(user.user.email);
    await screenshot(page, 'password-reset-done');
    await page.getByLabel('Password', { exact: true }).fill('remembered-password-2');
    await page.locator('form').getByRole('button', { name: 'Log in' }).click();
    await page.getByTestId('user-name').filter({ hasText: 'Forgetful Buyer' }).waitFor();
    // The buyer's earlier session ended with the reset.
    expect((await platform.api('GET', '/api/auth/me', { token: user.accessToken })).status).toBe(401);

    await page.goto(`${pathname}${hash}`);
    await page.getByLabel('New password').fill('attacker-password-3');
    await page.getByLabel('Confirm password').fill('attacker-password-3');
    await page.getByRole('button', { name: 'Save the new password' }).click();
    await page.getByRole('alert').filter({ hasText: 'This link was used already or has expired' }).waitFor();
    await page.getByRole('link', { name: 'Ask for a new link' }).waitFor();
    await context.close();
  }, 60_000);
});

describe.skipIf(skip)('the catalogue in the browser', () => {
  it('lists events on sale and opening soon, and draws a seat map of 12,000 seats', async () => {
    const admin = await platform.admin();
    const at = (ms: number) => new Date(Date.now() + ms).toISOString();
    const HOUR = 3_600_000;
    const create = async (
      title: string,
      saleStartsAt: string,
      rows: Array<{ label: string; seats: number }>,
    ) => {
      const res = await platform.api('POST', '/api/admin/events', {
        token: admin.accessToken,
        body: {
          title,
          category: 'sports',
          artist: 'FC Seoul',
          venueName: 'Seoul World Cup Stadium',
          startsAt: at(72 * HOUR),
          endsAt: at(75 * HOUR),
          saleStartsAt,
          saleEndsAt: at(70 * HOUR),
          layout: { sections: [{ name: 'North', price: 33000, rows }] },
        },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(
        (await platform.api('POST', `/api/events/${res.body.event.id}/publish`, { token: admin.accessToken }))
          .status,
      ).toBe(200);
      return res.body.event.id as string;
    };
    const stadium = await create(
      'Seoul Derby',
      at(-HOUR),
      Array.from({ length: 100 }, (_, i) => ({ label: `R${i + 1}`, seats: 120 })),
    );
    await create('Season Finale', at(5 * 60_000), [{ label: 'A', seats: 10 }]);

    const { context, page } = await newPage(browser, platform.web);
    await page.goto('/');
    await page.getByTestId('on-sale').getByTestId('event-card').filter({ hasText: 'Seoul Derby' }).waitFor();
    await page
      .getByTestId('opening-soon')
      .getByTestId('event-card')
      .filter({ hasText: 'Season Finale' })
      .getByText('Sale opens in')
      .waitFor();
    await page.waitForLoadState('networkidle');
    await screenshot(page, 'home');

    await useSession(page, await platform.register({ name: 'Seoyeon' }));
    await page.goto(`/events/${stadium}/seats`);
    await page.getByTestId('seat-canvas').waitFor({ timeout: 20_000 });
    // Zooming redraws from the same model; the list view shows one row of the big map.
    await page.getByRole('button', { name: 'Zoom in' }).click();
    await page.getByRole('button', { name: 'Zoom in' }).click();
    await screenshot(page, 'seat-map-large');
    await page.getByTestId('list-view').click();
    await expect(page.locator('[data-seat-label]').count()).resolves.toBe(120);
    await context.close();
  }, 60_000);
});
