import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { eventually, startTestService, type TestService } from '@tiketi/testing';
import { createTicketService, type TicketConfig } from '@tiketi/ticket';
import { TossFake } from '../../services/payment/src/providers/fakes';
import { bookingInstance } from '../../services/ticket/src/booking/booking.area';
import { cancelPendingHoldsOfEvent } from '../../services/ticket/src/booking/event-cancel.service';
import { startTestPlatform, type Session, type TestPlatform } from '../support/platform';
import { hold, onSaleEvent, paySandbox } from '../integration/admin.flow';
import { createEventFixture } from './booking.fixtures';

/**
 * An operator cancels an event while its sale is in every state at once: paid, held without a
 * payment, a confirm in flight at the provider, a refund the provider first refuses. Every buyer
 * ends with the money back, every seat comes back, nothing is sold for the cancelled event.
 */
describe('cancelling an event (whole platform)', () => {
  let tp: TestPlatform;
  let toss: TossFake;
  let admin: Session;

  beforeAll(async () => {
    toss = await new TossFake().start();
    tp = await startTestPlatform({
      env: {
        PAYMENT_TOSS_BASE_URL: toss.url,
        PAYMENT_TOSS_CLIENT_KEY: toss.clientKey,
        PAYMENT_TOSS_SECRET_KEY: toss.secretKey,
        // The held confirm must outlast the test's steps; the reconciler sweeps often.
        PAYMENT_PROVIDER_TIMEOUT_MS: '30000',
        PAYMENT_RECONCILE_INTERVAL_MS: '200',
      },
    });
    admin = await tp.admin();
  });
  afterAll(async () => {
    await tp?.close();
    await toss?.close();
  });

  const payments = () => tp.platform.services.payment!.ctx.db;
  const ticketDb = () => tp.platform.services.ticket!.ctx.db;
  const paymentRow = (id: string) =>
    payments().selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const reservationRow = (id: string) =>
    ticketDb().selectFrom('reservations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const atToss = (orderId: string) => [...toss.payments.values()].find((p) => p.orderId === orderId)!;

  async function tossCheckout(buyer: Session, reservationId: string) {
    const created = await tp.api('POST', '/api/payments/create', {
      token: buyer.accessToken,
      body: { reservationId, method: 'toss' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { orderId, amount } = created.body.checkout;
    return {
      paymentId: created.body.payment.id as string,
      orderId: orderId as string,
      body: toss.authorize(orderId, amount),
    };
  }
  const confirm = (buyer: Session, body: unknown) =>
    tp.api('POST', '/api/payments/confirm', { token: buyer.accessToken, body });

  it(
    'refunds every payment, cancels every hold, and sells nothing afterwards',
    { timeout: 90_000 },
    async () => {
      const eventId = await onSaleEvent(tp, admin, 'Cancelled Night', 8, 50_000);
      const [paidBuyer, holder, inFlightBuyer, refusedBuyer] = await Promise.all([
        tp.register(),
        tp.register(),
        tp.register(),
        tp.register(),
      ]);

      const paidReservation = await hold(tp, paidBuyer, eventId, 1);
      const paid = await paySandbox(tp, paidBuyer, paidReservation.id);
      const pendingHold = await hold(tp, holder, eventId, 2);
      const refusedReservation = await hold(tp, refusedBuyer, eventId, 1);
      const refused = await tossCheckout(refusedBuyer, refusedReservation.id);
      expect((await confirm(refusedBuyer, refused.body)).status).toBe(200);

      // A confirm charged at Toss whose answer has not come back when the event is cancelled.
      const inFlightReservation = await hold(tp, inFlightBuyer, eventId, 1);
      const inFlight = await tossCheckout(inFlightBuyer, inFlightReservation.id);
      const charges = toss.charges();
      toss.knobs.holdAfterCharge = true;
      let confirming: ReturnType<typeof confirm> | undefined;
      try {
        confirming = confirm(inFlightBuyer, inFlight.body);
        await toss.chargesReach(charges + 1);
        // The provider refuses the first refund it is asked for (the paid Toss payment's).
        toss.knobs.forceError = {
          operation: 'cancel',
          code: 'NOT_CANCELABLE_PAYMENT',
          message: 'try again later',
        };
        const cancelled = await tp.api('POST', `/api/events/${eventId}/cancel`, {
          token: admin.accessToken,
          body: { reason: 'Artist ill' },
        });
        expect(cancelled.status, JSON.stringify(cancelled.body)).toBeLessThan(300);

        // Holds without a payment, and the one whose confirm is in flight, are cancelled; seats come back.
        await eventually(async () => {
          expect((await reservationRow(pendingHold.id)).status).toBe('cancelled');
          expect((await reservationRow(inFlightReservation.id)).status).toBe('cancelled');
        }, 20_000);
        const seats = (await tp.api('GET', `/api/events/${eventId}/seats`)).body.seats as Array<{
          id: string;
          status: string;
        }>;
        for (const s of pendingHold.seats) expect(seats.find((x) => x.id === s.id)?.status).toBe('available');
        const facts = await ticketDb()
          .selectFrom('outbox')
          .select(['payload'])
          .where('type', '=', 'reservation.cancelled')
          .execute();
        const cancelledIds = facts.map(
          (f) => (typeof f.payload === 'string' ? JSON.parse(f.payload) : f.payload).data.reservationId,
        );
        expect(cancelledIds.filter((id: string) => id === pendingHold.id)).toHaveLength(1);

        // Paid ones are refunded in full, the refused refund after a retry.
        await eventually(async () => {
          expect(await paymentRow(paid.id)).toMatchObject({
            status: 'refunded',
            refunded_amount: paid.amount,
            fee_amount: 0,
          });
          expect(await paymentRow(refused.paymentId)).toMatchObject({
            status: 'refunded',
            refunded_amount: 50_000,
          });
        }, 20_000);
        expect(toss.knobs.forceError).toBeNull();
        expect(atToss(refused.orderId)).toMatchObject({ status: 'CANCELED', balanceAmount: 0 });
        expect((await reservationRow(paidReservation.id)).status).toBe('refunded');

        // Nobody starts paying for the cancelled event.
        const late = await tp.api('POST', '/api/payments/create', {
          token: holder.accessToken,
          body: { reservationId: pendingHold.id, method: 'sandbox' },
        });
        expect(late.status).toBe(409);
        expect(late.body.error.code).toBe('EVENT_CANCELLED');
      } finally {
        toss.knobs.holdAfterCharge = false;
        toss.releaseHeld();
      }

      // The in-flight confirm settles as paid after the cancellation: refunded automatically, 409 to the buyer.
      const answer = await confirming!;
      expect(answer.status, JSON.stringify(answer.body)).toBe(409);
      expect(answer.body.error.code).toBe('RESERVATION_EXPIRED');
      await eventually(
        async () =>
          expect(await paymentRow(inFlight.paymentId)).toMatchObject({
            status: 'refunded',
            refunded_amount: 50_000,
          }),
        20_000,
      );
      expect(atToss(inFlight.orderId)).toMatchObject({ status: 'CANCELED', balanceAmount: 0 });
      expect((await reservationRow(inFlightReservation.id)).status).toBe('cancelled');

      // Exactly once: one charge and one cancel per Toss payment; no payment of the event holds money.
      for (const p of [refused, inFlight]) {
        expect(atToss(p.orderId).cancels).toHaveLength(1);
        expect(toss.cancelRequests.filter((c) => c.paymentKey === p.body.paymentKey)).toHaveLength(1);
      }
      expect(toss.charges()).toBe(charges + 1);
      const left = await payments()
        .selectFrom('payments')
        .select(['id', 'status'])
        .where('event_id', '=', eventId)
        .execute();
      expect(left.filter((p) => !['refunded', 'cancelled', 'failed'].includes(p.status))).toEqual([]);
      const reservations = await ticketDb()
        .selectFrom('reservations')
        .select(['status'])
        .where('event_id', '=', eventId)
        .execute();
      expect(reservations.map((r) => r.status).sort()).toEqual([
        'cancelled',
        'cancelled',
        'refunded',
        'refunded',
      ]);
    },
  );

  it(
    'gives back the fee a buyer paid on cancelling before the organiser cancelled',
    { timeout: 60_000 },
    async () => {
      const eventId = await onSaleEvent(tp, admin, 'Fee Night', 4, 50_000);
      const buyer = await tp.register();
      const reservation = await hold(tp, buyer, eventId, 1);
      const paid = await paySandbox(tp, buyer, reservation.id);
      const own = await tp.api('POST', `/api/reservations/${reservation.id}/cancel`, {
        token: buyer.accessToken,
        body: { reason: 'cannot come' },
      });
      expect(own.status, JSON.stringify(own.body)).toBe(200);
      // Two days before the show: the standard schedule keeps 30%.
      const fee = Math.round(paid.amount * 0.3);
      expect(await paymentRow(paid.id)).toMatchObject({
        status: 'refunded',
        refunded_amount: paid.amount - fee,
        fee_amount: fee,
      });
      expect((await reservationRow(reservation.id)).refunded_amount).toBe(paid.amount - fee);

      const cancelled = await tp.api('POST', `/api/events/${eventId}/cancel`, {
        token: admin.accessToken,
        body: { reason: 'Venue flooded' },
      });
      expect(cancelled.status, JSON.stringify(cancelled.body)).toBeLessThan(300);
      await eventually(async () => {
        expect(await paymentRow(paid.id)).toMatchObject({
          status: 'refunded',
          refunded_amount: paid.amount,
          fee_amount: 0,
        });
        expect((await reservationRow(reservation.id)).refunded_amount).toBe(paid.amount);
      }, 20_000);
      const atSandbox = await payments()
        .selectFrom('sandbox_payments')
        .select(['status', 'cancelled_amount'])
        .where('order_id', '=', (await paymentRow(paid.id)).order_id)
        .executeTakeFirstOrThrow();
      expect(atSandbox).toMatchObject({ status: 'CANCELED', cancelled_amount: paid.amount });
      const mine = await tp.api('GET', `/api/reservations/${reservation.id}`, { token: buyer.accessToken });
      expect(mine.body.reservation).toMatchObject({ status: 'refunded', refundedAmount: paid.amount });
    },
  );
});

/** The ticket side on its own (no consumers running), so each step is seen apart. */
describe('ticket: a cancelled event', () => {
  const internal = { 'x-internal-token': 'test-internal-token-event-cancel' };
  let svc: TestService<TicketConfig>;
  // The payment service as ticket sees it: the refunds ticket asks for, answered as done.
  const payments = Fastify();
  const refundAsks: Array<{ reservationId: string; refund: string }> = [];
  payments.post('/internal/payments/refund-reservation', async (request) => {
    const body = request.body as { reservationId: string; refund: string };
    refundAsks.push(body);
    return {
      payment: { id: `pay_${body.reservationId}`, status: 'refund_pending', refundedAmount: 0, fee: 0 },
    };
  });

  beforeAll(async () => {
    const paymentUrl = await payments.listen({ port: 0, host: '127.0.0.1' });
    svc = await startTestService(createTicketService(), {
      start: false,
      env: { INTERNAL_TOKEN: internal['x-internal-token'], PAYMENT_URL: paymentUrl },
    });
  });
  afterAll(async () => {
    await svc?.close();
    await payments.close();
  });

  const post = (url: string, payload: unknown, headers: Record<string, string> = internal) =>
    svc.app.inject({ method: 'POST', url, headers, payload: payload as object });

  it('refuses to start or confirm a payment for its holds, keeps a confirm that happened before, and its holds are closed', async () => {
    const fx = await createEventFixture(svc.ctx.db);
    const buyer = await svc.issuer.user('user');
    const admin = await svc.issuer.user('admin');
    const book = async (seatIds: string[]) => {
      const res = await post('/api/tickets/book', { eventId: fx.eventId, seatIds }, buyer.headers);
      expect(res.statusCode, res.body).toBe(201);
      return res.json().reservation.id as string;
    };
    const [sold, leased, plain] = [
      await book([fx.rows.A![0]!]),
      await book([fx.rows.A![1]!]),
      await book([fx.rows.A![2]!]),
    ];
    expect(
      (
        await post(`/internal/reservations/${sold}/payment-started`, {
          paymentId: 'pay_sold',
          ttlSeconds: 600,
        })
      ).statusCode,
    ).toBe(200);
    expect((await post(`/internal/reservations/${sold}/confirm`, { paymentId: 'pay_sold' })).statusCode).toBe(
      200,
    );
    expect(
      (
        await post(`/internal/reservations/${leased}/payment-started`, {
          paymentId: 'pay_leased',
          ttlSeconds: 600,
        })
      ).statusCode,
    ).toBe(200);

    const cancelled = await post(
      `/api/events/${fx.eventId}/cancel`,
      { reason: 'Venue flooded' },
      admin.headers,
    );
    expect(cancelled.statusCode, cancelled.body).toBeLessThan(300);

    // Nothing closed the holds yet (no consumer runs here): confirm itself must refuse them.
    const confirmLeased = await post(`/internal/reservations/${leased}/confirm`, { paymentId: 'pay_leased' });
    expect(confirmLeased.statusCode).toBe(409);
    expect(confirmLeased.json().error.code).toBe('RESERVATION_EXPIRED');
    const startPlain = await post(`/internal/reservations/${plain}/payment-started`, {
      paymentId: 'pay_plain',
      ttlSeconds: 600,
    });
    expect(startPlain.statusCode).toBe(409);
    expect(startPlain.json().error.code).toBe('RESERVATION_EXPIRED');
    // The payment's retry of a confirm that succeeded before the cancellation still succeeds.
    const retry = await post(`/internal/reservations/${sold}/confirm`, { paymentId: 'pay_sold' });
    expect(retry.statusCode, retry.body).toBe(200);
    expect(retry.json().reservation.status).toBe('confirmed');

    const rt = bookingInstance(svc.ctx).runtime;
    expect(await cancelPendingHoldsOfEvent(rt, fx.eventId)).toBe(2);
    expect(await cancelPendingHoldsOfEvent(rt, fx.eventId)).toBe(0);
    const rows = await svc.ctx.db
      .selectFrom('reservations')
      .select(['id', 'status', 'cancel_reason'])
      .where('event_id', '=', fx.eventId)
      .execute();
    expect(Object.fromEntries(rows.map((r) => [r.id, r.status]))).toEqual({
      [sold]: 'confirmed',
      [leased]: 'cancelled',
      [plain]: 'cancelled',
    });
    const seats = await svc.ctx.db
      .selectFrom('seats')
      .select(['id', 'status'])
      .where('id', 'in', [fx.rows.A![0]!, fx.rows.A![1]!, fx.rows.A![2]!])
      .execute();
    expect(Object.fromEntries(seats.map((s) => [s.id, s.status]))).toEqual({
      [fx.rows.A![0]!]: 'sold',
      [fx.rows.A![1]!]: 'available',
      [fx.rows.A![2]!]: 'available',
    });
    const facts = await svc.ctx.db
      .selectFrom('outbox')
      .select(['payload'])
      .where('type', '=', 'reservation.cancelled')
      .execute();
    const data = facts.map((f) => (typeof f.payload === 'string' ? JSON.parse(f.payload) : f.payload).data);
    expect(data.map((d: any) => d.reservationId).sort()).toEqual([leased, plain].sort());
    expect(data.every((d: any) => d.reason === 'Event cancelled')).toBe(true);
  });

  it('asks payment for everything back when a buyer cancels a booking of the cancelled event', async () => {
    const fx = await createEventFixture(svc.ctx.db);
    const buyer = await svc.issuer.user('user');
    const admin = await svc.issuer.user('admin');
    const held = await post(
      '/api/tickets/book',
      { eventId: fx.eventId, seatIds: [fx.rows.A![0]!] },
      buyer.headers,
    );
    const id = held.json().reservation.id as string;
    await post(`/internal/reservations/${id}/payment-started`, { paymentId: 'pay_kept', ttlSeconds: 600 });
    expect((await post(`/internal/reservations/${id}/confirm`, { paymentId: 'pay_kept' })).statusCode).toBe(
      200,
    );
    const before = await post(`/api/reservations/${id}/cancel`, { reason: 'cannot come' }, buyer.headers);
    expect(before.statusCode, before.body).toBe(200);
    expect(refundAsks.at(-1)).toMatchObject({ reservationId: id, refund: 'policy' });

    const other = await post(
      '/api/tickets/book',
      { eventId: fx.eventId, seatIds: [fx.rows.A![1]!] },
      buyer.headers,
    );
    const booked = other.json().reservation.id as string;
    await post(`/internal/reservations/${booked}/payment-started`, {
      paymentId: 'pay_booked',
      ttlSeconds: 600,
    });
    expect(
      (await post(`/internal/reservations/${booked}/confirm`, { paymentId: 'pay_booked' })).statusCode,
    ).toBe(200);
    const cancelled = await post(`/api/events/${fx.eventId}/cancel`, { reason: 'Artist ill' }, admin.headers);
    expect(cancelled.statusCode, cancelled.body).toBeLessThan(300);
    // Before payment has the fact, ticket asks for a refund without the policy's fee.
    const after = await post(`/api/reservations/${booked}/cancel`, { reason: 'cannot come' }, buyer.headers);
    expect(after.statusCode, after.body).toBe(200);
    expect(refundAsks.at(-1)).toMatchObject({ reservationId: booked, refund: 'full' });
  });
});
