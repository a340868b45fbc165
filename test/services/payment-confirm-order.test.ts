import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { eventually } from '@tiketi/testing';
import { buyerApproves, startHarness, type PaymentHarness } from './payment-harness';

/**
 * A confirm asks ticket to confirm the reservation before it records the payment as paid, so that
 * one statement records both. The payment service dying between the two (here: the paid
 * statement refused) leaves a confirmed reservation whose payment is still pending, with the
 * buyer's money at the provider: the reconciler marks it paid and confirmed, once, with no refund
 * and no second charge.
 */
let h: PaymentHarness;
let buyer: { id: string; headers: { authorization: string } };
beforeAll(async () => {
  h = await startHarness();
  buyer = await h.svc.issuer.user('user');
});
afterAll(async () => {
  await h?.close();
});

async function refusePaid(on: boolean): Promise<void> {
  const db = h.svc.ctx.db;
  if (!on) {
    await sql`drop trigger if exists refuse_paid on payment.payments`.execute(db);
    return;
  }
  await sql`create or replace function payment.refuse_paid() returns trigger language plpgsql as $$
    begin
      if new.status = 'paid' and old.status <> 'paid' then raise exception 'the process died here'; end if;
      return new;
    end $$`.execute(db);
  await sql`create trigger refuse_paid before update on payment.payments for each row execute function payment.refuse_paid()`.execute(
    db,
  );
}

describe('a confirm that dies between the reservation confirmed and the payment recorded paid', () => {
  it('is settled by the reconciler as paid and confirmed, charged once, never refunded', async () => {
    const reservation = h.ticket.addReservation(buyer.id);
    const created = await h.svc.app.inject({
      method: 'POST',
      url: '/api/payments/create',
      headers: buyer.headers,
      payload: { reservationId: reservation.id, method: 'toss' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const body = await buyerApproves(h, 'toss', created.json());
    const charges = h.toss.charges();

    await refusePaid(true);
    let res;
    try {
      res = await h.svc.app.inject({
        method: 'POST',
        url: '/api/payments/confirm',
        headers: buyer.headers,
        payload: body,
      });
      // What the buyer's request left: ticket confirmed the seats, the payment row is still pending.
      expect(res.statusCode).toBe(500);
      expect(h.ticket.reservations.get(reservation.id)!.status).toBe('confirmed');
      const row = await h.svc.ctx.db
        .selectFrom('payments')
        .select(['status', 'reservation_confirmed_at'])
        .where('id', '=', created.json().payment.id)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ status: 'pending', reservation_confirmed_at: null });
    } finally {
      await refusePaid(false);
    }

    await eventually(async () => {
      const p = await h.svc.ctx.db
        .selectFrom('payments')
        .select(['status', 'reservation_confirmed_at', 'refunded_amount'])
        .where('id', '=', created.json().payment.id)
        .executeTakeFirstOrThrow();
      expect(p.status).toBe('paid');
      expect(p.reservation_confirmed_at).not.toBeNull();
      expect(p.refunded_amount).toBe(0);
    }, 20_000);
    expect(h.toss.charges()).toBe(charges + 1);
    expect(h.ticket.reservations.get(reservation.id)!.status).toBe('confirmed');
    const again = await h.svc.app.inject({
      method: 'POST',
      url: '/api/payments/confirm',
      headers: buyer.headers,
      payload: body,
    });
    expect(again.json()).toMatchObject({ payment: { status: 'paid' }, reservation: { status: 'confirmed' } });
    expect(h.ticket.calls.filter((c) => c.op === 'refunded' && c.id === reservation.id)).toEqual([]);
  });
});
