import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@tiketi/testing';
import { startTestPlatform, type Session, type TestPlatform } from '../support/platform';
import { hold, onSaleEvent, paySandbox } from './admin.flow';

/** The whole purchase and refund through the gateway, on the embedded platform, as the web app drives it. */
let tp: TestPlatform;
let admin: Session;

beforeAll(async () => {
  tp = await startTestPlatform();
  admin = await tp.admin();
});
afterAll(async () => {
  await tp?.close();
});

describe('payment flow through the gateway', () => {
  it('book -> sandbox checkout -> approve -> confirm -> my tickets -> cancel -> refund per policy -> seats available', async () => {
    const methods = await tp.api('GET', '/api/payments/methods');
    expect(methods.body.methods).toContainEqual({
      method: 'sandbox',
      name: expect.any(String),
      enabled: true,
    });

    const eventId = await onSaleEvent(tp, admin, 'Payment Flow Live', 4, 80_000);
    const buyer = await tp.register();
    const held = await tp.api('POST', '/api/tickets/book', {
      token: buyer.accessToken,
      body: { eventId, quantity: 2 },
    });
    expect(held.status, JSON.stringify(held.body)).toBe(201);
    const reservation = held.body.reservation;
    const seatIds = reservation.seats.map((s: { id: string }) => s.id);

    const created = await tp.api('POST', '/api/payments/create', {
      token: buyer.accessToken,
      body: { reservationId: reservation.id, method: 'sandbox' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.payment).toMatchObject({ amount: 160_000, status: 'ready', method: 'sandbox' });
    expect(created.body.checkout.type).toBe('redirect');

    const checkoutPath = new URL(created.body.checkout.url).pathname;
    const page = await fetch(`${tp.url}${checkoutPath}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('160,000 KRW');
    // A Korean buyer's browser gets the page in Korean, as a provider's own window would be.
    const korean = await (
      await fetch(`${tp.url}${checkoutPath}`, {
        headers: { 'accept-language': 'ko-KR,ko;q=0.9,en-US;q=0.8' },
      })
    ).text();
    expect(korean).toContain('160,000원');
    expect(korean).toContain('>결제하기</button>');

    // The Pay button: a form POST answered like Toss, 303 to the success page with paymentKey, orderId, amount.
    const approved = await fetch(`${tp.url}${checkoutPath}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'action=approve',
      redirect: 'manual',
    });
    expect(approved.status).toBe(303);
    const back = new URL(approved.headers.get('location')!);
    expect(back.pathname).toBe('/payments/success');
    expect(back.searchParams.get('amount')).toBe('160000');

    const confirmBody = {
      orderId: back.searchParams.get('orderId'),
      paymentKey: back.searchParams.get('paymentKey'),
      amount: 160_000,
    };
    const confirmed = await tp.api('POST', '/api/payments/confirm', {
      token: buyer.accessToken,
      body: confirmBody,
    });
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(confirmed.body).toMatchObject({
      payment: { status: 'paid', amount: 160_000 },
      reservation: { id: reservation.id, status: 'confirmed' },
    });
    const twice = await tp.api('POST', '/api/payments/confirm', {
      token: buyer.accessToken,
      body: confirmBody,
    });
    expect(twice.body.payment.id).toBe(confirmed.body.payment.id);

    const mine = await tp.api('GET', '/api/tickets/my', { token: buyer.accessToken });
    expect(mine.body.items.find((r: { id: string }) => r.id === reservation.id)).toMatchObject({
      status: 'confirmed',
    });

    // Two days before the show and booked today: the show is near, so the default schedule's 30% applies.
    const quote = await tp.api('GET', `/api/payments/refund-quote?reservationId=${reservation.id}`, {
      token: buyer.accessToken,
    });
    expect(quote.status, JSON.stringify(quote.body)).toBe(200);
    expect(quote.body).toMatchObject({
      refundable: true,
      amount: 160_000,
      fee: 48_000,
      refundAmount: 112_000,
    });

    const cancelled = await tp.api('POST', `/api/reservations/${reservation.id}/cancel`, {
      token: buyer.accessToken,
      body: { reason: 'cannot come' },
    });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    await eventually(async () => {
      const now = await tp.api('GET', `/api/reservations/${reservation.id}`, { token: buyer.accessToken });
      expect(now.body.reservation.status).toBe('refunded');
    }, 15_000);
    const history = await tp.api('GET', '/api/payments/history', { token: buyer.accessToken });
    expect(history.body.items[0]).toMatchObject({
      id: confirmed.body.payment.id,
      status: 'refunded',
      refundedAmount: 112_000,
      fee: 48_000,
    });

    const seats = await tp.api('GET', `/api/events/${eventId}/seats`);
    const statuses = seats.body.seats
      .filter((s: { id: string }) => seatIds.includes(s.id))
      .map((s: { status: string }) => s.status);
    expect(statuses).toEqual(['available', 'available']);
  });

  it('a buyer who cancels at the provider comes back to the fail page with their reservation, and pays on a second try', async () => {
    const eventId = await onSaleEvent(tp, admin, 'Payment Retry Live', 4, 50_000);
    const buyer = await tp.register();
    const held = await tp.api('POST', '/api/tickets/book', {
      token: buyer.accessToken,
      body: { eventId, quantity: 1 },
    });
    expect(held.status, JSON.stringify(held.body)).toBe(201);
    const reservationId = held.body.reservation.id as string;

    // The web app sends the reservation along in the fail URL, so the fail page can offer a retry.
    const created = await tp.api('POST', '/api/payments/create', {
      token: buyer.accessToken,
      body: {
        reservationId,
        method: 'sandbox',
        failUrl: `${tp.url}/payments/fail?reservationId=${reservationId}`,
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const failed = await fetch(`${tp.url}${new URL(created.body.checkout.url).pathname}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'action=fail',
      redirect: 'manual',
    });
    expect(failed.status).toBe(303);
    const back = new URL(failed.headers.get('location')!);
    expect(back.pathname).toBe('/payments/fail');
    expect(back.searchParams.get('reservationId')).toBe(reservationId);
    expect(back.searchParams.get('code')).toBe('PAY_PROCESS_CANCELED');

    // Still held; the second try goes through.
    const still = await tp.api('GET', `/api/reservations/${reservationId}`, { token: buyer.accessToken });
    expect(still.body.reservation.status).toBe('pending');
    const paid = await paySandbox(tp, buyer, reservationId);
    expect(paid.amount).toBe(50_000);
  });

  it('the operator moves the event: a buyer who paid before may cancel without the fee, one who paid after may not', async () => {
    const eventId = await onSaleEvent(tp, admin, 'Moved Night', 4, 60_000);
    const quote = async (who: Session, reservationId: string) =>
      (
        await tp.api('GET', `/api/payments/refund-quote?reservationId=${reservationId}`, {
          token: who.accessToken,
        })
      ).body;
    const early = await tp.register();
    const earlyBooking = await hold(tp, early, eventId, 1);
    await paySandbox(tp, early, earlyBooking.id);
    expect((await quote(early, earlyBooking.id)).feeWaived).toBeNull();

    const { event } = (await tp.api('GET', `/api/events/${eventId}`)).body;
    const later = (iso: string) => new Date(new Date(iso).getTime() + 86_400_000).toISOString();
    const moved = await tp.api('PATCH', `/api/events/${eventId}`, {
      token: admin.accessToken,
      body: { startsAt: later(event.startsAt), endsAt: later(event.endsAt) },
    });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    // ticket says what the event was (event.updated); payment hears it through the bus.
    await eventually(async () =>
      expect(await quote(early, earlyBooking.id)).toMatchObject({
        fee: 0,
        refundAmount: 60_000,
        feeWaived: 'event_changed',
      }),
    );
    const late = await tp.register();
    const lateBooking = await hold(tp, late, eventId, 1);
    await paySandbox(tp, late, lateBooking.id);
    expect((await quote(late, lateBooking.id)).feeWaived).toBeNull();
  });
});
