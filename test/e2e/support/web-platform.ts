import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTestPlatform, type TestPlatform } from '../../support/platform';

export const CHROMIUM = process.env.TIKETI_CHROMIUM ?? '/usr/bin/chromium';
const ROOT = resolve(import.meta.dirname, '../../..');
// Every run saves its screenshots under test-results/; the README's copies in docs/screenshots are
// refreshed only on request (TIKETI_UPDATE_SCREENSHOTS=1 npm run test:e2e), so test runs leave git clean.
const SCREENSHOTS = resolve(
  ROOT,
  process.env.TIKETI_UPDATE_SCREENSHOTS === '1' ? 'docs/screenshots' : 'test-results/screenshots',
);

/** Builds apps/web when its sources changed since the last build (as `npm start` does). */
export function ensureWebBuilt(): void {
  // Vitest sets NODE_ENV=test, which would make Vite bundle React's development build: the tests
  // would drive a bundle no one ships, and a later `npm start` would serve it as fresh.
  const env = { ...process.env, NODE_ENV: 'production' };
  const result = spawnSync(process.execPath, ['scripts/build-web-if-stale.mjs'], {
    cwd: ROOT,
    stdio: 'pipe',
    encoding: 'utf8',
    env,
  });
  if (result.status !== 0) throw new Error(`web build failed:\n${result.stdout}\n${result.stderr}`);
}

export interface WebPlatform extends TestPlatform {
  /** The web server (built app + same-origin proxy to the gateway). */
  web: string;
}

/** The whole platform in embedded mode plus the built web app, on free ports. */
export async function startWebPlatform(env: Record<string, string> = {}): Promise<WebPlatform> {
  ensureWebBuilt();
  const platform = await startTestPlatform({
    services: 'auth,ticket,payment,stats,gateway,web',
    env: { WEB_DIST_DIR: resolve(ROOT, 'apps/web/dist'), ...env },
  });
  const web = platform.platform.urls.web;
  if (!web) throw new Error('web server did not start');
  return Object.assign(platform, { web });
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-dev-shm-usage',
    ],
  });
}

/** A fresh browser profile (own storage) in the given language. */
export async function newPage(
  browser: Browser,
  baseURL: string,
  locale = 'en-US',
  viewport = { width: 1280, height: 860 },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    baseURL,
    locale,
    viewport,
    timezoneId: 'Europe/London',
  });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  return { context, page };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: resolve(SCREENSHOTS, `${name}.png`), fullPage: false });
}

/** Signs a buyer up through the UI and waits until the app shows them as logged in. */
export async function signUp(
  page: Page,
  user: { name: string; email: string; password: string },
): Promise<void> {
  await page.goto('/register');
  await page.getByLabel('Name').fill(user.name);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByLabel('Confirm password').fill(user.password);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByTestId('user-name').filter({ hasText: user.name }).waitFor();
}

export async function logIn(page: Page, email: string, password: string, path = '/login'): Promise<void> {
  await page.goto(path);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.locator('form').getByRole('button', { name: 'Log in' }).click();
  await page.getByTestId('user-name').waitFor();
}
