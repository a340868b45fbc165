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
});
