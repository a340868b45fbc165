import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '@tiketi/platform';
import { eventually, type TestService } from '@tiketi/testing';
import type { TicketConfig } from '@tiketi/ticket';
import { bookingInstance } from '../../services/ticket/src/booking/booking.area';
import { INTERNAL_HEADERS, createEventFixture, movableClock, startTicketAlone } from './booking.fixtures';
import { recordPaymentMethods } from '../../services/ticket/src/admin/admin-payments.consumer';
import { recordPaidIfSettled } from '../../services/ticket/src/booking/reservation.repository';

const clock = movableClock();
let svc: TestService<TicketConfig>;
const internal = INTERNAL_HEADERS;

beforeAll(async () => {
  // Payment is away: a paid cancel must fail cleanly without it.
  svc = await startTicketAlone(clock);
});
afterAll(async () => {
  await svc?.close();
});

type User = Awaited<ReturnType<TestService['issuer']['user']>>;

async function bookSeats(user: User, eventId: string, payload: Record<string, unknown>) {
  return svc.app.inject({
    method: 'POST',
    url: '/api/tickets/book',
    headers: user.headers,
    payload: { eventId, ...payload },
  });
}

async function call(method: 'GET' | 'POST', url: string, user?: User, payload?: unknown) {
  return svc.app.inject({
    method,
    url,
    headers: user ? user.headers : internal,
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
}

async function seatStatuses(eventId: string): Promise<Record<string, string>> {
  const res = await svc.app.inject({ method: 'GET', url: `/api/events/${eventId}/seats` });
  expect(res.statusCode).toBe(200);
  return Object.fromEntries(
    (res.json().seats as Array<{ id: string; status: string }>).map((s) => [s.id, s.status]),
  );
}

async function outbox(type: string, reservationId: string): Promise<any[]> {
  const rows = await svc.ctx.db
    .selectFrom('outbox')
    .select('payload')
    .where('type', '=', type)
    .orderBy('id')
    .execute();
  return rows
    .map((r) => (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload))
    .filter((e) => e.data.reservationId === reservationId);
}

describe('holds', () => {
  it('holds chosen seats at database prices and emits reservation.held', async () => {
    const f = await createEventFixture(svc.ctx.db, { price: 50_000 });
    const buyer = await svc.issuer.user('user');
    const seats = [f.rows.A![0]!, f.rows.A![1]!];
    const res = await bookSeats(buyer, f.eventId, { seatIds: seats, amount: 1, price: 1 });
    expect(res.statusCode).toBe(201);
    const r = res.json().reservation;
    expect(r).toMatchObject({
      eventId: f.eventId,
      userId: buyer.id,
      status: 'pending',
      amount: 120_000,
      currency: 'KRW',
    });
    expect(r.id).toMatch(/^rsv_/);
    expect(r.seats.map((s: any) => s.label).sort()).toEqual(['R-A1', 'R-A2']);
    expect(r.seats[0]).toMatchObject({ section: 'R', row: 'A', price: 60_000 });
    expect(new Date(r.expiresAt).getTime() - new Date(r.createdAt).getTime()).toBe(10 * 60_000);
    const [held] = await outbox('reservation.held', r.id);
    expect(held.data).toMatchObject({
      eventId: f.eventId,
      userId: buyer.id,
      seatCount: 2,
      amount: 120_000,
      seatIds: [...seats].sort(),
    });
    const map = await seatStatuses(f.eventId);
    expect(map[seats[0]!]).toBe('held');
    expect(map[f.rows.A![2]!]).toBe('available');
  });

  it('refuses taken, foreign and invalid seats with the exact codes', async () => {
    const f = await createEventFixture(svc.ctx.db);
    const other = await createEventFixture(svc.ctx.db);
    const [a, b] = [await svc.issuer.user('user'), await svc.issuer.user('user')];
    expect((await bookSeats(a, f.eventId, { seatIds: [f.rows.A![0]!] })).statusCode).toBe(201);
    const taken = await bookSeats(b, f.eventId, { seatIds: [f.rows.A![0]!, f.rows.A![1]!] });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error).toMatchObject({
      code: 'SEAT_UNAVAILABLE',
      details: { seatIds: [f.rows.A![0]] },
    });
    // All or nothing: the free seat of the refused request was not held.
    expect((await seatStatuses(f.eventId))[f.rows.A![1]!]).toBe('available');
    const foreign = await bookSeats(b, f.eventId, { seatIds: [other.rows.A![0]!] });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().error.code).toBe('SEAT_NOT_FOUND');
    expect((await bookSeats(b, f.eventId, {})).statusCode).toBe(400);
    expect((await bookSeats(b, f.eventId, { seatIds: [f.rows.A![2]!], quantity: 1 })).statusCode).toBe(400);
    expect(
      (
        await svc.app.inject({
          method: 'POST',
          url: '/api/tickets/book',
          payload: { eventId: f.eventId, quantity: 1 },
        })
      ).statusCode,
    ).toBe(401);
  });

  it('answers EVENT_NOT_FOUND and SALE_NOT_OPEN', async () => {
    const buyer = await svc.issuer.user('user');
    const missing = await bookSeats(buyer, newId('evt'), { quantity: 1 });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('EVENT_NOT_FOUND');
    const draft = await createEventFixture(svc.ctx.db, { status: 'draft' });
    expect((await bookSeats(buyer, draft.eventId, { quantity: 1 })).json().error.code).toBe(
      'EVENT_NOT_FOUND',
    );
    const future = await createEventFixture(svc.ctx.db, { saleStartsAt: new Date(Date.now() + 86_400_000) });
    const early = await bookSeats(buyer, future.eventId, { seatIds: [future.seatIds[0]!] });
    expect(early.statusCode).toBe(409);
    expect(early.json().error.code).toBe('SALE_NOT_OPEN');
    const day = 86_400_000;
    for (const [status, saleStartsAt, saleEndsAt] of [
      ['cancelled', new Date(Date.now() - day), new Date(Date.now() + day)],
      ['scheduled', new Date(Date.now() + day), new Date(Date.now() + 2 * day)],
      ['sale_closed', new Date(Date.now() - 2 * day), new Date(Date.now() - day)],
    ] as const) {
      const e = await createEventFixture(svc.ctx.db, { status, saleStartsAt, saleEndsAt });
      const res = await bookSeats(buyer, e.eventId, { quantity: 1 });
      expect(res.statusCode, status).toBe(409);
      expect(res.json().error.code).toBe('SALE_NOT_OPEN');
    }
  });

  it('counts the per-user limit across all of the buyer’s reservations', async () => {
    const f = await createEventFixture(svc.ctx.db, { seatLimit: 4 });
    const buyer = await svc.issuer.user('user');
    const first = await bookSeats(buyer, f.eventId, { seatIds: f.rows.A!.slice(0, 2) });
    expect(first.statusCode).toBe(201);
    expect((await bookSeats(buyer, f.eventId, { quantity: 2 })).statusCode).toBe(201);
    const over = await bookSeats(buyer, f.eventId, { seatIds: [f.rows.B![9]!] });
    expect(over.statusCode).toBe(422);
    expect(over.json().error).toMatchObject({
      code: 'SEAT_LIMIT_EXCEEDED',
      details: { limit: 4, held: 4, requested: 1 },
    });
    expect((await bookSeats(buyer, f.eventId, { quantity: 5 })).json().error.code).toBe(
      'SEAT_LIMIT_EXCEEDED',
    );
    // Another buyer is not affected; a cancelled hold frees the buyer's allowance.
    expect((await bookSeats(await svc.issuer.user('user'), f.eventId, { quantity: 4 })).statusCode).toBe(201);
    const cancelled = await call('POST', `/api/reservations/${first.json().reservation.id}/cancel`, buyer);
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect((await bookSeats(buyer, f.eventId, { seatIds: [f.rows.B![9]!] })).statusCode).toBe(201);
  });

  it('best available picks adjacent seats nearest the stage without stranding a single seat', async () => {
    const f = await createEventFixture(svc.ctx.db, { rows: 3, seatsPerRow: 10, seatLimit: 8 });
    // Row A has free runs 1-3, 5-7 and 9-10.
    await svc.ctx.db
      .updateTable('seats')
      .set({ status: 'sold' })
      .where('id', 'in', [f.rows.A![3]!, f.rows.A![7]!])
      .execute();
    const buyer = await svc.issuer.user('user');
    const three = await bookSeats(buyer, f.eventId, { quantity: 3 });
    expect(three.statusCode).toBe(201);
    expect(
      three
        .json()
        .reservation.seats.map((s: any) => s.label)
        .sort(),
    ).toEqual(['R-A5', 'R-A6', 'R-A7']);
    // No run of four in row A: the next row, centred.
    const four = await bookSeats(await svc.issuer.user('user'), f.eventId, { quantity: 4 });
    expect(
      four
        .json()
        .reservation.seats.map((s: any) => s.label)
        .sort(),
    ).toEqual(['R-B4', 'R-B5', 'R-B6', 'R-B7']);
    // Two seats: row A's 1-3 run would strand one seat; 9-10 fills a run exactly.
    const two = await bookSeats(await svc.issuer.user('user'), f.eventId, { quantity: 2, section: 'R' });
    expect(
      two
        .json()
        .reservation.seats.map((s: any) => s.label)
        .sort(),
    ).toEqual(['R-A10', 'R-A9']);
    const none = await bookSeats(await svc.issuer.user('user'), f.eventId, { quantity: 2, section: 'VIP' });
    expect(none.statusCode).toBe(409);
    expect(none.json().error.code).toBe('SEAT_UNAVAILABLE');
  });
});

describe('reservations', () => {
  it('lists my reservations newest first and shows a reservation only to its owner or an admin', async () => {
    const f = await createEventFixture(svc.ctx.db);
    const [me, other, admin] = [
      await svc.issuer.user('user'),
      await svc.issuer.user('user'),
      await svc.issuer.user('admin'),
    ];
    const r1 = (await bookSeats(me, f.eventId, { seatIds: [f.rows.A![0]!] })).json().reservation;
    const r2 = (await bookSeats(me, f.eventId, { seatIds: [f.rows.A![1]!] })).json().reservation;
    await bookSeats(other, f.eventId, { seatIds: [f.rows.A![2]!] });
    const mine = await call('GET', '/api/tickets/my', me);
    expect(mine.statusCode).toBe(200);
    expect(mine.json().items.map((i: any) => i.id)).toEqual([r2.id, r1.id]);
    expect(mine.json().items[0].event).toMatchObject({
      id: f.eventId,
      title: 'Race Night',
      venueName: 'Olympic Hall',
    });
    expect((await call('GET', `/api/reservations/${r1.id}`, me)).json().reservation.id).toBe(r1.id);
    expect((await call('GET', `/api/reservations/${r1.id}`, admin)).statusCode).toBe(200);
    for (const id of [r1.id, newId('rsv'), 'nonsense']) {
      expect((await call('GET', `/api/reservations/${id}`, other)).statusCode).toBe(404);
      const cancel = await call('POST', `/api/reservations/${id}/cancel`, other, {});
      expect(cancel.statusCode).toBe(404);
      expect(cancel.json().error.code).toBe('RESERVATION_NOT_FOUND');
    }
    expect((await call('GET', `/api/reservations/${r1.id}`)).statusCode).toBe(401);
  });

  it('cancels a hold at once and returns its seats; a second cancel is refused', async () => {
    const f = await createEventFixture(svc.ctx.db);
    const buyer = await svc.issuer.user('user');
    const r = (await bookSeats(buyer, f.eventId, { seatIds: [f.rows.A![0]!] })).json().reservation;
    const res = await call('POST', `/api/reservations/${r.id}/cancel`, buyer, { reason: 'changed my mind' });
    expect(res.statusCode).toBe(200);
    expect(res.json().reservation.status).toBe('cancelled');
    expect((await seatStatuses(f.eventId))[f.rows.A![0]!]).toBe('available');
    expect((await outbox('reservation.cancelled', r.id))[0].data).toMatchObject({
      reason: 'changed my mind',
      seatCount: 1,
    });
    const again = await call('POST', `/api/reservations/${r.id}/cancel`, buyer, {});
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('RESERVATION_NOT_CANCELLABLE');
  });

  it('expires an unpaid hold, returns its seats and refuses it on every route', async () => {
    const f = await createEventFixture(svc.ctx.db, { holdMinutes: 5 });
    const buyer = await svc.issuer.user('user');
    const r = (await bookSeats(buyer, f.eventId, { seatIds: f.rows.B!.slice(0, 2) })).json().reservation;
    clock.advance(5 * 60_000 + 1_000);
    await eventually(
      async () =>
        expect((await call('GET', `/api/reservations/${r.id}`, buyer)).json().reservation.status).toBe(
          'expired',
        ),
      5_000,
    );
    const map = await seatStatuses(f.eventId);
    expect([map[f.rows.B![0]!], map[f.rows.B![1]!]]).toEqual(['available', 'available']);
    expect(await outbox('reservation.expired', r.id)).toHaveLength(1);
    expect((await call('POST', `/api/reservations/${r.id}/cancel`, buyer, {})).json().error.code).toBe(
      'RESERVATION_NOT_CANCELLABLE',
    );
    const started = await call('POST', `/internal/reservations/${r.id}/payment-started`, undefined, {
      paymentId: 'pay_1',
      ttlSeconds: 600,
    });
    expect(started.statusCode).toBe(409);
    expect(started.json().error.code).toBe('RESERVATION_EXPIRED');
    const confirm = await call('POST', `/internal/reservations/${r.id}/confirm`, undefined, {
      paymentId: 'pay_1',
    });
    expect(confirm.statusCode).toBe(409);
    expect(confirm.json().error.code).toBe('RESERVATION_EXPIRED');
    // Unknown ids: 404 on every internal route; the internal token is required.
    const unknown = newId('rsv');
    for (const [method, path, body] of [
      ['GET', '', undefined],
      ['POST', '/payment-started', { paymentId: 'p', ttlSeconds: 60 }],
      ['POST', '/payment-released', { paymentId: 'p' }],
      ['POST', '/confirm', { paymentId: 'p' }],
      ['POST', '/refunded', { paymentId: 'p', amount: 1 }],
    ] as const) {
      const res = await call(method, `/internal/reservations/${unknown}${path}`, undefined, body);
      expect(res.statusCode, path).toBe(404);
      expect(res.json().error.code).toBe('RESERVATION_NOT_FOUND');
    }
    expect((await svc.app.inject({ method: 'GET', url: `/internal/reservations/${r.id}` })).statusCode).toBe(
      403,
    );
  });

  it('cancel racing expiry: exactly one wins for every reservation', async () => {
    const f = await createEventFixture(svc.ctx.db, {
      rows: 1,
      seatsPerRow: 10,
      seatLimit: 10,
      holdMinutes: 1,
    });
    const buyers = await Promise.all(f.seatIds.map(() => svc.issuer.user('user')));
    const held = await Promise.all(
      f.seatIds.map(
        async (seat, i) => (await bookSeats(buyers[i]!, f.eventId, { seatIds: [seat] })).json().reservation,
      ),
    );
    clock.advance(60_000 + 1_000);
    const { workers } = bookingInstance(svc.ctx);
    const [cancels] = await Promise.all([
      Promise.all(held.map((r, i) => call('POST', `/api/reservations/${r.id}/cancel`, buyers[i], {}))),
      workers!.sweep(),
      workers!.sweep(),
    ]);
    await workers!.sweep();
    for (const [i, r] of held.entries()) {
      const final = (await call('GET', `/api/reservations/${r.id}`, buyers[i])).json().reservation.status;
      expect(['cancelled', 'expired']).toContain(final);
      expect(cancels[i]!.statusCode).toBe(final === 'cancelled' ? 200 : 409);
      const facts = [
        ...(await outbox('reservation.cancelled', r.id)),
        ...(await outbox('reservation.expired', r.id)),
      ];
      expect(facts).toHaveLength(1);
    }
    expect(Object.values(await seatStatuses(f.eventId)).every((s) => s === 'available')).toBe(true);
  });
});

describe('internal API for payments', () => {
  it('a payment lease keeps a hold past its expiry; confirm sells the seats and is idempotent', async () => {
    const f = await createEventFixture(svc.ctx.db, { holdMinutes: 2 });
    const buyer = await svc.issuer.user('user', { email: 'buyer@test.tiketi', name: 'Kim Buyer' });
    const r = (await bookSeats(buyer, f.eventId, { seatIds: f.rows.A!.slice(0, 2) })).json().reservation;
    const details = await call('GET', `/internal/reservations/${r.id}`);
    expect(details.json()).toMatchObject({
      reservation: {
        id: r.id,
        userEmail: 'buyer@test.tiketi',
        userName: 'Kim Buyer',
        status: 'pending',
        amount: 240_000,
        paymentId: null,
      },
      event: { id: f.eventId, title: 'Race Night', venueName: 'Olympic Hall', refundPolicyId: 'standard' },
    });
    const started = await call('POST', `/internal/reservations/${r.id}/payment-started`, undefined, {
      paymentId: 'pay_A',
      ttlSeconds: 600,
    });
    expect(started.statusCode).toBe(200);
    clock.advance(3 * 60_000);
    await bookingInstance(svc.ctx).workers!.sweep();
    expect((await call('GET', `/internal/reservations/${r.id}`)).json().reservation.status).toBe('pending');
    const confirmed = await call('POST', `/internal/reservations/${r.id}/confirm`, undefined, {
      paymentId: 'pay_A',
    });
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.json().reservation).toMatchObject({ status: 'confirmed', paymentId: 'pay_A' });
    expect(
      (await call('POST', `/internal/reservations/${r.id}/confirm`, undefined, { paymentId: 'pay_A' })).json()
        .reservation.status,
    ).toBe('confirmed');
    const otherPayment = await call('POST', `/internal/reservations/${r.id}/confirm`, undefined, {
      paymentId: 'pay_B',
    });
    expect(otherPayment.statusCode).toBe(409);
    expect(otherPayment.json().error.code).toBe('RESERVATION_NOT_PENDING');
    expect(
      (
        await call('POST', `/internal/reservations/${r.id}/payment-started`, undefined, {
          paymentId: 'pay_B',
          ttlSeconds: 60,
        })
      ).json().error.code,
    ).toBe('RESERVATION_NOT_PENDING');
    expect(await outbox('reservation.confirmed', r.id)).toHaveLength(1);
    expect(
      Object.entries(await seatStatuses(f.eventId))
        .filter(([, s]) => s === 'sold')
        .map(([id]) => id)
        .sort(),
    ).toEqual(f.rows.A!.slice(0, 2).sort());
    const ops = await call('GET', '/internal/ops');
    expect(ops.statusCode).toBe(200);
    expect(ops.json().salesPerMinute).toBeGreaterThanOrEqual(2);

    // A paid cancel goes to the payment service; while it is unreachable nothing changes.
    const cancel = await call('POST', `/api/reservations/${r.id}/cancel`, buyer, {});
    expect(cancel.statusCode).toBe(503);
    expect((await call('GET', `/api/reservations/${r.id}`, buyer)).json().reservation.status).toBe(
      'confirmed',
    );

    // Refunds: one seat, then the rest; each is idempotent.
    const partial = { paymentId: 'pay_A', amount: 100_000, seatIds: [f.rows.A![0]!] };
    const p1 = await call('POST', `/internal/reservations/${r.id}/refunded`, undefined, partial);
    expect(p1.json().reservation).toMatchObject({ status: 'partially_refunded', refundedAmount: 100_000 });
    expect(
      (await call('POST', `/internal/reservations/${r.id}/refunded`, undefined, partial)).json().reservation
        .refundedAmount,
    ).toBe(100_000);
    expect((await seatStatuses(f.eventId))[f.rows.A![0]!]).toBe('available');
    const full = await call('POST', `/internal/reservations/${r.id}/refunded`, undefined, {
      paymentId: 'pay_A',
      amount: 120_000,
    });
    expect(full.json().reservation).toMatchObject({ status: 'refunded', refundedAmount: 220_000 });
    expect((await seatStatuses(f.eventId))[f.rows.A![1]!]).toBe('available');
    expect((await outbox('reservation.refunded', r.id)).map((e) => e.data.partial)).toEqual([true, false]);
  });

  it('a cancellation fee given back later is recorded on the refunded booking once; reports out of order end at the payment total', async () => {
    const f = await createEventFixture(svc.ctx.db);
    const buyer = await svc.issuer.user('user');
    const confirmed = async (seatIds: string[], paymentId: string) => {
      const r = (await bookSeats(buyer, f.eventId, { seatIds })).json().reservation;
      await call('POST', `/internal/reservations/${r.id}/payment-started`, undefined, {
        paymentId,
        ttlSeconds: 600,
      });
      expect(
        (await call('POST', `/internal/reservations/${r.id}/confirm`, undefined, { paymentId })).statusCode,
      ).toBe(200);
      return r as { id: string; amount: number };
    };
    const refunded = (id: string, body: Record<string, unknown>) =>
      call('POST', `/internal/reservations/${id}/refunded`, undefined, body);

    // Cancelled by the buyer with a 30% fee, then the fee back when the organiser cancels.
    const one = await confirmed([f.rows.A![0]!], 'pay_fee');
    expect(one.amount).toBe(120_000);
    const first = await refunded(one.id, { paymentId: 'pay_fee', amount: 84_000, refundedTotal: 84_000 });
    expect(first.json().reservation).toMatchObject({ status: 'refunded', refundedAmount: 84_000 });
    const fee = { paymentId: 'pay_fee', amount: 36_000, refundedTotal: 120_000 };
    expect((await refunded(one.id, fee)).json().reservation).toMatchObject({
      status: 'refunded',
      refundedAmount: 120_000,
    });
    expect((await refunded(one.id, fee)).json().reservation.refundedAmount).toBe(120_000);
    // A report without the payment's total cannot say what is new for a refunded booking: nothing moves.
    expect(
      (await refunded(one.id, { paymentId: 'pay_fee', amount: 5_000 })).json().reservation.refundedAmount,
    ).toBe(120_000);
    expect((await outbox('reservation.refunded', one.id)).map((e) => e.data)).toEqual([
      expect.objectContaining({ amount: 84_000, partial: false, seatCount: 1 }),
      expect.objectContaining({ amount: 36_000, partial: false, seatCount: 0, seatIds: [] }),
    ]);

    // The fee's report arrives before the refund it follows (the bus keeps no order between them).
    const two = await confirmed([f.rows.A![1]!, f.rows.A![2]!], 'pay_order');
    const late = await refunded(two.id, { paymentId: 'pay_order', amount: 48_000, refundedTotal: 240_000 });
    expect(late.json().reservation).toMatchObject({ status: 'refunded', refundedAmount: 240_000 });
    const early = await refunded(two.id, { paymentId: 'pay_order', amount: 192_000, refundedTotal: 192_000 });
    expect(early.json().reservation).toMatchObject({ status: 'refunded', refundedAmount: 240_000 });
    expect(await outbox('reservation.refunded', two.id)).toHaveLength(1);
  });

  it('a released payment lease lets the hold expire again', async () => {
    const f = await createEventFixture(svc.ctx.db, { holdMinutes: 1 });
    const buyer = await svc.issuer.user('user');
    const r = (await bookSeats(buyer, f.eventId, { seatIds: [f.rows.A![5]!] })).json().reservation;
    await call('POST', `/internal/reservations/${r.id}/payment-started`, undefined, {
      paymentId: 'pay_X',
      ttlSeconds: 600,
    });
    expect(
      (
        await call('POST', `/internal/reservations/${r.id}/payment-released`, undefined, {
          paymentId: 'pay_X',
        })
      ).statusCode,
    ).toBe(204);
    clock.advance(61_000);
    await bookingInstance(svc.ctx).workers!.sweep();
    expect((await call('GET', `/internal/reservations/${r.id}`)).json().reservation.status).toBe('expired');
  });

  it('payment.paid for a reservation its payment already confirmed is recorded once and changes nothing', async () => {
    const f = await createEventFixture(svc.ctx.db);
    const buyer = await svc.issuer.user('user');
    const paidFact = (reservationId: string, paymentId: string, amount: number) => ({
      id: newId('evn'),
      type: 'payment.paid',
      source: 'payment',
      occurredAt: new Date().toISOString(),
      data: {
        paymentId,
        reservationId,
        eventId: f.eventId,
        userId: buyer.id,
        method: 'sandbox',
        amount,
        occurredAt: new Date().toISOString(),
        paidAt: new Date().toISOString(),
      },
    });
    const r = (await bookSeats(buyer, f.eventId, { seatIds: [f.rows.B![6]!] })).json().reservation;
    const confirmed = await call('POST', `/internal/reservations/${r.id}/confirm`, undefined, {
      paymentId: 'pay_sync',
    });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    const late = paidFact(r.id, 'pay_sync', r.amount);
    await svc.bus.publish(late);
    // A fact that does need the transaction, behind it: once it is applied, the first one was handled.
    const other = (await bookSeats(buyer, f.eventId, { seatIds: [f.rows.B![7]!] })).json().reservation;
    const marker = paidFact(other.id, 'pay_marker', other.amount);
    await svc.bus.publish(marker);
    await eventually(async () =>
      expect((await call('GET', `/internal/reservations/${other.id}`)).json().reservation.status).toBe(
        'confirmed',
      ),
    );
    // Rows of the booking consumer only (the admin area's consumer records payment.paid too).
    const processed = async (eventId: string) =>
      (
        await svc.ctx.db
          .selectFrom('processed_events')
          .select('event_id')
          .where('event_id', '=', eventId)
          .where('consumer', '=', 'ticket.booking-payments')
          .execute()
      ).length;
    expect(await processed(marker.id)).toBe(1);
    expect(await processed(late.id)).toBe(1);
    expect(await outbox('reservation.confirmed', r.id)).toHaveLength(1);
    expect((await call('GET', `/internal/reservations/${r.id}`)).json().reservation).toMatchObject({
      status: 'confirmed',
      paymentId: 'pay_sync',
    });
  });

  it('the payment method operators see follows the latest payment.paid, repeated or out of order', async () => {
    const f = await createEventFixture(svc.ctx.db);
    const buyer = await svc.issuer.user('user');
    const r = (await bookSeats(buyer, f.eventId, { seatIds: [f.rows.B![8]!] })).json().reservation;
    const marked = (await bookSeats(buyer, f.eventId, { seatIds: [f.rows.B![9]!] })).json().reservation;
    const fact = (reservationId: string, paymentId: string, method: string, paidAt: string) => ({
      id: newId('evn'),
      type: 'payment.paid',
      source: 'payment',
      occurredAt: paidAt,
      data: {
        paymentId,
        reservationId,
        eventId: f.eventId,
        userId: buyer.id,
        method,
        amount: r.amount,
        occurredAt: paidAt,
        paidAt,
      },
    });
    const first = fact(r.id, 'pay_first', 'kakaopay', '2026-12-03T10:00:00.000Z');
    const second = fact(r.id, 'pay_second', 'naverpay', '2026-12-03T10:05:00.000Z');
    await svc.bus.publish(first);
    await svc.bus.publish(second);
    await svc.bus.publish(first); // re-delivered late: older than what is recorded, so it loses
    await svc.bus.publish(second); // re-delivered: writes what is there
    await svc.bus.publish(fact(marked.id, 'pay_marker', 'toss', '2026-12-03T10:06:00.000Z'));
    const methods = () =>
      svc.ctx.db
        .selectFrom('reservation_payment_methods')
        .select(['reservation_id', 'payment_id', 'method'])
        .where('reservation_id', 'in', [r.id, marked.id])
        .orderBy('reservation_id')
        .execute();
    // Each group reads in stream order: once the marker is recorded, every fact before it was handled.
    await eventually(async () => expect(await methods()).toHaveLength(2));
    const expected = [
      { reservation_id: r.id, payment_id: 'pay_second', method: 'naverpay' },
      { reservation_id: marked.id, payment_id: 'pay_marker', method: 'toss' },
    ].sort((a, b) => a.reservation_id.localeCompare(b.reservation_id));
    expect(await methods()).toEqual(expected);

    // The same facts read together are one statement, which may touch each row only once: a
    // batch the database refused would only be retried a fact at a time, so call it directly.
    await svc.ctx.db
      .deleteFrom('reservation_payment_methods')
      .where('reservation_id', 'in', [r.id, marked.id])
      .execute();
    const marker = fact(marked.id, 'pay_marker', 'toss', '2026-12-03T10:06:00.000Z');
    await recordPaymentMethods(svc.ctx.db, [second, first, second, first, marker]);
    expect(await methods()).toEqual(expected);
  });

  it('one statement finds which payment.paid facts of a batch are settled already, and records only those', async () => {
    const f = await createEventFixture(svc.ctx.db);
    const buyer = await svc.issuer.user('user');
    const settledOne = (await bookSeats(buyer, f.eventId, { seatIds: [f.rows.A![1]!] })).json().reservation;
    const pendingOne = (await bookSeats(buyer, f.eventId, { seatIds: [f.rows.A![2]!] })).json().reservation;
    const confirmed = await call('POST', `/internal/reservations/${settledOne.id}/confirm`, undefined, {
      paymentId: 'pay_settled',
    });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    const facts = [
      { eventId: newId('evn'), reservationId: settledOne.id, paymentId: 'pay_settled' },
      { eventId: newId('evn'), reservationId: pendingOne.id, paymentId: 'pay_pending' },
      // Confirmed, but by another payment: that one still has work to do (a refund, elsewhere).
      { eventId: newId('evn'), reservationId: settledOne.id, paymentId: 'pay_other' },
      { eventId: newId('evn'), reservationId: settledOne.id, paymentId: 'pay_settled' },
    ];
    const settled = await recordPaidIfSettled(svc.ctx.db, 'test.settled', facts);
    expect([...settled].sort()).toEqual([facts[0]!.eventId, facts[3]!.eventId].sort());
    const recorded = await svc.ctx.db
      .selectFrom('processed_events')
      .select('event_id')
      .where('consumer', '=', 'test.settled')
      .execute();
    expect(recorded.map((r) => r.event_id).sort()).toEqual([...settled].sort());
    expect((await call('GET', `/internal/reservations/${pendingOne.id}`)).json().reservation.status).toBe(
      'pending',
    );
  });

  it('seat-change listeners run at least 100 ms apart under a burst of holds, and see the last of them', async () => {
    const f = await createEventFixture(svc.ctx.db, { rows: 2, seatsPerRow: 10, seatLimit: 10 });
    const buyers = await Promise.all(Array.from({ length: 4 }, () => svc.issuer.user('user')));
    const runs: Array<{ at: number; held: number }> = [];
    const listeners = bookingInstance(svc.ctx).runtime.shared.seatsChanged;
    const listener = async (eventId: string) => {
      if (eventId !== f.eventId) return;
      const at = Date.now();
      runs.push({
        at,
        held: Object.values(await seatStatuses(f.eventId)).filter((s) => s === 'held').length,
      });
    };
    listeners.unshift(listener); // first, so its clock reads when the run starts
    try {
      const seats = [...f.rows.A!, ...f.rows.B!].slice(0, 16);
      const held = await Promise.all(
        seats.map((seatId, i) => bookSeats(buyers[i % buyers.length]!, f.eventId, { seatIds: [seatId] })),
      );
      expect(held.map((r) => r.statusCode)).toEqual(seats.map(() => 201));
      // The sold-out flag must not miss the last hold: some run started after it committed.
      await eventually(() => expect(runs.at(-1)?.held).toBe(seats.length), 5_000);
      await new Promise((r) => setTimeout(r, 300));
      for (let i = 1; i < runs.length; i++) expect(runs[i]!.at - runs[i - 1]!.at).toBeGreaterThanOrEqual(95);
    } finally {
      listeners.splice(listeners.indexOf(listener), 1);
    }
  });

  it('payment.paid and payment.refunded from the bus confirm and refund once', async () => {
    const f = await createEventFixture(svc.ctx.db);
    const buyer = await svc.issuer.user('user');
    const r = (await bookSeats(buyer, f.eventId, { seatIds: [f.rows.B![4]!] })).json().reservation;
    const base = {
      paymentId: 'pay_bus',
      reservationId: r.id,
      eventId: f.eventId,
      userId: buyer.id,
      method: 'sandbox',
      amount: r.amount,
      occurredAt: new Date().toISOString(),
    };
    const paid = {
      id: newId('evn'),
      type: 'payment.paid',
      source: 'payment',
      occurredAt: base.occurredAt,
      data: { ...base, paidAt: base.occurredAt },
    };
    await svc.bus.publish(paid);
    await svc.bus.publish(paid);
    await eventually(async () =>
      expect((await call('GET', `/internal/reservations/${r.id}`)).json().reservation.status).toBe(
        'confirmed',
      ),
    );
    const refundedEvent = {
      id: newId('evn'),
      type: 'payment.refunded',
      source: 'payment',
      occurredAt: base.occurredAt,
      data: { ...base, refundedTotal: r.amount, fee: 0, status: 'refunded' },
    };
    await svc.bus.publish(refundedEvent);
    await svc.bus.publish(refundedEvent);
    await eventually(async () =>
      expect((await call('GET', `/internal/reservations/${r.id}`)).json().reservation.status).toBe(
        'refunded',
      ),
    );
    expect(await outbox('reservation.confirmed', r.id)).toHaveLength(1);
    expect(await outbox('reservation.refunded', r.id)).toHaveLength(1);
    expect((await seatStatuses(f.eventId))[f.rows.B![4]!]).toBe('available');
  });
});
