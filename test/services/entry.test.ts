import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestService } from '@tiketi/testing';
import type { TicketConfig } from '@tiketi/ticket';
import {
  INTERNAL_HEADERS,
  confirmAsPayment,
  createEventFixture,
  movableClock,
  startTicketAlone,
  type EventFixture,
} from './booking.fixtures';

const clock = movableClock();
let svc: TestService<TicketConfig>;
const internal = INTERNAL_HEADERS;
type User = Awaited<ReturnType<TestService['issuer']['user']>>;

beforeAll(async () => {
  svc = await startTicketAlone(clock);
});
afterAll(async () => {
  await svc?.close();
});

const inject = (method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: object) =>
  svc.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });

/** A booking paid as the payment service confirms one: hold, lease, confirm. */
async function paidBooking(f: EventFixture, buyer: User, quantity = 2): Promise<string> {
  const held = await inject('POST', '/api/tickets/book', buyer.headers, { eventId: f.eventId, quantity });
  expect(held.statusCode, held.body).toBe(201);
  const id = held.json().reservation.id as string;
  await confirmAsPayment(svc, id);
  return id;
}

const pass = (id: string, user: User) => inject('GET', `/api/reservations/${id}/pass`, user.headers);
const checkIn = (admin: User, body: { code: string; eventId?: string }) =>
  inject('POST', '/api/admin/entry/check-in', admin.headers, body);

describe('entry passes and the gate', () => {
  it('a paid booking has one pass; the gate admits it once, whatever the case and spacing of the code', async () => {
    const f = await createEventFixture(svc.ctx.db);
    const buyer = await svc.issuer.user('user', { name: 'Gate Buyer' });
    const admin = await svc.issuer.user('admin');
    const held = await inject('POST', '/api/tickets/book', buyer.headers, {
      eventId: f.eventId,
      quantity: 1,
    });
    const unpaid = await pass(held.json().reservation.id, buyer);
    expect(unpaid.statusCode).toBe(409);
    expect(unpaid.json().error).toMatchObject({ code: 'PASS_UNAVAILABLE', details: { status: 'pending' } });

    const id = await paidBooking(f, buyer);
    const first = await pass(id, buyer);
    expect(first.statusCode, first.body).toBe(200);
    const { code, seats, checkedInAt } = first.json().pass;
    expect(code).toMatch(/^TKT-[0-9A-HJKMNP-TV-Z]{24}$/);
    expect(seats).toHaveLength(2);
    expect(checkedInAt).toBeNull();
    expect((await pass(id, buyer)).json().pass.code).toBe(code);
    expect((await pass(id, await svc.issuer.user())).statusCode).toBe(404);
    expect((await checkIn(buyer, { code })).statusCode).toBe(403);

    const attendance = () => inject('GET', `/api/admin/entry/events/${f.eventId}`, admin.headers);
    // The pending hold is no ticket; the paid booking is one of two seats.
    expect((await attendance()).json()).toEqual({
      eventId: f.eventId,
      tickets: 1,
      admitted: 0,
      seats: 2,
      seatsAdmitted: 0,
    });
    expect((await inject('GET', `/api/admin/entry/events/${f.eventId}`, buyer.headers)).statusCode).toBe(403);
    expect((await inject('GET', '/api/admin/entry/events/evt_nope', admin.headers)).statusCode).toBe(404);

    const typed = ` ${code.toLowerCase().slice(0, 10)} ${code.toLowerCase().slice(10)} `;
    const admitted = await checkIn(admin, { code: typed, eventId: f.eventId });
    expect(admitted.statusCode, admitted.body).toBe(200);
    expect(admitted.json()).toMatchObject({
      reservationId: id,
      holder: 'Gate Buyer',
      seats,
      event: { id: f.eventId },
    });

    expect((await attendance()).json()).toMatchObject({
      tickets: 1,
      admitted: 1,
      seats: 2,
      seatsAdmitted: 2,
    });
    const again = await checkIn(admin, { code });
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({
      code: 'ALREADY_CHECKED_IN',
      details: { checkedInAt: admitted.json().checkedInAt },
    });
    expect((await pass(id, buyer)).json().pass.checkedInAt).toBe(admitted.json().checkedInAt);

    // A used ticket: its buyer can no longer cancel it (the refund is never asked for).
    const view = await inject('GET', `/api/reservations/${id}`, buyer.headers);
    expect(view.json().reservation.checkedInAt).toBe(admitted.json().checkedInAt);
    const cancel = await inject('POST', `/api/reservations/${id}/cancel`, buyer.headers, {});
    expect(cancel.statusCode).toBe(409);
    expect(cancel.json().error.code).toBe('TICKET_USED');
    expect((await inject('GET', `/api/reservations/${id}`, buyer.headers)).json().reservation.status).toBe(
      'confirmed',
    );
  });

  it('of gates scanning one code at once, exactly one admits', async () => {
    const f = await createEventFixture(svc.ctx.db);
    const buyer = await svc.issuer.user();
    const admin = await svc.issuer.user('admin');
    const code = (await pass(await paidBooking(f, buyer), buyer)).json().pass.code as string;
    const answers = await Promise.all(Array.from({ length: 6 }, () => checkIn(admin, { code })));
    const codes = answers.map((a) => (a.statusCode === 200 ? 'admitted' : a.json().error.code)).sort();
    expect(codes).toEqual([
      'ALREADY_CHECKED_IN',
      'ALREADY_CHECKED_IN',
      'ALREADY_CHECKED_IN',
      'ALREADY_CHECKED_IN',
      'ALREADY_CHECKED_IN',
      'admitted',
    ]);
  });

  it('refuses a ticket of another event, an unknown code and a refunded booking, and lets the right gate admit', async () => {
    const show = await createEventFixture(svc.ctx.db);
    const other = await createEventFixture(svc.ctx.db);
    const buyer = await svc.issuer.user();
    const admin = await svc.issuer.user('admin');
    const id = await paidBooking(show, buyer);
    const code = (await pass(id, buyer)).json().pass.code as string;

    const wrong = await checkIn(admin, { code, eventId: other.eventId });
    expect(wrong.statusCode).toBe(409);
    expect(wrong.json().error).toMatchObject({
      code: 'WRONG_EVENT',
      details: { event: { id: show.eventId } },
    });
    expect((await checkIn(admin, { code, eventId: show.eventId })).statusCode).toBe(200);

    const unknown = await checkIn(admin, { code: 'TKT-0000000000000000000000AA' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('TICKET_NOT_FOUND');

    const refundedId = await paidBooking(show, buyer, 1);
    const refundedCode = (await pass(refundedId, buyer)).json().pass.code as string;
    const amount = (await inject('GET', `/internal/reservations/${refundedId}`, internal)).json().reservation
      .amount;
    const refunded = await inject('POST', `/internal/reservations/${refundedId}/refunded`, internal, {
      paymentId: `pay_${refundedId}`,
      amount,
    });
    expect(refunded.json().reservation.status).toBe('refunded');
    const invalid = await checkIn(admin, { code: refundedCode });
    expect(invalid.statusCode).toBe(409);
    expect(invalid.json().error).toMatchObject({ code: 'TICKET_NOT_VALID', details: { status: 'refunded' } });
    expect((await pass(refundedId, buyer)).json().error.code).toBe('PASS_UNAVAILABLE');
  });

  it('has no pass once the event has ended', async () => {
    const f = await createEventFixture(svc.ctx.db);
    const buyer = await svc.issuer.user();
    const id = await paidBooking(f, buyer);
    clock.advance(31 * 86_400_000);
    const ended = await pass(id, buyer);
    expect(ended.statusCode).toBe(409);
    expect(ended.json().error.details).toEqual({ status: 'event_ended' });
  });
});
