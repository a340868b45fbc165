import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import type { TestService } from '@tiketi/testing';
import type { TicketConfig } from '@tiketi/ticket';
import { checkIn as checkInRepo } from '../../services/ticket/src/entry/entry.repository';
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

/**
 * TEST DOUBLE of the payment service's GET /internal/refunds/:id, which the gate asks when it finds
 * a ticket claimed by a refund (the real route: services/payment, internal.routes.ts).
 */
const refundStates = new Map<string, 'pending' | 'done' | 'failed'>();
let paymentDown = false;
const paymentDouble = Fastify({ logger: false, forceCloseConnections: true });
paymentDouble.get('/internal/refunds/:id', async (request, reply) => {
  const { id } = request.params as { id: string };
  if (paymentDown) return reply.status(503).send({ error: { code: 'UNAVAILABLE', message: 'down' } });
  const status = refundStates.get(id);
  if (!status)
    return reply.status(404).send({ error: { code: 'REFUND_NOT_FOUND', message: 'no such refund' } });
  return { refund: { id, paymentId: 'pay_double', status } };
});

beforeAll(async () => {
  const url = await paymentDouble.listen({ port: 0, host: '127.0.0.1' });
  svc = await startTicketAlone(clock, { PAYMENT_URL: url });
});
afterAll(async () => {
  await svc?.close();
  await paymentDouble.close();
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

const claim = (id: string, refundId: string, usedTicketOk?: boolean) =>
  inject('POST', `/internal/reservations/${id}/refund-claim`, internal, {
    refundId,
    ...(usedTicketOk !== undefined ? { usedTicketOk } : {}),
  });
const release = (id: string, refundId: string) =>
  svc.app.inject({
    method: 'DELETE',
    url: `/internal/reservations/${id}/refund-claim/${refundId}`,
    headers: internal,
  });

/** A paid booking, its pass's code and its seats, for the refund-claim tests. */
async function ticket(quantity = 2) {
  const f = await createEventFixture(svc.ctx.db);
  const buyer = await svc.issuer.user();
  const id = await paidBooking(f, buyer, quantity);
  const code = (await pass(id, buyer)).json().pass.code as string;
  const held = (await inject('GET', `/internal/reservations/${id}`, internal)).json().reservation;
  return { id, code, seats: held.seats as Array<{ id: string; price: number }> };
}

describe('a ticket whose refund is under way', () => {
  it('is not admitted until that refund is reported; another refund cannot end the claim', async () => {
    const admin = await svc.issuer.user('admin');
    const { id, code, seats } = await ticket(2);
    refundStates.set('rfd_claimA', 'pending');
    expect((await claim(id, 'rfd_claimA')).statusCode).toBe(204);
    const refused = await checkIn(admin, { code });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({
      code: 'REFUND_IN_PROGRESS',
      details: { status: 'confirmed' },
    });

    expect((await release(id, 'rfd_other')).statusCode).toBe(204);
    expect((await checkIn(admin, { code })).json().error.code).toBe('REFUND_IN_PROGRESS');

    // The refund gives one seat back and is reported with its id: the other seat admits.
    const reported = await inject('POST', `/internal/reservations/${id}/refunded`, internal, {
      paymentId: `pay_${id}`,
      amount: seats[0]!.price,
      seatIds: [seats[0]!.id],
      refundId: 'rfd_claimA',
    });
    expect(reported.json().reservation.status).toBe('partially_refunded');
    const admitted = await checkIn(admin, { code });
    expect(admitted.statusCode, admitted.body).toBe(200);
    expect(admitted.json().seats).toHaveLength(1);
  });

  it("is refused to a buyer's refund once the gate admitted it; an operator's refund may still claim it", async () => {
    const admin = await svc.issuer.user('admin');
    const { id, code } = await ticket(1);
    expect((await checkIn(admin, { code })).statusCode).toBe(200);
    const refused = await claim(id, 'rfd_used');
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({
      code: 'TICKET_USED',
      details: { checkedInAt: expect.any(String) },
    });
    expect((await claim(id, 'rfd_used', true)).statusCode).toBe(204);
    expect((await claim('rsv_nope', 'rfd_used')).statusCode).toBe(404);
    expect((await claim(id, 'not a refund id!')).statusCode).toBe(400);
  });

  it('of a claim and a scan at once, exactly one wins', async () => {
    const admin = await svc.issuer.user('admin');
    for (let i = 0; i < 8; i++) {
      const { id, code } = await ticket(1);
      refundStates.set(`rfd_race${i}`, 'pending');
      const [claimed, scanned] = await Promise.all([claim(id, `rfd_race${i}`), checkIn(admin, { code })]);
      const outcome = [claimed.statusCode === 204, scanned.statusCode === 200];
      expect(outcome, `${claimed.body} ${scanned.body}`).toContainEqual(true);
      expect(outcome).toContainEqual(false);
      expect(claimed.statusCode === 204 ? scanned.json().error.code : claimed.json().error.code).toBe(
        claimed.statusCode === 204 ? 'REFUND_IN_PROGRESS' : 'TICKET_USED',
      );
    }
  });

  it('admits again once payment says the refund failed or never began; stays shut while payment cannot say or the report is on its way', async () => {
    const admin = await svc.issuer.user('admin');
    const failed = await ticket(1);
    refundStates.set('rfd_failed', 'failed');
    await claim(failed.id, 'rfd_failed');
    expect((await checkIn(admin, { code: failed.code })).statusCode).toBe(200);

    const unknown = await ticket(1);
    await claim(unknown.id, 'rfd_never');
    expect((await checkIn(admin, { code: unknown.code })).statusCode).toBe(200);

    const done = await ticket(1);
    refundStates.set('rfd_done', 'done');
    await claim(done.id, 'rfd_done');
    expect((await checkIn(admin, { code: done.code })).json().error.code).toBe('REFUND_IN_PROGRESS');

    const silent = await ticket(1);
    refundStates.set('rfd_silent', 'failed');
    await claim(silent.id, 'rfd_silent');
    paymentDown = true;
    try {
      expect((await checkIn(admin, { code: silent.code })).json().error.code).toBe('REFUND_IN_PROGRESS');
    } finally {
      paymentDown = false;
    }
    expect((await checkIn(admin, { code: silent.code })).statusCode).toBe(200);
  });
});

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

  it('admits nobody to a cancelled event, whose refunds may not all have run yet', async () => {
    const admin = await svc.issuer.user('admin');
    const { id, code } = await ticket(1);
    const eventId = (await inject('GET', `/internal/reservations/${id}`, internal)).json().reservation
      .eventId;
    const cancelled = await inject('POST', `/api/events/${eventId}/cancel`, admin.headers, {
      reason: 'storm',
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    const refused = await checkIn(admin, { code });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({ code: 'EVENT_CANCELLED', details: { status: 'confirmed' } });
  });

  it('each seat has its own pass: a group enters apart, the booking pass admits the rest, a companion sees the seat and nothing of the buyer', async () => {
    const f = await createEventFixture(svc.ctx.db);
    const buyer = await svc.issuer.user('user', { name: 'Seat Buyer' });
    const admin = await svc.issuer.user('admin');
    const id = await paidBooking(f, buyer, 3);
    const first = (await pass(id, buyer)).json().pass;
    expect(first.seatPasses).toHaveLength(3);
    expect(first.seatPasses.map((s: { label: string }) => s.label)).toEqual(first.seats);
    const codes = first.seatPasses.map((s: { code: string }) => s.code) as string[];
    for (const c of codes) expect(c).toMatch(/^TKT-[0-9A-HJKMNP-TV-Z]{24}$/);
    expect(new Set([...codes, first.code]).size).toBe(4);
    expect((await pass(id, buyer)).json().pass.seatPasses).toEqual(first.seatPasses);

    // Sent to a companion: the seat's page needs no account and says nothing of the buyer.
    const companion = await svc.app.inject({ method: 'GET', url: `/api/passes/${codes[0]!.toLowerCase()}` });
    expect(companion.statusCode, companion.body).toBe(200);
    expect(companion.headers['cache-control']).toBe('no-store');
    expect(companion.json().pass).toEqual({
      code: codes[0],
      event: expect.objectContaining({ id: f.eventId, title: 'Race Night', venueName: 'Olympic Hall' }),
      seat: first.seats[0],
      checkedInAt: null,
    });
    expect(companion.body).not.toContain('Seat Buyer');
    expect(companion.body).not.toContain(buyer.email);
    expect(companion.body).not.toContain(first.code);
    const notASeat = await svc.app.inject({ method: 'GET', url: `/api/passes/${first.code}` });
    expect(notASeat.statusCode).toBe(404);
    expect(notASeat.json().error.code).toBe('PASS_NOT_FOUND');

    const companionIn = await checkIn(admin, { code: codes[0]!, eventId: f.eventId });
    expect(companionIn.statusCode, companionIn.body).toBe(200);
    expect(companionIn.json()).toMatchObject({ reservationId: id, seats: [first.seats[0]] });
    const twice = await checkIn(admin, { code: codes[0]! });
    expect(twice.json().error).toMatchObject({
      code: 'ALREADY_CHECKED_IN',
      details: { checkedInAt: companionIn.json().checkedInAt },
    });
    const attendance = async () =>
      (await inject('GET', `/api/admin/entry/events/${f.eventId}`, admin.headers)).json();
    expect(await attendance()).toMatchObject({ tickets: 1, admitted: 1, seats: 3, seatsAdmitted: 1 });
    // The operator's view of the booking says which seat is in.
    const seen = (await inject('GET', `/api/admin/reservations?q=${id}`, admin.headers)).json().items[0];
    expect(
      Object.fromEntries(
        seen.seats.map((s: { label: string; checkedInAt: string | null }) => [s.label, s.checkedInAt]),
      ),
    ).toEqual({
      [first.seats[0]]: companionIn.json().checkedInAt,
      [first.seats[1]]: null,
      [first.seats[2]]: null,
    });
    // Someone of the booking is inside: its buyer can no longer cancel it.
    expect(
      (await inject('POST', `/api/reservations/${id}/cancel`, buyer.headers, {})).json().error.code,
    ).toBe('TICKET_USED');

    clock.advance(60_000);
    const rest = await checkIn(admin, { code: first.code });
    expect(rest.statusCode, rest.body).toBe(200);
    expect(rest.json().seats).toEqual(first.seats.slice(1));
    expect(await attendance()).toMatchObject({ admitted: 1, seatsAdmitted: 3 });
    expect((await checkIn(admin, { code: first.code })).json().error.code).toBe('ALREADY_CHECKED_IN');
    expect((await checkIn(admin, { code: codes[2]! })).json().error).toMatchObject({
      code: 'ALREADY_CHECKED_IN',
      details: { checkedInAt: rest.json().checkedInAt },
    });
    const after = (await pass(id, buyer)).json().pass;
    // The booking was first used when the companion went in.
    expect(after.checkedInAt).toBe(companionIn.json().checkedInAt);
    expect(after.seatPasses.map((s: { checkedInAt: string }) => s.checkedInAt)).toEqual([
      companionIn.json().checkedInAt,
      rest.json().checkedInAt,
      rest.json().checkedInAt,
    ]);
  });

  it("a seat's pass sent to the wrong person is given a new code; the old one shows nothing and admits nobody", async () => {
    const f = await createEventFixture(svc.ctx.db);
    const buyer = await svc.issuer.user();
    const admin = await svc.issuer.user('admin');
    const id = await paidBooking(f, buyer, 2);
    const [seat] = (await pass(id, buyer)).json().pass.seatPasses as Array<{ seatId: string; code: string }>;
    const reissue = (seatId: string, who: User = buyer) =>
      inject('POST', `/api/reservations/${id}/seats/${seatId}/pass`, who.headers);
    const fresh = await reissue(seat!.seatId);
    expect(fresh.statusCode, fresh.body).toBe(200);
    const renewed = fresh.json().pass.seatPasses.find((s: { seatId: string }) => s.seatId === seat!.seatId);
    expect(renewed.code).toMatch(/^TKT-/);
    expect(renewed.code).not.toBe(seat!.code);
    expect((await svc.app.inject({ method: 'GET', url: `/api/passes/${seat!.code}` })).statusCode).toBe(404);
    const old = await checkIn(admin, { code: seat!.code });
    expect(old.statusCode).toBe(404);
    expect(old.json().error.code).toBe('TICKET_NOT_FOUND');
    expect((await reissue(seat!.seatId, await svc.issuer.user())).statusCode).toBe(404);
    const unknown = await reissue('seat_nope');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('SEAT_NOT_FOUND');

    // A gate that looked the old code up just before the change: its admission names the old code, and admits nobody.
    const stale = await checkInRepo(
      svc.ctx.db,
      { reservationId: id, seatId: seat!.seatId, seatCode: seat!.code },
      undefined,
      admin.id,
      new Date(),
    );
    expect(stale).toEqual([]);
    expect((await checkIn(admin, { code: renewed.code })).statusCode).toBe(200);
    const late = await reissue(seat!.seatId);
    expect(late.statusCode).toBe(409);
    expect(late.json().error).toMatchObject({
      code: 'SEAT_ALREADY_IN',
      details: { checkedInAt: expect.any(String) },
    });
  });

  it("a refunded seat's pass admits nobody and shows no more; the booking's other seats still enter", async () => {
    const admin = await svc.issuer.user('admin');
    const { id, code, seats } = await ticket(2);
    const seatCodes = (await inject('GET', `/api/reservations/${id}/pass`, admin.headers)).json().pass
      .seatPasses as Array<{ seatId: string; code: string }>;
    const gone = seatCodes.find((s) => s.seatId === seats[0]!.id)!;
    const kept = seatCodes.find((s) => s.seatId === seats[1]!.id)!;
    const refunded = await inject('POST', `/internal/reservations/${id}/refunded`, internal, {
      paymentId: `pay_${id}`,
      amount: seats[0]!.price,
      seatIds: [seats[0]!.id],
    });
    expect(refunded.json().reservation.status).toBe('partially_refunded');
    const refused = await checkIn(admin, { code: gone.code });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({
      code: 'TICKET_NOT_VALID',
      details: { status: 'seat_refunded' },
    });
    const page = await svc.app.inject({ method: 'GET', url: `/api/passes/${gone.code}` });
    expect(page.statusCode).toBe(409);
    expect(page.json().error).toMatchObject({
      code: 'PASS_UNAVAILABLE',
      details: { status: 'seat_refunded' },
    });
    expect(
      (await inject('GET', `/api/reservations/${id}/pass`, admin.headers)).json().pass.seatPasses,
    ).toEqual([expect.objectContaining({ seatId: kept.seatId, code: kept.code })]);
    expect((await checkIn(admin, { code: kept.code })).statusCode).toBe(200);
    expect((await checkIn(admin, { code })).json().error.code).toBe('ALREADY_CHECKED_IN');
  });

  it("of a refund's claim and a seat's scan at once exactly one wins; scans of one booking's passes at once admit each seat once", async () => {
    const admin = await svc.issuer.user('admin');
    for (let i = 0; i < 6; i++) {
      const { id } = await ticket(2);
      const seatCode = (await inject('GET', `/api/reservations/${id}/pass`, admin.headers)).json().pass
        .seatPasses[0].code as string;
      refundStates.set(`rfd_seat${i}`, 'pending');
      const [claimed, scanned] = await Promise.all([
        claim(id, `rfd_seat${i}`),
        checkIn(admin, { code: seatCode }),
      ]);
      const won = [claimed.statusCode === 204, scanned.statusCode === 200];
      expect(won.filter(Boolean), `${claimed.body} ${scanned.body}`).toHaveLength(1);
      expect(claimed.statusCode === 204 ? scanned.json().error.code : claimed.json().error.code).toBe(
        claimed.statusCode === 204 ? 'REFUND_IN_PROGRESS' : 'TICKET_USED',
      );
    }
    for (let i = 0; i < 4; i++) {
      const { id, code } = await ticket(3);
      const seatPasses = (await inject('GET', `/api/reservations/${id}/pass`, admin.headers)).json().pass
        .seatPasses as Array<{ label: string; code: string }>;
      const scans = await Promise.all(
        [code, ...seatPasses.map((s) => s.code), code].map((c) => checkIn(admin, { code: c })),
      );
      const admitted = scans.filter((s) => s.statusCode === 200).flatMap((s) => s.json().seats as string[]);
      expect(admitted.sort()).toEqual(seatPasses.map((s) => s.label).sort());
      for (const s of scans.filter((x) => x.statusCode !== 200))
        expect(s.json().error.code).toBe('ALREADY_CHECKED_IN');
    }
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
