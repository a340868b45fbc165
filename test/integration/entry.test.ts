import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@tiketi/testing';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { hold, onSaleEvent, paySandbox } from './admin.flow';

describe('an entry pass through the gateway: shown, admitted once, then not refunded to its buyer', () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform({ services: 'auth,gateway,ticket,payment' });
  });
  afterAll(async () => {
    await p?.close();
  });

  it('a used ticket is refused a buyer refund by payment and by ticket; an operator can still refund it', async () => {
    const admin = await p.admin();
    const eventId = await onSaleEvent(p, admin, 'Used Ticket Concert');
    const buyer = await p.register();
    const booked = await hold(p, buyer, eventId, 2);
    const payment = await paySandbox(p, buyer, booked.id);

    const pass = await p.api('GET', `/api/reservations/${booked.id}/pass`, { token: buyer.accessToken });
    expect(pass.status, JSON.stringify(pass.body)).toBe(200);
    const checkIn = await p.api('POST', '/api/admin/entry/check-in', {
      token: admin.accessToken,
      body: { code: pass.body.pass.code, eventId },
    });
    expect(checkIn.status, JSON.stringify(checkIn.body)).toBe(200);

    const viaPayment = await p.api('POST', '/api/payments/refund', {
      token: buyer.accessToken,
      body: { paymentId: payment.id, reason: 'changed my mind' },
    });
    expect(viaPayment.status).toBe(409);
    expect(viaPayment.body.error.code).toBe('TICKET_USED');
    const viaTicket = await p.api('POST', `/api/reservations/${booked.id}/cancel`, {
      token: buyer.accessToken,
      body: { reason: 'changed my mind' },
    });
    expect(viaTicket.status).toBe(409);
    expect(viaTicket.body.error.code).toBe('TICKET_USED');
    const paid = await p.api('GET', `/api/payments/${payment.id}`, { token: buyer.accessToken });
    expect(paid.body.payment.status).toBe('paid');

    const byOperator = await p.api('PATCH', `/api/admin/reservations/${booked.id}`, {
      token: admin.accessToken,
      body: { status: 'cancelled', reason: 'goodwill after the show', refund: 'full' },
    });
    expect(byOperator.status, JSON.stringify(byOperator.body)).toBe(200);
    await eventually(async () => {
      const after = await p.api('GET', `/api/reservations/${booked.id}`, { token: buyer.accessToken });
      expect(after.body.reservation.status).toBe('refunded');
    });
  });

  it("a partial refund's report opens the gate for the seat left; a claim whose refund never began is ended by asking payment", async () => {
    const admin = await p.admin();
    const eventId = await onSaleEvent(p, admin, 'Refund At The Gate Concert');
    const buyer = await p.register();
    const booked = await hold(p, buyer, eventId, 2);
    const payment = await paySandbox(p, buyer, booked.id);
    const code = (await p.api('GET', `/api/reservations/${booked.id}/pass`, { token: buyer.accessToken }))
      .body.pass.code as string;
    const seatId = booked.seats[0]!.id;

    const partial = await p.api('POST', '/api/payments/refund', {
      token: buyer.accessToken,
      body: { paymentId: payment.id, seatIds: [seatId], reason: 'one friend cannot come' },
    });
    expect(partial.status, JSON.stringify(partial.body)).toBe(200);
    const checkIn = () =>
      p.api('POST', '/api/admin/entry/check-in', { token: admin.accessToken, body: { code, eventId } });
    const admitted = await checkIn();
    expect(admitted.status, JSON.stringify(admitted.body)).toBe(200);
    expect(admitted.body.seats).toHaveLength(1);

    // A claim left behind by a refund payment has no record of (a crash between the two): the
    // gate asks payment, learns there is no such refund, and admits.
    const other = await hold(p, buyer, eventId, 1);
    await paySandbox(p, buyer, other.id);
    const otherCode = (await p.api('GET', `/api/reservations/${other.id}/pass`, { token: buyer.accessToken }))
      .body.pass.code as string;
    const ticket = p.platform.services.ticket!;
    const claimed = await fetch(`${p.platform.urls.ticket}/internal/reservations/${other.id}/refund-claim`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-internal-token': ticket.ctx.config.INTERNAL_TOKEN as string,
      },
      body: JSON.stringify({ refundId: 'rfd_neverbegun' }),
    });
    expect(claimed.status).toBe(204);
    const healed = await p.api('POST', '/api/admin/entry/check-in', {
      token: admin.accessToken,
      body: { code: otherCode, eventId },
    });
    expect(healed.status, JSON.stringify(healed.body)).toBe(200);
  });
});
