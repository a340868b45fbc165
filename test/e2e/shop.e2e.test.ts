import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import sharp from 'sharp';
import { eventually, testMode, uniqueSuffix } from '@tiketi/testing';
import { TEST_ADMIN, type Session } from '../support/platform';
import {
  launchBrowser,
  logIn,
  newPage,
  screenshot,
  signUp,
  startWebPlatform,
  type WebPlatform,
} from './support/web-platform';
import { mailsTo, waitForMail } from './support/mailbox';
import { payWithSandbox, seatLabel, seoulInput, useSession, waitAdmitted } from './support/shop.helpers';
import { hold, onSaleEvent, paySandbox } from '../integration/admin.flow';

// Used only inside page.waitForFunction and page.evaluate (they run in the browser); the repo's
// tsconfig has no DOM lib.
declare const document: { querySelector(selector: string): { textContent: string | null } | null };
declare class PointerEvent {
  constructor(type: string, init: Record<string, unknown>);
}
interface CanvasInPage {
  dataset: Record<string, string | undefined>;
  getBoundingClientRect(): { left: number; top: number; width: number; height: number };
  dispatchEvent(event: PointerEvent): boolean;
}

/**
 * The operator creates and publishes an event in the admin UI, a buyer finds it, waits in the
 * waiting room, picks seats, pays in the sandbox, sees the ticket and cancels it for a refund;
 * two buyers watch one seat map; the operator sees the sale on the dashboard.
 */
let tp: WebPlatform;
let browser: Browser;
let admin: Session;
let eventId = '';
const title = `Aurora Live ${uniqueSuffix().slice(0, 6)}`;
const HOUR = 3_600_000;

// The browser drives the app as `npm start` runs it, on the embedded defaults: CI's embedded pass
// runs these, and its real-servers pass leaves them out instead of repeating them.
const skip = testMode === 'real';

beforeAll(async () => {
  if (skip) return;
  tp = await startWebPlatform({ QUEUE_TICK_MS: '100' });
  browser = await launchBrowser();
  admin = await tp.admin();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await tp?.close();
}, 30_000);

describe.skipIf(skip)('buying and selling tickets in the browser', () => {
  it('admin creates an event with a seat layout and a poster, and publishes it', async () => {
    const { context, page } = await newPage(browser, tp.web);
    await logIn(page, TEST_ADMIN.email, TEST_ADMIN.password);
    await page.goto('/admin/events');
    await page.getByTestId('new-event').click();
    await page.getByLabel('Title', { exact: true }).fill(title);
    await page.getByLabel('Artist / performer').fill('Aurora');
    await page.getByLabel('Venue', { exact: true }).fill('KSPO Dome');
    await page.getByLabel('Starts (KST)').fill(seoulInput(30 * 24 * HOUR));
    await page.getByLabel('Ends (KST)').fill(seoulInput(30 * 24 * HOUR + 3 * HOUR));
    await page.getByLabel('Sale opens (KST)').fill(seoulInput(-10 * 60_000));
    await page.getByLabel('Sale closes (KST)').fill(seoulInput(29 * 24 * HOUR));
    // The default layout has VIP (rows A, B) and R (rows C, D) with 10 seats a row; A-1 is a house seat.
    await page.getByTestId('layout-section').first().getByLabel('Blocked seats').fill('A-1');
    await page.getByText('40 seats in total').waitFor();
    const poster = await sharp({ create: { width: 600, height: 800, channels: 3, background: '#7048e8' } })
      .png()
      .toBuffer();
    await page
      .getByLabel('Poster', { exact: true })
      .setInputFiles({ name: 'poster.png', mimeType: 'image/png', buffer: poster });
    await page.getByTestId('poster-preview').waitFor();
    await screenshot(page, 'admin-event-editor');

    await page.getByTestId('save-event').click();
    await page.waitForURL(/\/admin\/events\/evt_/);
    eventId = new URL(page.url()).pathname.split('/').pop()!;
    await page.getByText('Draft', { exact: true }).waitFor();
    await page.getByTestId('publish').click();
    await page.getByTestId('admin-notice').filter({ hasText: 'Published.' }).waitFor();
    await page.getByText('On sale', { exact: true }).first().waitFor();

    const event = await tp.api('GET', `/api/events/${eventId}`);
    expect(event.body.event).toMatchObject({ title, status: 'on_sale', seatsTotal: 40 });
    expect(event.body.event.posterUrl).toBeTruthy();
    const blocked = await seatLabel(tp, eventId, 'VIP', 'A', 1);
    const map = await tp.api('GET', `/api/events/${eventId}/seats`);
    expect(map.body.seats.find((s: { id: string }) => s.id === blocked.id).status).toBe('blocked');
    await context.close();
  }, 60_000);

  it('admin starts an event from a saved venue: its name, address and seat layout fill the form', async () => {
    const venueName = `Blue Square ${uniqueSuffix().slice(0, 6)}`;
    const created = await tp.api('POST', '/api/venues', {
      token: admin.accessToken,
      body: {
        name: venueName,
        address: 'Itaewon-ro 294, Seoul',
        layout: {
          sections: [
            {
              name: 'VIP',
              price: 99_000,
              rows: [
                { label: 'A', seats: 8 },
                { label: 'B', seats: 9 },
              ],
            },
          ],
        },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { context, page } = await newPage(browser, tp.web);
    await logIn(page, TEST_ADMIN.email, TEST_ADMIN.password);
    await page.goto('/admin/events/new');
    await page.getByText('40 seats in total').waitFor();
    const picker = page.getByTestId('venue-template');
    await picker.locator(`option[value="${created.body.venue.id}"]`).waitFor({ state: 'attached' });
    await picker.selectOption(created.body.venue.id);
    await page.getByText('17 seats in total').waitFor();
    await expect(page.getByLabel('Venue', { exact: true }).inputValue()).resolves.toBe(venueName);
    await expect(page.getByLabel('Venue address').inputValue()).resolves.toBe('Itaewon-ro 294, Seoul');
    await context.close();
  });

  it('buyer searches, waits in the waiting room, picks seats, pays in the sandbox, and cancels for a refund', async () => {
    expect(eventId).not.toBe('');
    // A busy sale: the waiting room is on and admits one buyer at a time; someone is already inside.
    const put = await tp.api('PUT', `/api/admin/events/${eventId}/queue`, {
      token: admin.accessToken,
      body: {
        mode: 'on',
        admissionsPerMinute: 600,
        maxInside: 1,
        sessionMinutes: 5,
        preQueueMinutes: 10,
        heartbeatTimeoutSeconds: 60,
      },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const earlier = await tp.register({ name: 'Earlier Buyer' });
    await tp.api('POST', `/api/queue/${eventId}/join`, { token: earlier.accessToken });
    await waitAdmitted(tp, earlier, eventId);

    const { context, page } = await newPage(browser, tp.web);
    const jiwoo = {
      name: 'Park Jiwoo',
      email: `jiwoo-${uniqueSuffix()}@test.tiketi`,
      password: 'buyer-password-1',
    };
    await signUp(page, jiwoo);

    await page.goto('/search');
    await page.getByLabel('Keyword').fill(title.split(' ').slice(0, 2).join(' '));
    await page.waitForURL((url) => url.searchParams.get('q') === 'Aurora Live');
    await page.getByTestId('event-card').filter({ hasText: title }).click();
    await page.getByRole('heading', { name: title }).waitFor();
    await screenshot(page, 'event');

    await page.getByTestId('book-button').click();
    await page.waitForURL(`**/events/${eventId}/queue`);
    await page.getByTestId('queue-position').filter({ hasText: '1' }).waitFor();
    await page.getByText('Fair queue').waitFor();
    await screenshot(page, 'waiting-room');
    // A refresh keeps the place.
    await page.reload();
    await page.getByTestId('queue-position').filter({ hasText: '1' }).waitFor();
    // The buyer inside leaves: this buyer is admitted and moved to the seat map.
    expect((await tp.api('POST', `/api/queue/${eventId}/leave`, { token: earlier.accessToken })).status).toBe(
      204,
    );
    await page.waitForURL(`**/events/${eventId}/seats`, { timeout: 15_000 });

    await page.getByTestId('seat-canvas').waitFor();
    await screenshot(page, 'seat-map');
    // Two fingers spread on the map zoom it (to the closest view: a seat 64 px wide), and choose no seat.
    await page.waitForFunction(
      () =>
        (document.querySelector('[data-testid="seat-canvas"]') as unknown as CanvasInPage | null)?.dataset
          .zoom === '1.00',
    );
    await page.evaluate(() => {
      const canvas = (document.querySelector(
        '[data-testid="seat-canvas"]',
      ) as unknown as CanvasInPage | null)!;
      const box = canvas.getBoundingClientRect();
      const [cx, cy] = [box.left + box.width / 2, box.top + box.height / 2];
      const fire = (type: string, pointerId: number, x: number) =>
        canvas.dispatchEvent(
          new PointerEvent(type, {
            pointerId,
            pointerType: 'touch',
            clientX: x,
            clientY: cy,
            bubbles: true,
            isPrimary: pointerId === 1,
          }),
        );
      fire('pointerdown', 1, cx - 20);
      fire('pointerdown', 2, cx + 20);
      for (let spread = 30; spread <= 80; spread += 10) {
        fire('pointermove', 1, cx - spread);
        fire('pointermove', 2, cx + spread);
      }
      fire('pointerup', 2, cx + 80);
      fire('pointerup', 1, cx - 80);
    });
    await page.waitForFunction(
      () =>
        Number(
          (document.querySelector('[data-testid="seat-canvas"]') as unknown as CanvasInPage | null)?.dataset
            .zoom,
        ) >= 2,
    );
    expect(await page.getByTestId('chosen-seats').count()).toBe(0);
    const a2 = await seatLabel(tp, eventId, 'VIP', 'A', 2);
    const a3 = await seatLabel(tp, eventId, 'VIP', 'A', 3);
    await page.getByTestId('list-view').click();
    await page.locator(`[data-seat-label="${a2.label}"] input`).check();
    await page.locator(`[data-seat-label="${a3.label}"] input`).check();
    await page.getByTestId('chosen-seats').getByText(a3.label).waitFor();
    await page.getByTestId('hold-seats').click();

    await page.waitForURL(/\/checkout\/rsv_/);
    const reservationId = new URL(page.url()).pathname.split('/').pop()!;
    await page.getByTestId('hold-timer').waitFor();
    await expect(page.getByTestId('checkout-total').textContent()).resolves.toBe('₩300,000');
    await screenshot(page, 'checkout');
    await page.getByLabel('Sandbox', { exact: false }).check();
    await page.getByTestId('pay').click();
    // Cancelled at the provider: the fail page says so and offers the same checkout again.
    await page.getByRole('button', { name: 'Fail' }).click();
    await page.getByTestId('payment-failed').filter({ hasText: 'You cancelled the payment.' }).waitFor();
    await page.getByTestId('retry-payment').click();
    await page.waitForURL(`**/checkout/${reservationId}`);
    await page.getByLabel('Sandbox', { exact: false }).check();
    await page.getByTestId('pay').click();
    // The sandbox provider's own page, then back to the app's success page.
    await page.getByRole('button', { name: 'Pay' }).click();
    await page.getByTestId('payment-confirmed').waitFor({ timeout: 15_000 });
    await page.getByTestId('payment-confirmed').getByText(`on its way to ${jiwoo.email}`).waitFor();
    expect(new URL(page.url()).pathname).toBe('/payments/success');
    await page.getByRole('link', { name: 'View my ticket' }).click();
    await page.getByTestId('reservation-status').filter({ hasText: 'Confirmed' }).waitFor();
    await page.getByTestId('payment-facts').filter({ hasText: 'Sandbox (test payments) · Paid' }).waitFor();
    await screenshot(page, 'ticket');

    await page.getByTestId('cancel-reservation').click();
    await page.getByTestId('refund-amount').waitFor();
    const quoted = await page.getByTestId('refund-amount').textContent();
    expect(quoted).toBe('₩300,000');
    await screenshot(page, 'cancel-refund-quote');
    await page.getByTestId('confirm-cancel').click();
    await page.getByTestId('reservation-status').filter({ hasText: 'Refunded' }).waitFor({ timeout: 15_000 });
    await page.getByTestId('refunded-amount').filter({ hasText: '₩300,000' }).waitFor();

    const seats = await tp.api('GET', `/api/events/${eventId}/seats`);
    const statusOf = (id: string) => seats.body.seats.find((s: { id: string }) => s.id === id).status;
    expect([statusOf(a2.id), statusOf(a3.id)]).toEqual(['available', 'available']);
    const reservation = await tp.api('GET', `/api/reservations/${reservationId}`, {
      token: admin.accessToken,
    });
    expect(reservation.body.reservation).toMatchObject({ status: 'refunded', refundedAmount: 300_000 });
    // The buyer was mailed both: the booking with its seats, then the refund.
    const booked = await waitForMail(tp.dataDir, jiwoo.email, { subject: /Booking confirmed/ });
    expect(booked.subject).toBe(`[TIKETI] 예매 완료 · Booking confirmed: ${title}`);
    expect(booked.text).toContain(`Seats: ${a2.label}, ${a3.label}`);
    expect(booked.text).toContain(`/my/reservations/${reservationId}`);
    const refund = await waitForMail(tp.dataDir, jiwoo.email, { subject: /Refunded/ });
    expect(refund.text).toContain('Refunded: KRW 300,000');
    await context.close();
  }, 90_000);

  it('a hold in one browser appears on the seat map in another within a second', async () => {
    expect(eventId).not.toBe('');
    const off = await tp.api('PUT', `/api/admin/events/${eventId}/queue`, {
      token: admin.accessToken,
      body: { mode: 'off' },
    });
    expect(off.status).toBe(200);
    const [alice, bob] = [await tp.register({ name: 'Alice' }), await tp.register({ name: 'Bob' })];
    const a = await newPage(browser, tp.web);
    const b = await newPage(browser, tp.web);
    try {
      await useSession(a.page, alice);
      await useSession(b.page, bob);
      const seat = await seatLabel(tp, eventId, 'VIP', 'A', 5);
      for (const { page } of [a, b]) {
        await page.goto(`/events/${eventId}/seats`);
        await page.getByTestId('list-view').click();
        await page.locator(`[data-seat-label="${seat.label}"][data-status="available"]`).waitFor();
      }
      await a.page.locator(`[data-seat-label="${seat.label}"] input`).check();
      const held = a.page.waitForResponse((r) => r.url().endsWith('/api/tickets/book') && r.status() === 201);
      await a.page.getByTestId('hold-seats').click();
      await held;
      await b.page
        .locator(`[data-seat-label="${seat.label}"][data-status="held"]`)
        .waitFor({ timeout: 1_000 });
      await b.page.getByTestId('list-view').waitFor();
      await screenshot(b.page, 'seat-list-live');
      await a.page.waitForURL(/\/checkout\/rsv_/);
      const reservationId = new URL(a.page.url()).pathname.split('/').pop()!;
      // Back on the map, the buyer's own hold is theirs, with its countdown.
      await a.page.goto(`/events/${eventId}/seats`);
      await a.page.getByTestId('my-hold').filter({ hasText: seat.label }).waitFor();

      // That hold is paid (over HTTP) so the dashboard has a sale to show.
      await payWithSandbox(tp, alice, reservationId);
    } finally {
      await a.context.close();
      await b.context.close();
    }
  }, 60_000);

  let bestHold = '';

  it('buyer books the best available seats, and is told when a chosen seat is just taken', async () => {
    expect(eventId).not.toBe('');
    const [carol, dave] = [await tp.register({ name: 'Carol' }), await tp.register({ name: 'Dave' })];
    const { context, page } = await newPage(browser, tp.web);
    try {
      await useSession(page, carol);
      await page.goto(`/events/${eventId}/seats`);
      await page.getByTestId('list-view').click();
      // Carol picks A-7; Dave takes it first: the seat leaves her selection with a message.
      const a7 = await seatLabel(tp, eventId, 'VIP', 'A', 7);
      await page.locator(`[data-seat-label="${a7.label}"] input`).check();
      await page.getByTestId('chosen-seats').getByText(a7.label).waitFor();
      const taken = await tp.api('POST', '/api/tickets/book', {
        token: dave.accessToken,
        body: { eventId, seatIds: [a7.id] },
      });
      expect(taken.status, JSON.stringify(taken.body)).toBe(201);
      await page
        .getByTestId('seat-message')
        .filter({ hasText: `Just taken by another buyer: ${a7.label}` })
        .waitFor();
      await expect(page.getByTestId('chosen-seats').count()).resolves.toBe(0);

      // Best available: two seats in section R, straight to checkout.
      const best = page.locator('.best-available');
      await best.getByLabel('Quantity').selectOption('2');
      await best.getByLabel('Section').selectOption('R');
      await page.getByRole('button', { name: 'Find seats' }).click();
      await page.waitForURL(/\/checkout\/rsv_/);
      bestHold = new URL(page.url()).pathname.split('/').pop()!;
      const held = await tp.api('GET', `/api/reservations/${bestHold}`, { token: carol.accessToken });
      expect(held.body.reservation.status).toBe('pending');
      expect(held.body.reservation.seats.map((seat: { section: string }) => seat.section)).toEqual([
        'R',
        'R',
      ]);
      await payWithSandbox(tp, carol, bestHold);
    } finally {
      await context.close();
    }
  }, 45_000);

  it('admin sees the sale on the dashboard, live, and cancels a reservation with a refund from its detail', async () => {
    const { context, page } = await newPage(browser, tp.web);
    await logIn(page, TEST_ADMIN.email, TEST_ADMIN.password, '/login?next=%2Fadmin');
    await page.waitForURL((url) => url.pathname === '/admin');
    await page.getByTestId('top-events').getByText(title).waitFor({ timeout: 15_000 });
    await page.getByTestId('live-feed-open').waitFor();
    await screenshot(page, 'admin-dashboard');

    // Statistics list events best seller first; the operator can sort by any column.
    const quiet = `AAA Quiet Night ${uniqueSuffix().slice(0, 6)}`;
    await onSaleEvent(tp, admin, quiet);
    // New users are counted over the page's own date range, as the sales are.
    const usersAsked = page.waitForRequest((r) =>
      /\/api\/stats\/users\?from=\d{4}-\d{2}-\d{2}&to=/.test(r.url()),
    );
    await page.goto('/admin/stats');
    await usersAsked;
    const figures = page.getByTestId('stats-events');
    await figures.getByText(quiet).waitFor({ timeout: 15_000 });
    expect(await figures.locator('tbody tr').first().textContent()).toContain(title);
    await figures.getByRole('button', { name: 'Event' }).click();
    await figures.locator('th[aria-sort="ascending"]').waitFor();
    expect(await figures.locator('tbody tr').first().textContent()).toContain(quiet);
    await page.goto('/admin');
    await page.getByTestId('top-events').getByText(title).waitFor();
    await page.getByTestId('live-feed-open').waitFor();

    // A sale made while the dashboard is open arrives over the live feed, without a reload.
    const before = await page.getByTestId('revenue-total').textContent();
    const erin = await tp.register({ name: 'Erin' });
    const a9 = await seatLabel(tp, eventId, 'VIP', 'A', 9);
    const erinHold = await tp.api('POST', '/api/tickets/book', {
      token: erin.accessToken,
      body: { eventId, seatIds: [a9.id] },
    });
    await payWithSandbox(tp, erin, erinHold.body.reservation.id);
    await page.waitForFunction(
      (previous) => document.querySelector('[data-testid="revenue-total"]')?.textContent !== previous,
      before,
      { timeout: 8_000 },
    );

    const [alices] = (
      await tp.api('GET', `/api/admin/reservations?eventId=${eventId}&q=Alice`, { token: admin.accessToken })
    ).body.items;
    await page.goto('/admin/reservations');
    // The event is chosen by its title (its id is what the filter sends).
    const eventChoice = page.getByTestId('reservations-event');
    await eventChoice.locator(`option[value="${eventId}"]`).waitFor({ state: 'attached' });
    await eventChoice.selectOption(eventId);
    await page.waitForURL(new RegExp(`eventId=${eventId}`));
    await page.getByPlaceholder('ID, email or name').fill('Alice');
    await page.getByTestId('admin-reservations').getByText('Confirmed').first().waitFor();
    await screenshot(page, 'admin-reservations');
    await page.getByTestId(`details-${alices.id}`).click();
    const drawer = page.getByTestId('reservation-drawer');
    await drawer.getByTestId('drawer-status').filter({ hasText: 'Confirmed' }).waitFor();
    await drawer.getByText('Sandbox (test payments)').waitFor();
    // What was mailed to Alice, and her confirmation sent again when she says it never came.
    const mails = drawer.getByTestId('booking-mail');
    await mails.filter({ hasText: 'Booking confirmation · sent' }).waitFor();
    await drawer.getByRole('button', { name: 'Send the confirmation again' }).click();
    await expect
      .poll(() => mails.filter({ hasText: 'Booking confirmation · sent' }).count(), { timeout: 10_000 })
      .toBe(2);
    await screenshot(page, 'admin-reservation-mails');
    await drawer.getByTestId(`cancel-${alices.id}`).click();
    await drawer.getByLabel('Reason').fill('duplicate order');
    await drawer.getByRole('button', { name: 'Yes, cancel' }).click();
    await drawer.getByTestId('drawer-status').filter({ hasText: 'Refunded' }).waitFor({ timeout: 15_000 });
    await drawer.getByTestId('drawer-refunded').filter({ hasText: '₩150,000' }).waitFor();

    // Cancelling the event states what it refunds: Carol's and Erin's paid reservations.
    const paid = await tp.api('GET', `/api/admin/reservations?eventId=${eventId}&status=confirmed`, {
      token: admin.accessToken,
    });
    const owed = paid.body.items.reduce((sum: number, r: { amount: number }) => sum + r.amount, 0);
    expect(paid.body.total).toBe(2);
    await page.goto(`/admin/events/${eventId}`);
    await page.getByTestId('cancel-event').click();
    const dialog = page.getByTestId('cancel-event-dialog');
    await dialog
      .getByTestId('cancel-event-impact')
      .filter({
        hasText: `2 paid reservations will be refunded in full: ₩${owed.toLocaleString('en-US')} in total`,
      })
      .waitFor();
    await dialog.getByTestId('cancel-event-reason').fill('venue closed');
    await dialog.getByTestId('cancel-event-confirm').click();
    await page.getByTestId('admin-notice').filter({ hasText: 'Event cancelled' }).waitFor();
    await context.close();

    // Erin's booking says it is refunded in full without her, and offers no cancellation (and its fee).
    const buyerView = await newPage(browser, tp.web);
    try {
      await useSession(buyerView.page, erin);
      await buyerView.page.goto('/my/reservations');
      await buyerView.page
        .getByTestId('event-cancelled-badge')
        .filter({ hasText: 'Event cancelled' })
        .waitFor();
      await buyerView.page.goto(`/my/reservations/${erinHold.body.reservation.id}`);
      await buyerView.page
        .getByTestId('event-cancelled-notice')
        .filter({ hasText: 'refunded in full' })
        .waitFor();
      expect(await buyerView.page.getByTestId('cancel-reservation').count()).toBe(0);
      // Its seat map, from an old tab or a bookmark, says so and offers nothing to hold.
      await buyerView.page.goto(`/events/${eventId}/seats`);
      await buyerView.page.getByTestId('seat-sale-notice').filter({ hasText: 'cancelled' }).waitFor();
      expect(await buyerView.page.getByTestId('hold-seats').count()).toBe(0);
    } finally {
      await buyerView.context.close();
    }
  }, 60_000);

  it('a paid buyer shows the entry pass on a phone, and the gate admits it once', async () => {
    const show = await onSaleEvent(tp, admin, `Gate Night ${uniqueSuffix().slice(0, 6)}`);
    const buyer = await tp.register({ name: 'Pass Holder' });
    const booked = await hold(tp, buyer, show, 2);
    await paySandbox(tp, buyer, booked.id);

    const phone = await newPage(browser, tp.web, 'en-US', { width: 390, height: 844 });
    await useSession(phone.page, buyer);
    await phone.page.goto(`/my/reservations/${booked.id}`);
    const pass = phone.page.getByTestId('entry-pass');
    await pass.locator('.entry-qr svg').waitFor();
    const code = (await phone.page.getByTestId('entry-code').textContent())!;
    expect(code).toMatch(/^TKT-/);
    await pass.getByText('Show this code at the entrance').waitFor();
    await phone.page.screenshot({ path: 'test-results/screenshots/entry-pass.png', fullPage: true });

    // The second seat's own pass, sent to a companion as a link they open without an account.
    const second = pass.getByTestId('seat-pass').nth(1);
    const seatLabelText = await second.getAttribute('data-seat');
    await second.getByRole('button', { name: 'Show' }).click();
    const wrongLink = (await second.getByTestId('seat-pass-link').textContent())!;
    expect(wrongLink).toMatch(new RegExp(`^${tp.web}/passes/TKT-`));
    // Sent to the wrong chat first: a new link, and the old one shows nothing.
    await second.getByTestId('reissue-seat').click();
    await second.getByText('New link made').waitFor();
    const link = (await second.getByTestId('seat-pass-link').textContent())!;
    expect(link).not.toBe(wrongLink);
    await phone.page.screenshot({ path: 'test-results/screenshots/entry-pass-seats.png', fullPage: true });
    const companion = await newPage(browser, tp.web, 'en-US', { width: 390, height: 844 });
    await companion.page.goto(wrongLink);
    await companion.page.getByTestId('seat-pass-unavailable').waitFor();
    await companion.page.goto(link);
    await companion.page.getByTestId('seat-pass-seat').filter({ hasText: seatLabelText! }).waitFor();
    await companion.page.getByText('It admits this seat once.').waitFor();
    const seatCode = (await companion.page.getByTestId('entry-code').textContent())!;
    expect(await companion.page.getByText('Pass Holder').count()).toBe(0);
    await screenshot(companion.page, 'seat-pass-companion');

    const gate = await newPage(browser, tp.web);
    await useSession(gate.page, admin);
    await gate.page.goto('/admin/entry');
    await gate.page.getByTestId('gate-event').selectOption(show);
    const codeInput = gate.page.getByLabel('Ticket code (scan or type)');
    const answer = gate.page.getByTestId('gate-answer');
    // The companion comes first, on their seat's pass.
    await codeInput.fill(seatCode);
    await codeInput.press('Enter');
    await answer.filter({ hasText: 'Admit' }).filter({ hasText: seatLabelText! }).waitFor();
    await gate.page
      .getByTestId('gate-count')
      .filter({ hasText: 'Admitted 1 of 1 tickets (1 of 2 seats).' })
      .waitFor();
    // A scanner types the booking's code and presses Enter: it admits the seat not yet in.
    await codeInput.fill(code.toLowerCase());
    await codeInput.press('Enter');
    await answer.filter({ hasText: 'Admit' }).filter({ hasText: 'Pass Holder' }).waitFor();
    await gate.page
      .getByTestId('gate-count')
      .filter({ hasText: 'Admitted 1 of 1 tickets (2 of 2 seats).' })
      .waitFor();
    await screenshot(gate.page, 'gate-admit');
    await codeInput.fill(code);
    await codeInput.press('Enter');
    await answer.filter({ hasText: 'Do not admit' }).filter({ hasText: 'already used' }).waitFor();

    await phone.page.reload();
    await phone.page.getByTestId('entry-pass').getByText('Used at the entrance').waitFor();
    // A used ticket offers no cancellation (the services refuse it too).
    expect(await phone.page.getByTestId('cancel-reservation').count()).toBe(0);
    await companion.page.reload();
    await companion.page.getByText('Used at the entrance').waitFor();
    for (const { context } of [phone, gate, companion]) await context.close();
  }, 60_000);
  it('a buyer asks to be mailed before a sale opens, gets the mail, and sees it on My tickets', async () => {
    const at = (ms: number) => new Date(Date.now() + ms).toISOString();
    const soon = `Opening Soon ${uniqueSuffix().slice(0, 6)}`;
    const created = await tp.api('POST', '/api/admin/events', {
      token: admin.accessToken,
      body: {
        title: soon,
        category: 'concert',
        venueName: 'Olympic Hall',
        startsAt: at(48 * HOUR),
        endsAt: at(51 * HOUR),
        // Inside the 30 minutes before the opening: the alert is mailed as soon as it is asked.
        saleStartsAt: at(20 * 60_000),
        saleEndsAt: at(47 * HOUR),
        layout: { sections: [{ name: 'R', price: 99_000, rows: [{ label: 'A', seats: 4 }] }] },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const soonId = created.body.event.id as string;
    const published = await tp.api('POST', `/api/events/${soonId}/publish`, { token: admin.accessToken });
    expect(published.body.event?.status).toBe('scheduled');

    const fan = await tp.register({ name: 'Early Fan' });
    const { context, page } = await newPage(browser, tp.web);
    // Signed out, the tap leads through signing in and is carried out when the fan comes back.
    await page.goto(`/events/${soonId}`);
    const alert = page.getByTestId('sale-alert');
    await alert.getByRole('button', { name: 'Mail me when tickets open' }).click();
    await page.waitForURL((url) => url.pathname === '/login');
    await page.getByLabel('Email').fill(fan.user.email);
    await page.getByLabel('Password', { exact: true }).fill(fan.password);
    await page.locator('form').getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((url) => url.pathname === `/events/${soonId}`);
    await alert.getByText("We'll mail you about 30 minutes before the sale opens.").waitFor();
    // The address no longer asks: a reload does not ask again after a withdrawal.
    expect(new URL(page.url()).search).toBe('');
    await screenshot(page, 'sale-alert');

    const mail = await waitForMail(tp.dataDir, fan.user.email, { subject: /티켓 오픈 알림/ });
    expect(mail.subject).toBe(`[TIKETI] 티켓 오픈 알림 · On sale soon: ${soon}`);
    expect(mail.text).toContain(`/events/${soonId}`);
    await page.reload();
    await alert.getByText(/We mailed you about the sale/).waitFor();

    await page.goto('/my/reservations');
    const row = page.getByTestId('sale-alert-row').filter({ hasText: soon });
    await row.getByText('Mailed').waitFor();
    await screenshot(page, 'sale-alerts-list');
    await row.getByRole('button', { name: `Cancel the sale alert for ${soon}` }).click();
    await row.waitFor({ state: 'detached' });
    expect((await tp.api('GET', '/api/alerts', { token: fan.accessToken })).body.items).toEqual([]);
    await context.close();
  }, 60_000);
  it('a fan of a sold-out event asks to hear of returned seats, is mailed when a hold is let go, and books', async () => {
    const full = `Full House ${uniqueSuffix().slice(0, 6)}`;
    const eventId = await onSaleEvent(tp, admin, full, 2, 88_000);
    const holder = await tp.register({ name: 'Holds Everything' });
    const held = await hold(tp, holder, eventId, 2);
    const fan = await tp.register({ name: 'Waiting Fan' });
    const { context, page } = await newPage(browser, tp.web);
    await useSession(page, fan);
    await page.goto(`/events/${eventId}`);
    const alert = page.getByTestId('return-alert');
    await alert.getByRole('button', { name: 'Mail me if seats come back' }).click();
    await alert.getByText("We'll mail you once if seats come back").waitFor();
    await screenshot(page, 'return-alert');

    const letGo = await tp.api('POST', `/api/reservations/${held.id}/cancel`, {
      token: holder.accessToken,
      body: {},
    });
    expect(letGo.status, JSON.stringify(letGo.body)).toBe(200);
    const mail = await waitForMail(tp.dataDir, fan.user.email, { subject: /취소표 알림/ });
    expect(mail.subject).toBe(`[TIKETI] 취소표 알림 · Seats are back: ${full}`);
    expect(mail.text).toContain('남은 좌석: 2석');
    expect(mail.text).toContain(`/events/${eventId}`);

    await page.goto('/my/reservations');
    await page
      .getByTestId('return-alert-row')
      .filter({ hasText: full })
      .getByText('Mailed: seats came back')
      .waitFor();
    // The event's page is cached at the edge for a second: a fan quicker than that reloads.
    await eventually(async () => {
      await page.goto(`/events/${eventId}`);
      await page.getByTestId('book-button').waitFor({ timeout: 1_500 });
    }, 10_000);
    await context.close();
  }, 60_000);
  it('the operator corrects a sold event quietly, then moves it: warned first; the buyer is mailed once and cancels without a fee', async () => {
    const moving = `Moving Night ${uniqueSuffix().slice(0, 6)}`;
    const show = await onSaleEvent(tp, admin, moving, 4, 120_000);
    const buyer = await tp.register({ name: 'Moved Buyer' });
    const booked = await hold(tp, buyer, show, 1);
    await paySandbox(tp, buyer, booked.id);

    const ops = await newPage(browser, tp.web);
    await useSession(ops.page, admin);
    await ops.page.goto(`/admin/events/${show}`);
    // A misspelt venue put right is no move: ticked as a correction, nobody is mailed.
    const venue = ops.page.getByLabel('Venue', { exact: true });
    await venue.fill(`${await venue.inputValue()} Hall`);
    await ops.page.getByTestId('move-warning').waitFor();
    await ops.page.getByTestId('move-correction').check();
    await ops.page.getByTestId('move-warning').filter({ hasText: 'Saved as a correction' }).waitFor();
    await screenshot(ops.page, 'admin-event-correction');
    await ops.page.getByTestId('save-event').click();
    await ops.page.getByTestId('admin-notice').filter({ hasText: 'Saved' }).waitFor();
    await ops.page.getByTestId('move-warning').waitFor({ state: 'detached' });

    await ops.page.getByLabel('Starts (KST)').fill(seoulInput(72 * HOUR));
    await ops.page.getByLabel('Ends (KST)').fill(seoulInput(75 * HOUR));
    await ops.page
      .getByTestId('move-warning')
      .filter({ hasText: 'A new time or place is mailed to the 1 paid bookings' })
      .waitFor();
    await ops.page.getByTestId('save-event').click();
    await ops.page.getByTestId('admin-notice').filter({ hasText: 'Saved' }).waitFor();
    await ops.page.getByTestId('move-warning').waitFor({ state: 'detached' });

    const mail = await waitForMail(tp.dataDir, buyer.user.email, { subject: /Event changed/ });
    expect(mail.subject).toBe(`[TIKETI] 공연 변경 안내 · Event changed: ${moving}`);
    expect(mail.text).toContain('수수료 없이 취소할 수 있습니다');
    // The move's mail is the buyer's only change mail: the correction before it sent none.
    expect(await mailsTo(tp.dataDir, buyer.user.email, /Event changed/)).toHaveLength(1);

    // A word to the buyers ("공지") from the same page reaches them too.
    const notices = ops.page.getByTestId('announcements');
    await notices.getByLabel('Subject').fill('Doors open late');
    await notices.getByLabel('Message').fill('Gates open at 19:30 tonight.');
    await notices.getByTestId('send-notice').click();
    await notices.getByText('Sent to 1 paid bookings.').waitFor();
    const notice = await waitForMail(tp.dataDir, buyer.user.email, { subject: /공지/ });
    expect(notice.subject).toBe(`[TIKETI] 공지 · Notice: ${moving}: Doors open late`);
    expect(notice.text).toContain('Gates open at 19:30 tonight.');
    await notices.getByTestId('notice-row').filter({ hasText: 'Mailed 1 of 1' }).waitFor({ timeout: 15_000 });
    await screenshot(ops.page, 'admin-notice');

    const own = await newPage(browser, tp.web);
    await useSession(own.page, buyer);
    await own.page.goto(`/my/reservations/${booked.id}`);
    await own.page.getByTestId('cancel-reservation').click();
    await own.page
      .getByTestId('fee-waived')
      .filter({ hasText: 'No cancellation fee: the organiser changed the time or place after you paid.' })
      .waitFor();
    await own.page.getByTestId('refund-amount').filter({ hasText: '₩120,000' }).waitFor();
    await own.page.getByTestId('fee-waived').scrollIntoViewIfNeeded();
    await screenshot(own.page, 'cancel-after-move');
    await own.page.getByTestId('confirm-cancel').click();
    await own.page
      .getByTestId('refunded-amount')
      .filter({ hasText: '₩120,000' })
      .waitFor({ timeout: 15_000 });
    for (const { context } of [ops, own]) await context.close();
  }, 60_000);

  it('a buyer cancels with a fee and sees it kept; the operator gives the fee back from the booking', async () => {
    const show = await onSaleEvent(tp, admin, `Fee Night ${uniqueSuffix().slice(0, 6)}`, 2, 100_000);
    const buyer = await tp.register({ name: 'Fee Buyer' });
    const booked = await hold(tp, buyer, show, 1);
    const paid = await paySandbox(tp, buyer, booked.id);
    // Two days before the show: the standard schedule keeps 30%.
    const fee = Math.round(paid.amount * 0.3);
    const won = (n: number) => `₩${n.toLocaleString('en-US')}`;

    const own = await newPage(browser, tp.web);
    await useSession(own.page, buyer);
    await own.page.goto(`/my/reservations/${booked.id}`);
    await own.page.getByTestId('cancel-reservation').click();
    await own.page
      .getByTestId('refund-amount')
      .filter({ hasText: won(paid.amount - fee) })
      .waitFor();
    await own.page.getByTestId('confirm-cancel').click();
    await own.page
      .getByTestId('fee-kept')
      .filter({ hasText: won(fee) })
      .waitFor({ timeout: 15_000 });

    const ops = await newPage(browser, tp.web);
    await useSession(ops.page, admin);
    await ops.page.goto(`/admin/reservations/${booked.id}`);
    const drawer = ops.page.getByTestId('reservation-drawer');
    await drawer
      .getByTestId('drawer-fee-kept')
      .filter({ hasText: won(fee) })
      .waitFor();
    const giveBack = drawer.getByTestId('return-fee');
    await giveBack.getByLabel('Reason').fill('complaint upheld');
    await screenshot(ops.page, 'admin-return-fee');
    await giveBack.getByRole('button', { name: 'Refund the fee' }).click();
    await drawer
      .getByTestId('drawer-refunded')
      .filter({ hasText: won(paid.amount) })
      .waitFor({ timeout: 15_000 });
    await drawer.getByTestId('return-fee').waitFor({ state: 'detached' });
    // The booking's history shows the operator's refund of its payment (audit facts reach stats a moment later).
    await expect
      .poll(
        async () => {
          await ops.page.reload();
          await drawer.getByTestId('drawer-status').waitFor();
          return drawer
            .locator('.history')
            .filter({ hasText: 'payment.refund' })
            .filter({ hasText: 'complaint upheld' })
            .count();
        },
        { timeout: 15_000 },
      )
      .toBe(1);

    const mail = await waitForMail(tp.dataDir, buyer.user.email, { subject: /Cancellation fee refunded/ });
    expect(mail.text).toContain(`Refunded: KRW ${fee.toLocaleString('en-US')}`);
    await own.page.reload();
    await own.page
      .getByTestId('refunded-amount')
      .filter({ hasText: won(paid.amount) })
      .waitFor();
    expect(await own.page.getByTestId('fee-kept').count()).toBe(0);
    // The payment's statement: charged, the cancellation less its fee, the fee back, nothing kept.
    await own.page.getByTestId('statement-link').click();
    await own.page
      .getByTestId('statement-charged')
      .filter({ hasText: won(paid.amount) })
      .waitFor();
    const refunds = own.page.getByTestId('statement-refund');
    await expect.poll(() => refunds.count()).toBe(2);
    expect(await refunds.nth(0).textContent()).toBe(
      `−${won(paid.amount - fee)} · cancellation fee ${won(fee)}`,
    );
    expect(await refunds.nth(1).textContent()).toBe(`−${won(fee)}`);
    await own.page.getByText('Cancellation fee returned on').waitFor();
    await own.page.getByTestId('statement-net').filter({ hasText: '₩0' }).waitFor();
    await screenshot(own.page, 'payment-statement');
    for (const { context } of [ops, own]) await context.close();
  }, 60_000);
});
