import { expect } from 'vitest';
import type { Session, TestPlatform } from '../support/platform';

/** Buyer and operator steps through the gateway, shared by the admin and stats flow tests. */
const HOUR = 3_600_000;
const at = (ms: number) => new Date(Date.now() + ms).toISOString();

export async function onSaleEvent(
  tp: TestPlatform,
  admin: Session,
  title: string,
  seats = 6,
  price = 150_000,
): Promise<string> {
  const created = await tp.api('POST', '/api/admin/events', {
    token: admin.accessToken,
    body: {
      title,
      category: 'concert',
      venueName: 'Olympic Hall',
      startsAt: at(48 * HOUR),
      endsAt: at(51 * HOUR),
      saleStartsAt: at(-HOUR),
      saleEndsAt: at(47 * HOUR),
      layout: { sections: [{ name: 'VIP', price, rows: [{ label: 'A', seats }] }] },
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = created.body.event.id as string;
  const published = await tp.api('POST', `/api/events/${id}/publish`, { token: admin.accessToken });
  expect(published.body.event?.status, JSON.stringify(published.body)).toBe('on_sale');
  return id;
}

export async function hold(
  tp: TestPlatform,
  buyer: Session,
  eventId: string,
  quantity: number,
): Promise<{ id: string; amount: number; seats: Array<{ id: string }> }> {
  const res = await tp.api('POST', '/api/tickets/book', {
    token: buyer.accessToken,
    body: { eventId, quantity },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.reservation;
}

/** Pays a pending reservation with the sandbox provider, as the web app and the checkout page do. */
export async function paySandbox(
  tp: TestPlatform,
  buyer: Session,
  reservationId: string,
): Promise<{ id: string; amount: number }> {
  const created = await tp.api('POST', '/api/payments/create', {
    token: buyer.accessToken,
    body: { reservationId, method: 'sandbox' },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const approve = await tp.api('POST', new URL(created.body.checkout.url).pathname, {
    body: { action: 'approve' },
  });
  expect(approve.status, JSON.stringify(approve.body)).toBe(303);
  const back = new URL(approve.headers.get('location')!);
  const confirmed = await tp.api('POST', '/api/payments/confirm', {
    token: buyer.accessToken,
    body: {
      orderId: back.searchParams.get('orderId'),
      paymentKey: back.searchParams.get('paymentKey'),
      amount: Number(back.searchParams.get('amount')),
    },
  });
  expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
  expect(confirmed.body.reservation.status).toBe('confirmed');
  return confirmed.body.payment;
}
