import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { testMode } from '@tiketi/testing';
import { hold, onSaleEvent, paySandbox } from '../integration/admin.flow';
import { launchBrowser, newPage, startWebPlatform, type WebPlatform } from './support/web-platform';
import { useSession } from './support/shop.helpers';

// Used only inside page.evaluate (runs in the browser); the repo's tsconfig has no DOM lib.
declare const window: { axe: { run(context: unknown, options: unknown): Promise<AxeResults> } };
declare const document: unknown;

interface AxeResults {
  violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: string[] }> }>;
}

/**
 * axe-core (the rules engine browsers' own audits use) over the pages buyers and operators use
 * most, in Korean and in English: no violation of any impact (text contrast below WCAG AA,
 * unlabelled controls, ARIA a role does not allow, and the moderate and minor ones, once only the
 * serious and critical were asserted). It found contrast short on the muted text, the primary
 * buttons and three badges, an unnamed table column, and skipped heading levels.
 */
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let platform: WebPlatform;
let browser: Browser;
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

async function violations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE });
  const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return results.violations.map(
    (v) =>
      `${v.id} (${v.nodes.length}): ${v.help} — ${v.nodes
        .slice(0, 3)
        .map((n) => n.target.join(' '))
        .join(' | ')}`,
  );
}

describe.skipIf(skip)('accessibility of the main pages', () => {
  it('has no axe-core violation of any impact for buyers and operators, in both languages', async () => {
    const admin = await platform.admin();
    const buyer = await platform.register();
    const eventId = await onSaleEvent(platform, admin, 'Accessible Evening', 12, 80_000);
    const pending = await hold(platform, buyer, eventId, 2);
    // A paid booking of two: its pass with each seat's, and one seat's page as a companion opens it.
    const paid = await hold(platform, buyer, eventId, 2);
    const payment = await paySandbox(platform, buyer, paid.id);
    const passes = await platform.api('GET', `/api/reservations/${paid.id}/pass`, {
      token: buyer.accessToken,
    });
    const seatCode = passes.body.pass.seatPasses[0].code as string;
    // A sold-out event's page, with the seat-return alert a fan asks for there.
    const full = await onSaleEvent(platform, admin, 'Accessible Full House', 1, 80_000);
    await hold(platform, await platform.register(), full, 1);

    const found: string[] = [];
    for (const locale of ['ko-KR', 'en-US']) {
      const visitor = await newPage(browser, platform.web, locale);
      const buyerPage = await newPage(browser, platform.web, locale);
      const operator = await newPage(browser, platform.web, locale);
      await useSession(buyerPage.page, buyer);
      await useSession(operator.page, admin);
      const visits: Array<[Page, string, string]> = [
        [visitor.page, '/', 'event-card'],
        [visitor.page, '/search?q=Accessible', 'result-count'],
        [visitor.page, `/events/${eventId}`, 'book-button'],
        [buyerPage.page, `/events/${full}`, 'return-alert'],
        [visitor.page, '/login', ''],
        [visitor.page, '/forgot-password', ''],
        [visitor.page, '/reset-password#token=not-checked-until-sent', ''],
        [buyerPage.page, `/events/${eventId}/seats`, 'seat-canvas'],
        [buyerPage.page, `/checkout/${pending.id}`, 'pay'],
        [buyerPage.page, '/my/reservations', 'reservation-row'],
        [buyerPage.page, `/my/reservations/${paid.id}`, 'seat-pass'],
        [visitor.page, `/passes/${seatCode}`, 'seat-pass-seat'],
        [buyerPage.page, `/my/payments/${payment.id}/statement`, 'statement-net'],
        [buyerPage.page, '/my/account', ''],
        [operator.page, '/admin', 'live-feed-open'],
        [operator.page, '/admin/reservations', 'reservation-status'],
        [operator.page, '/admin/users', 'admin-users'],
        [operator.page, '/admin/entry', 'gate-event'],
        [operator.page, '/admin/events/new', 'layout-section'],
        [operator.page, `/admin/events/${eventId}`, 'save-event'],
        // An address nothing answers says so, in the shop and in the admin (which showed an empty page).
        [visitor.page, '/no-such-page', 'not-found'],
        [operator.page, '/admin/no-such-page', 'not-found'],
      ];
      for (const [page, path, ready] of visits) {
        await page.goto(path);
        if (ready) await page.getByTestId(ready).first().waitFor();
        else await page.locator('form').first().waitFor();
        for (const v of await violations(page)) found.push(`${locale} ${path}: ${v}`);
      }
      for (const { context } of [visitor, buyerPage, operator]) await context.close();
    }
    expect(found).toEqual([]);
  }, 120_000);
});
