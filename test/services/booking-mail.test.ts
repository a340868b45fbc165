import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Counter } from 'prom-client';
import type { EventEnvelope } from '@tiketi/platform';
import { eventually, startSmtpRelay, type SmtpRelay, type TestService } from '@tiketi/testing';
import type { TicketConfig } from '@tiketi/ticket';
import { oweEventChanged } from '../../services/ticket/src/notify/owed-mails.repository';
import { bookingMailWorker, retryDelayMs } from '../../services/ticket/src/notify/booking-mail.worker';
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
let relay: SmtpRelay;
const seen: EventEnvelope[] = [];
type User = Awaited<ReturnType<TestService['issuer']['user']>>;

beforeAll(async () => {
  relay = await startSmtpRelay();
  svc = await startTicketAlone(clock, {
    SMTP_URL: relay.url,
    PUBLIC_WEB_URL: 'https://tickets.example.kr',
    BOOKING_MAIL_PER_SECOND: '5',
  });
  await svc.bus.subscribe(
    { group: 'test.booking-mail-facts', types: ['reservation.confirmed', 'reservation.refunded'] },
    async (event) => {
      seen.push(event);
    },
  );
});
afterAll(async () => {
  await svc?.close();
  await relay?.close();
});

const inject = (url: string, headers: Record<string, string>, payload: object) =>
  svc.app.inject({ method: 'POST', url, headers, payload });

/** A booking of these seats, paid as the payment service confirms one. */
async function paidBooking(
  f: EventFixture,
  buyer: User,
  seatIds: string[],
): Promise<{ id: string; amount: number }> {
  const held = await inject('/api/tickets/book', buyer.headers, { eventId: f.eventId, seatIds });
  expect(held.statusCode, held.body).toBe(201);
  const { id, amount } = held.json().reservation as { id: string; amount: number };
  await confirmAsPayment(svc, id);
  return { id, amount };
}

const outcome = async (result: string): Promise<number> => {
  const metric = svc.ctx.metrics.getSingleMetric('ticket_booking_mails_total') as Counter<'kind' | 'result'>;
  const { values } = await metric.get();
  return values.filter((v) => v.labels.result === result).reduce((n, v) => n + v.value, 0);
};
const worker = () => bookingMailWorker(svc.ctx);
const mailsTo = (email: string) => relay.mail.filter((m) => m.to === email);
/** Lets redeliveries and relay retries run their course before counting what arrived. */
const quiet = () => new Promise((resolve) => setTimeout(resolve, 500));

describe('booking mail', () => {
  it('mails the buyer once a booking is paid: event, time in KST, venue, seats, amount, booking link', async () => {
    const f = await createEventFixture(svc.ctx.db, { price: 66_000 });
    const buyer = await svc.issuer.user('user', { name: '이서연' });
    const booking = await paidBooking(f, buyer, [f.rows.B![2]!, f.rows.B![3]!]);
    await eventually(() => expect(mailsTo(buyer.email)).toHaveLength(1));
    const [mail] = mailsTo(buyer.email);
    expect(mail!.subject).toBe('[TIKETI] 예매 완료 · Booking confirmed: Race Night');
    expect(mail!.text).toContain('이서연님, 예매가 완료되었습니다.');
    expect(mail!.text).toContain('좌석: R-B3, R-B4');
    expect(mail!.text).toContain('결제 금액: 132,000원');
    expect(mail!.text).toContain('Paid: KRW 132,000');
    expect(mail!.text).toContain('장소: Olympic Hall');
    expect(mail!.text).toContain(`예매 번호: ${booking.id}`);
    expect(mail!.text).toContain(`https://tickets.example.kr/my/reservations/${booking.id}`);
    expect(mail!.text).toMatch(/When: .+ KST/);
    expect(mail!.html).toContain(`href="https://tickets.example.kr/my/reservations/${booking.id}"`);
    expect(booking.amount).toBe(132_000);
  });

  it('sends one mail per fact however often the fact arrives', async () => {
    const f = await createEventFixture(svc.ctx.db);
    const buyer = await svc.issuer.user('user');
    const booking = await paidBooking(f, buyer, [f.rows.B![0]!]);
    await eventually(() => expect(mailsTo(buyer.email)).toHaveLength(1));
    const fact = seen.find(
      (e) => e.type === 'reservation.confirmed' && (e.data as any).reservationId === booking.id,
    );
    expect(fact).toBeDefined();
    // Again while the first delivery may still be recording it, and after.
    await Promise.all([svc.bus.publish(fact!), svc.bus.publish(fact!)].map((p) => p.catch(() => undefined)));
    await svc.bus.publish(fact!).catch(() => undefined);
    await quiet();
    expect(mailsTo(buyer.email)).toHaveLength(1);
  });

  it('tries a refused mail again later, and sends it once the relay takes it', async () => {
    const f = await createEventFixture(svc.ctx.db);
    const buyer = await svc.issuer.user('user');
    const retriesBefore = await outcome('retry');
    relay.refusing.value = true;
    try {
      await paidBooking(f, buyer, [f.rows.B![1]!]);
      await eventually(async () => expect(await outcome('retry')).toBe(retriesBefore + 1));
      // Not again before its time: the next try is 30 s on.
      await worker().sweep();
      expect(await outcome('retry')).toBe(retriesBefore + 1);
    } finally {
      relay.refusing.value = false;
    }
    expect(mailsTo(buyer.email)).toHaveLength(0);
    clock.advance(31_000);
    // Due again, and operators can see it waiting (the backlog alert reads these).
    const scraped = (await svc.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(scraped).toMatch(/^ticket_booking_mails_due\{kind="confirmed"[^}]*\} 1$/m);
    const waited = Number(
      /^ticket_booking_mails_oldest_due_seconds\{kind="confirmed"[^}]*\} (\S+)$/m.exec(scraped)?.[1],
    );
    expect(waited).toBeGreaterThan(0.5);
    expect(waited).toBeLessThan(30);
    expect(await worker().sweep()).toBeGreaterThanOrEqual(1);
    expect(mailsTo(buyer.email)).toHaveLength(1);
    clock.advance(3_600_000);
    await worker().sweep();
    expect(mailsTo(buyer.email)).toHaveLength(1);
  });

  it('gives a mail up after its last try, and sends nothing more for it', async () => {
    const f = await createEventFixture(svc.ctx.db);
    const buyer = await svc.issuer.user('user');
    const [retried, failed] = [await outcome('retry'), await outcome('failed')];
    relay.refusing.value = true;
    try {
      await paidBooking(f, buyer, [f.rows.B![7]!]);
      await eventually(async () => expect(await outcome('retry')).toBe(retried + 1));
      for (let attempt = 1; attempt < 8; attempt++) {
        clock.advance(retryDelayMs(attempt) + 1_000);
        await worker().sweep();
      }
      expect(await outcome('retry')).toBe(retried + 7);
      expect(await outcome('failed')).toBe(failed + 1);
    } finally {
      relay.refusing.value = false;
    }
    clock.advance(3_600_000);
    await worker().sweep();
    expect(mailsTo(buyer.email)).toHaveLength(0);
  });

  it('mails a partial refund with the seats cancelled and those kept, then a full one', async () => {
    const f = await createEventFixture(svc.ctx.db, { price: 50_000 });
    const buyer = await svc.issuer.user('user', { name: 'Kim Refund' });
    const [a, b] = [f.rows.A![6]!, f.rows.A![7]!];
    const booking = await paidBooking(f, buyer, [a, b]);
    await eventually(() => expect(mailsTo(buyer.email)).toHaveLength(1));
    const partial = await inject(`/internal/reservations/${booking.id}/refunded`, INTERNAL_HEADERS, {
      paymentId: `pay_${booking.id}`,
      amount: 45_000,
      seatIds: [a],
      scope: 'seats',
    });
    expect(partial.statusCode, partial.body).toBe(200);
    await eventually(() => expect(mailsTo(buyer.email)).toHaveLength(2));
    const first = mailsTo(buyer.email)[1]!;
    expect(first.subject).toBe('[TIKETI] 부분 환불 완료 · Partly refunded: Race Night');
    expect(first.text).toContain('환불 금액: 45,000원');
    expect(first.text).toContain('취소된 좌석: R-A7');
    expect(first.text).toContain('유지되는 좌석: R-A8');
    expect(first.text).toContain('Seats you keep: R-A8');

    const rest = await inject(`/internal/reservations/${booking.id}/refunded`, INTERNAL_HEADERS, {
      paymentId: `pay_${booking.id}`,
      amount: 50_000,
      seatIds: [b],
      scope: 'seats',
    });
    expect(rest.statusCode, rest.body).toBe(200);
    await eventually(() => expect(mailsTo(buyer.email)).toHaveLength(3));
    const last = mailsTo(buyer.email)[2]!;
    expect(last.subject).toBe('[TIKETI] 환불 완료 · Refunded: Race Night');
    expect(last.text).toContain('취소된 좌석: R-A8');
    expect(last.text).not.toContain('유지되는 좌석');
  });

  it("says so when the refund is the organiser's cancellation", async () => {
    const f = await createEventFixture(svc.ctx.db);
    const buyer = await svc.issuer.user('user', { name: 'Park Cancelled' });
    const booking = await paidBooking(f, buyer, [f.rows.B![8]!]);
    await eventually(() => expect(mailsTo(buyer.email)).toHaveLength(1));
    // The organiser called it off (the admin route would also ask payment to refund; here the test is payment).
    await svc.ctx.db.updateTable('events').set({ status: 'cancelled' }).where('id', '=', f.eventId).execute();
    const refunded = await inject(`/internal/reservations/${booking.id}/refunded`, INTERNAL_HEADERS, {
      paymentId: `pay_${booking.id}`,
      amount: booking.amount,
    });
    expect(refunded.statusCode, refunded.body).toBe(200);
    await eventually(() => expect(mailsTo(buyer.email)).toHaveLength(2));
    const mail = mailsTo(buyer.email)[1]!;
    expect(mail.subject).toBe('[TIKETI] 환불 완료 · Refunded: Race Night');
    expect(mail.text).toContain('Park Cancelled님, 공연이 취소되어 환불이 처리되었습니다.');
    expect(mail.text).toContain('Park Cancelled, the event was cancelled and your refund has been made.');
  });

  it('mails a cancellation fee given back when the organiser cancels after the buyer did', async () => {
    const f = await createEventFixture(svc.ctx.db);
    const buyer = await svc.issuer.user('user', { name: 'Lee Fee' });
    const booking = await paidBooking(f, buyer, [f.rows.B![9]!]);
    await eventually(() => expect(mailsTo(buyer.email)).toHaveLength(1));
    const refund = (amount: number, refundedTotal: number) =>
      inject(`/internal/reservations/${booking.id}/refunded`, INTERNAL_HEADERS, {
        paymentId: `pay_${booking.id}`,
        amount,
        refundedTotal,
      });
    const fee = 30_000;
    expect((await refund(booking.amount - fee, booking.amount - fee)).statusCode).toBe(200);
    await eventually(() => expect(mailsTo(buyer.email)).toHaveLength(2));
    expect(mailsTo(buyer.email)[1]!.subject).toBe('[TIKETI] 환불 완료 · Refunded: Race Night');
    await svc.ctx.db.updateTable('events').set({ status: 'cancelled' }).where('id', '=', f.eventId).execute();
    expect((await refund(fee, booking.amount)).statusCode).toBe(200);
    expect((await refund(fee, booking.amount)).statusCode).toBe(200);
    await eventually(() => expect(mailsTo(buyer.email)).toHaveLength(3));
    const mail = mailsTo(buyer.email)[2]!;
    expect(mail.subject).toBe('[TIKETI] 취소 수수료 환불 · Cancellation fee refunded: Race Night');
    expect(mail.text).toContain(
      'Lee Fee님, 공연이 취소되어 예매를 취소하실 때 낸 취소 수수료를 돌려 드렸습니다.',
    );
    expect(mail.text).toContain(
      'Lee Fee, the event was cancelled, so the cancellation fee you paid when you cancelled has been refunded.',
    );
    expect(mail.text).toContain('환불 금액: 30,000원');
    expect(mail.text).not.toContain('취소된 좌석');
    await worker().sweep();
    expect(mailsTo(buyer.email)).toHaveLength(3);
  });

  it('sends at the configured pace, however many bookings are paid at once', async () => {
    const f = await createEventFixture(svc.ctx.db);
    const buyers = await Promise.all([0, 1, 2, 3, 4, 5].map(() => svc.issuer.user('user')));
    await Promise.all(buyers.map((buyer, i) => paidBooking(f, buyer, [f.rows.A![i]!])));
    const times = await eventually(() => {
      const found = buyers.map((b) => mailsTo(b.email)[0]);
      expect(found.every(Boolean)).toBe(true);
      return found.map((m) => m!.receivedAt).sort((a, b) => a - b);
    });
    // 5 a second: six mails span a second at least. The first may reach the relay late (a new
    // connection), so the span asked is well above what unpaced sends take (about 0.25 s loaded).
    expect(times.at(-1)! - times[0]!).toBeGreaterThan(700);
  });

  it('shows operators what was mailed, and sends the confirmation again on request', async () => {
    const f = await createEventFixture(svc.ctx.db);
    const buyer = await svc.issuer.user('user');
    const admin = await svc.issuer.user('admin');
    const booking = await paidBooking(f, buyer, [f.rows.B![9]!]);
    const mails = (user: User, id = booking.id) =>
      svc.app.inject({ method: 'GET', url: `/api/admin/reservations/${id}/mails`, headers: user.headers });
    const resend = (user: User, id = booking.id) =>
      svc.app.inject({
        method: 'POST',
        url: `/api/admin/reservations/${id}/mails/resend`,
        headers: user.headers,
      });
    await eventually(async () =>
      expect((await mails(admin)).json().items).toMatchObject([
        { kind: 'confirmed', status: 'sent', attempts: 1 },
      ]),
    );
    expect(mailsTo(buyer.email)).toHaveLength(1);
    expect((await mails(buyer)).statusCode).toBe(403);
    expect((await resend(buyer)).statusCode).toBe(403);

    // The relay refuses: the resend waits with its reason, and asking again answers the same mail.
    relay.refusing.value = true;
    let first: { id: string };
    try {
      // Two operators at once: one confirmation is owed, and both are answered with it.
      const asked = await Promise.all([resend(admin), resend(admin)]);
      expect(asked.map((a) => a.statusCode).sort()).toEqual([200, 202]);
      first = asked.find((a) => a.statusCode === 202)!.json().mail;
      expect(asked.map((a) => a.json().mail.id)).toEqual([first.id, first.id]);
      expect(first).toMatchObject({ kind: 'confirmed', status: 'pending' });
      await eventually(async () =>
        expect((await mails(admin)).json().items[0]).toMatchObject({
          id: first.id,
          status: 'pending',
          attempts: 1,
          lastError: expect.stringContaining('Mailbox unavailable'),
        }),
      );
      const again = await resend(admin);
      expect(again.statusCode).toBe(200);
      expect(again.json().mail.id).toBe(first.id);
    } finally {
      relay.refusing.value = false;
    }
    clock.advance(31_000);
    await worker().sweep();
    expect(mailsTo(buyer.email)).toHaveLength(2);
    expect(mailsTo(buyer.email)[1]!.subject).toBe(mailsTo(buyer.email)[0]!.subject);
    expect((await mails(admin)).json().items.map((m: { status: string }) => m.status)).toEqual([
      'sent',
      'sent',
    ]);

    const held = await inject('/api/tickets/book', buyer.headers, {
      eventId: f.eventId,
      seatIds: [f.rows.A![9]!],
    });
    const unpaid = await resend(admin, held.json().reservation.id);
    expect(unpaid.statusCode).toBe(409);
    expect(unpaid.json().error).toMatchObject({
      code: 'MAIL_NOT_APPLICABLE',
      details: { status: 'pending' },
    });
    expect((await resend(admin, 'rsv_unknown')).statusCode).toBe(404);
  });

  it('mails nobody for a booking that was never paid', async () => {
    const f = await createEventFixture(svc.ctx.db);
    const buyer = await svc.issuer.user('user');
    const held = await inject('/api/tickets/book', buyer.headers, {
      eventId: f.eventId,
      seatIds: [f.rows.B![5]!],
    });
    expect(held.statusCode).toBe(201);
    const cancelled = await svc.app.inject({
      method: 'POST',
      url: `/api/reservations/${held.json().reservation.id}/cancel`,
      headers: buyer.headers,
    });
    expect(cancelled.statusCode, cancelled.body).toBeLessThan(300);
    await quiet();
    expect(mailsTo(buyer.email)).toHaveLength(0);
  });
});

describe('a change of time or place', () => {
  it('mails each paid booking what the event was and is, once, and no booking unpaid or refunded', async () => {
    const f = await createEventFixture(svc.ctx.db);
    const admin = await svc.issuer.user('admin');
    const [paid, refunded, refundsLater, holder] = await Promise.all(
      [0, 1, 2, 3].map(() => svc.issuer.user('user', { name: '관객' })),
    );
    const paidBookingId = (await paidBooking(f, paid!, [f.rows.A![0]!, f.rows.A![1]!])).id;
    const refundedBooking = await paidBooking(f, refunded!, [f.rows.A![2]!]);
    const laterBooking = await paidBooking(f, refundsLater!, [f.rows.A![4]!]);
    await inject('/api/tickets/book', holder!.headers, { eventId: f.eventId, seatIds: [f.rows.A![3]!] });
    const refund = (booking: { id: string; amount: number }) =>
      inject(`/internal/reservations/${booking.id}/refunded`, INTERNAL_HEADERS, {
        paymentId: `pay_${booking.id}`,
        amount: booking.amount,
      });
    expect((await refund(refundedBooking)).statusCode).toBe(200);
    await eventually(() => expect(mailsTo(refunded!.email)).toHaveLength(2));
    await eventually(() => expect(mailsTo(refundsLater!.email)).toHaveLength(1));
    const edit = (payload: object) =>
      svc.app.inject({ method: 'PATCH', url: `/api/events/${f.eventId}`, headers: admin.headers, payload });
    const changes = (user: User) => mailsTo(user.email).filter((m) => m.subject.includes('Event changed'));
    const owed = () =>
      svc.ctx.db
        .selectFrom('booking_mails')
        .select(['reservation_id', 'attempts', 'status'])
        // Counted when claimed, an attempt has been made once the relay's refusal is recorded.
        .select((eb) => eb('last_error', 'is not', null).as('refused'))
        .where('kind', '=', 'changed')
        .where('reservation_id', 'in', [paidBookingId, refundedBooking.id, laterBooking.id])
        .orderBy('reservation_id')
        .execute();

    // A new title or description is no news to a buyer.
    expect((await edit({ description: 'Doors open an hour before.' })).statusCode).toBe(200);
    const { starts_at: was } = await svc.ctx.db
      .selectFrom('events')
      .select('starts_at')
      .where('id', '=', f.eventId)
      .executeTakeFirstOrThrow();
    const later = new Date(new Date(was).getTime() + 86_400_000);
    // The relay is down when the change is owed; one buyer is refunded before it comes back.
    relay.refusing.value = true;
    try {
      const moved = await edit({
        startsAt: later.toISOString(),
        endsAt: new Date(later.getTime() + 7_200_000).toISOString(),
        venueName: 'KSPO Dome',
      });
      expect(moved.statusCode, moved.body).toBe(200);
      // Both tried once and refused: the next try is 30 s on.
      await eventually(async () =>
        expect(await owed()).toEqual(
          [paidBookingId, laterBooking.id]
            .sort()
            .map((id) => ({ reservation_id: id, attempts: 1, status: 'pending', refused: true })),
        ),
      );
      expect((await refund(laterBooking)).statusCode).toBe(200);
    } finally {
      relay.refusing.value = false;
    }
    clock.advance(31_000);
    await worker().sweep();
    await eventually(() => expect(changes(paid!)).toHaveLength(1));
    const [mail] = changes(paid!);
    expect(mail!.subject).toBe('[TIKETI] 공연 변경 안내 · Event changed: Race Night');
    expect(mail!.text).toContain('관객님, 예매하신 공연의 일시와 장소가 변경되었습니다.');
    expect(mail!.text).toContain('변경 전 장소: Olympic Hall');
    expect(mail!.text).toContain('장소: KSPO Dome');
    expect(mail!.text).toContain('Was at: Olympic Hall');
    expect(mail!.text).toMatch(/변경 전 일시: .+\n일시: .+/);
    expect(mail!.text).toContain('좌석: R-A1, R-A2');

    await quiet();
    clock.advance(3_600_000);
    await worker().sweep();
    expect(changes(paid!)).toHaveLength(1);
    expect(changes(refunded!)).toHaveLength(0);
    expect(changes(refundsLater!)).toHaveLength(0);
    expect(mailsTo(holder!.email)).toHaveLength(0);
  });
});

describe('two changes before the first is told', () => {
  it('make one mail: what the event was before both, and what it is', async () => {
    const f = await createEventFixture(svc.ctx.db);
    const admin = await svc.issuer.user('admin');
    const buyer = await svc.issuer.user('user', { name: '관객' });
    const booking = await paidBooking(f, buyer, [f.rows.B![5]!]);
    await eventually(() => expect(mailsTo(buyer.email)).toHaveLength(1));
    const edit = (payload: object) =>
      svc.app.inject({ method: 'PATCH', url: `/api/events/${f.eventId}`, headers: admin.headers, payload });
    const owed = () =>
      svc.ctx.db
        .selectFrom('booking_mails')
        .select(['status', 'details'])
        .select((eb) => eb('last_error', 'is not', null).as('refused'))
        .where('kind', '=', 'changed')
        .where('reservation_id', '=', booking.id)
        .execute();
    const { starts_at: was } = await svc.ctx.db
      .selectFrom('events')
      .select('starts_at')
      .where('id', '=', f.eventId)
      .executeTakeFirstOrThrow();
    const later = new Date(new Date(was).getTime() + 86_400_000);
    relay.refusing.value = true;
    try {
      const moved = await edit({
        startsAt: later.toISOString(),
        endsAt: new Date(later.getTime() + 7_200_000).toISOString(),
      });
      expect(moved.statusCode, moved.body).toBe(200);
      await eventually(async () =>
        expect(await owed()).toMatchObject([{ status: 'pending', refused: true }]),
      );
      expect((await edit({ venueName: 'KSPO Dome' })).statusCode).toBe(200);
      // Folded: one mail owed, still saying what the event was before the first change; the
      // first is kept, not to be sent (so its fact, delivered again, owes nothing more).
      const A = { startsAt: new Date(was).toISOString(), venueName: 'Olympic Hall' };
      await eventually(async () =>
        expect(
          (await owed())
            .map((m) => ({ status: m.status, details: m.details }))
            .sort((x, y) => x.status.localeCompare(y.status)),
        ).toEqual([
          { status: 'failed', details: A },
          { status: 'pending', details: A },
        ]),
      );
      // The first change's fact delivered again (at least once) owes and folds nothing.
      const moves = (
        await svc.ctx.db
          .selectFrom('outbox')
          .select('payload')
          .where('type', '=', 'event.updated')
          .orderBy('id')
          .execute()
      )
        .map((r) => (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload))
        .filter((e) => e.data.eventId === f.eventId && e.data.previously);
      expect(moves).toHaveLength(2);
      // Once the new mail's try has been refused (it is then not being sent, so foldable).
      await eventually(async () =>
        expect((await owed()).find((m) => m.status === 'pending')?.refused).toBe(true),
      );
      const again = { factId: moves[0].id, eventId: f.eventId, before: moves[0].data.previously };
      expect(await oweEventChanged(svc.ctx.db, again, clock.now())).toBe(0);
      expect((await owed()).map((m) => m.status).sort()).toEqual(['failed', 'pending']);
    } finally {
      relay.refusing.value = false;
    }
    clock.advance(31_000);
    await worker().sweep();
    const changes = () => mailsTo(buyer.email).filter((m) => m.subject.includes('Event changed'));
    await eventually(() => expect(changes()).toHaveLength(1));
    const [mail] = changes();
    expect(mail!.text).toContain('변경 전 장소: Olympic Hall');
    expect(mail!.text).toContain('장소: KSPO Dome');
    expect(mail!.text).toMatch(/변경 전 일시: .+\n일시: .+/);
    await quiet();
    await worker().sweep();
    expect(changes()).toHaveLength(1);
  });
});

describe("an operator's correction", () => {
  it('is no move: the fact says nothing was before, no mail is owed, and the audit log keeps it', async () => {
    const f = await createEventFixture(svc.ctx.db);
    const admin = await svc.issuer.user('admin');
    const buyer = await svc.issuer.user();
    const booking = await paidBooking(f, buyer, [f.rows.B![0]!]);
    await eventually(() => expect(mailsTo(buyer.email)).toHaveLength(1));
    const edit = (payload: object) =>
      svc.app.inject({ method: 'PATCH', url: `/api/events/${f.eventId}`, headers: admin.headers, payload });
    const updates = async () =>
      (
        await svc.ctx.db
          .selectFrom('outbox')
          .select('payload')
          .where('type', '=', 'event.updated')
          .orderBy('id')
          .execute()
      )
        .map((r) => (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload))
        .filter((e) => e.data.eventId === f.eventId);
    const owed = () =>
      svc.ctx.db
        .selectFrom('booking_mails')
        .select('id')
        .where('kind', '=', 'changed')
        .where('reservation_id', '=', booking.id)
        .execute();

    const fixed = await edit({ venueName: 'Olympic  Hall', correction: true });
    expect(fixed.statusCode, fixed.body).toBe(200);
    const [corrected] = await updates();
    expect(corrected.data).not.toHaveProperty('previously');
    expect(
      (await svc.app.inject({ method: 'GET', url: `/api/events/${f.eventId}` })).json().event.venueName,
    ).toBe('Olympic  Hall');
    const audit = (
      await svc.ctx.db.selectFrom('outbox').select('payload').where('type', '=', 'audit.recorded').execute()
    )
      .map((r) => (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload))
      .find((e) => e.data.targetId === f.eventId && e.data.action === 'event.update');
    expect(audit?.data.after).toMatchObject({ venueName: 'Olympic  Hall', correction: true });

    // The same edit, not called a correction, is a move: one change mail is owed, none for the correction.
    expect((await edit({ venueName: 'Olympic Hall' })).statusCode).toBe(200);
    const [, moved] = await updates();
    expect(moved.data.previously).toMatchObject({ venueName: 'Olympic  Hall' });
    await eventually(async () => expect(await owed()).toHaveLength(1));
    await quiet();
    expect(await owed()).toHaveLength(1);
    expect((await edit({ correction: 'yes' })).statusCode).toBe(400);
  });
});

describe('reminders before the event (last: they move the clock a day on)', () => {
  it('mails each paid booking once within the window, and no booking refunded, called off or paid late', async () => {
    const startsAt = new Date(clock.now().getTime() + 2 * 86_400_000);
    const f = await createEventFixture(svc.ctx.db, { startsAt });
    const [kept, refunded, late] = await Promise.all(
      [0, 1, 2].map(() => svc.issuer.user('user', { name: '관객' })),
    );
    const keptBooking = await paidBooking(f, kept!, [f.rows.A![0]!, f.rows.A![1]!]);
    const refundedBooking = await paidBooking(f, refunded!, [f.rows.A![2]!]);
    const other = await createEventFixture(svc.ctx.db, { startsAt });
    const calledOff = await svc.issuer.user('user');
    await paidBooking(other, calledOff, [other.rows.A![0]!]);
    await eventually(() => expect(mailsTo(calledOff.email)).toHaveLength(1));
    await svc.ctx.db
      .updateTable('events')
      .set({ status: 'cancelled' })
      .where('id', '=', other.eventId)
      .execute();
    const refund = await inject(`/internal/reservations/${refundedBooking.id}/refunded`, INTERNAL_HEADERS, {
      paymentId: `pay_${refundedBooking.id}`,
      amount: refundedBooking.amount,
    });
    expect(refund.statusCode, refund.body).toBe(200);

    // Not yet: the event is two days off.
    await worker().sweep();
    expect(mailsTo(kept!.email).filter((m) => m.subject.includes('Coming up'))).toHaveLength(0);

    clock.advance(25 * 3_600_000 + 6 * 60_000);
    // Paid after the window opened: its confirmation is all it gets.
    await paidBooking(f, late!, [f.rows.B![0]!]);
    await worker().sweep();
    await eventually(() => expect(mailsTo(kept!.email)).toHaveLength(2));
    const reminder = mailsTo(kept!.email)[1]!;
    expect(reminder.subject).toBe('[TIKETI] 공연 안내 · Coming up: Race Night');
    expect(reminder.text).toContain('좌석: R-A1, R-A2');
    expect(reminder.text).toContain(`https://tickets.example.kr/my/reservations/${keptBooking.id}`);

    clock.advance(6 * 60_000);
    await worker().sweep();
    await quiet();
    expect(mailsTo(kept!.email)).toHaveLength(2);
    expect(mailsTo(refunded!.email).map((m) => m.subject)).not.toContain(
      '[TIKETI] 공연 안내 · Coming up: Race Night',
    );
    expect(mailsTo(calledOff.email)).toHaveLength(1);
    expect(mailsTo(late!.email)).toHaveLength(1);
  });
});
