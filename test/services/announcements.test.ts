import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startSmtpRelay, type SmtpRelay, type TestService } from '@tiketi/testing';
import type { TicketConfig } from '@tiketi/ticket';
import {
  INTERNAL_HEADERS,
  confirmAsPayment,
  createEventFixture,
  movableClock,
  startTicketAlone,
} from './booking.fixtures';

/** An operator's notice to an event's buyers ("공지"): mailed once to each paid booking. */
const clock = movableClock();
let svc: TestService<TicketConfig>;
let relay: SmtpRelay;
type User = Awaited<ReturnType<TestService['issuer']['user']>>;

beforeAll(async () => {
  relay = await startSmtpRelay();
  svc = await startTicketAlone(clock, {
    SMTP_URL: relay.url,
    PUBLIC_WEB_URL: 'https://tickets.example.kr',
    BOOKING_MAIL_PER_SECOND: '20',
  });
});
afterAll(async () => {
  await svc?.close();
  await relay?.close();
});

const call = (method: 'GET' | 'POST', url: string, user: User, payload?: object) =>
  svc.app.inject({ method, url, headers: user.headers, ...(payload ? { payload } : {}) });
const notices = (user: User) => relay.mail.filter((m) => m.to === user.email && m.subject.includes('공지'));

async function booked(
  eventId: string,
  buyer: User,
  seatId: string,
  pay = true,
): Promise<{ id: string; amount: number }> {
  const held = await call('POST', '/api/tickets/book', buyer, { eventId, seatIds: [seatId] });
  expect(held.statusCode, held.body).toBe(201);
  const { id, amount } = held.json().reservation as { id: string; amount: number };
  if (pay) await confirmAsPayment(svc, id);
  return { id, amount };
}

describe('notices to an event’s buyers', () => {
  it('mail each paid booking once, in the organiser’s words, and no hold or refunded booking', async () => {
    const f = await createEventFixture(svc.ctx.db);
    const admin = await svc.issuer.user('admin');
    const [paid, refunded, holding] = await Promise.all(
      [0, 1, 2].map(() => svc.issuer.user('user', { name: '관객' })),
    );
    const paidBooking = await booked(f.eventId, paid!, f.rows.A![0]!);
    const gone = await booked(f.eventId, refunded!, f.rows.A![1]!);
    const refund = await svc.app.inject({
      method: 'POST',
      url: `/internal/reservations/${gone.id}/refunded`,
      headers: INTERNAL_HEADERS,
      payload: { paymentId: `pay_${gone.id}`, amount: gone.amount },
    });
    expect(refund.statusCode).toBe(200);
    await booked(f.eventId, holding!, f.rows.A![2]!, false);

    const sent = await call('POST', `/api/admin/events/${f.eventId}/announcements`, admin, {
      subject: 'Doors open late',
      message: 'Gates open at 19:30 tonight.\n<b>Bring your ID.</b>',
    });
    expect(sent.statusCode, sent.body).toBe(201);
    expect(sent.json().announcement).toMatchObject({ subject: 'Doors open late', recipients: 1 });

    await eventually(() => expect(notices(paid!)).toHaveLength(1));
    const [mail] = notices(paid!);
    expect(mail!.subject).toBe('[TIKETI] 공지 · Notice: Race Night: Doors open late');
    expect(mail!.text).toContain('관객님, 예매하신 공연의 주최 측 공지입니다.');
    expect(mail!.text).toContain('Gates open at 19:30 tonight.\n<b>Bring your ID.</b>');
    expect(mail!.text).toContain(`예매 번호: ${paidBooking.id}`);
    // The organiser's words are text in the HTML part, never markup.
    expect(mail!.html).toContain('&lt;b&gt;Bring your ID.&lt;/b&gt;');
    expect(mail!.html).not.toContain('<b>Bring');
    expect(notices(refunded!)).toEqual([]);
    expect(notices(holding!)).toEqual([]);

    await eventually(async () =>
      expect((await call('GET', `/api/admin/events/${f.eventId}/announcements`, admin)).json().items).toEqual(
        [expect.objectContaining({ subject: 'Doors open late', recipients: 1, mailed: 1 })],
      ),
    );
    const mails = await call('GET', `/api/admin/reservations/${paidBooking.id}/mails`, admin);
    expect(mails.json().items.map((m: { kind: string }) => m.kind)).toContain('announcement');
    const audit = (
      await svc.ctx.db.selectFrom('outbox').select('payload').where('type', '=', 'audit.recorded').execute()
    )
      .map((r) => (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload))
      .find((e) => e.data.targetId === f.eventId && e.data.action === 'event.announce');
    expect(audit?.data.after).toEqual({ subject: 'Doors open late', recipients: 1 });
  });

  it('are the operator’s alone, need words, and go to no cancelled event', async () => {
    const f = await createEventFixture(svc.ctx.db);
    const admin = await svc.issuer.user('admin');
    const buyer = await svc.issuer.user();
    const notice = { subject: 'Parking', message: 'The car park is closed.' };
    const url = `/api/admin/events/${f.eventId}/announcements`;
    expect((await call('POST', url, buyer, notice)).statusCode).toBe(403);
    expect((await call('POST', '/api/admin/events/evt_nope/announcements', admin, notice)).statusCode).toBe(
      404,
    );
    const blank = await call('POST', url, admin, { subject: '   ', message: 'x' });
    expect(blank.statusCode).toBe(400);
    expect(blank.json().error.code).toBe('NOTICE_EMPTY');
    expect((await call('POST', url, admin, { subject: 'x', message: 'y'.repeat(2001) })).statusCode).toBe(
      400,
    );
    const cancelled = await call('POST', `/api/events/${f.eventId}/cancel`, admin, { reason: 'storm' });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    const late = await call('POST', url, admin, notice);
    expect(late.statusCode).toBe(409);
    expect(late.json().error).toMatchObject({ code: 'EVENT_OVER', details: { status: 'cancelled' } });
    expect((await call('GET', url, admin)).json().items).toEqual([]);
  });

  // Last: it moves the service's clock on.
  it('reach the audience of a show under way, and none once it has ended', async () => {
    const now = Date.now();
    const f = await createEventFixture(svc.ctx.db, {
      startsAt: new Date(now + 2 * 3_600_000),
      saleEndsAt: new Date(now + 3_600_000),
    });
    const admin = await svc.issuer.user('admin');
    const buyer = await svc.issuer.user('user', { name: '관객' });
    await booked(f.eventId, buyer, f.rows.B![0]!);
    const url = `/api/admin/events/${f.eventId}/announcements`;
    // Half an hour into the show (it lasts two hours).
    clock.advance(2.5 * 3_600_000);
    const sent = await call('POST', url, admin, {
      subject: 'Second half at 21:10',
      message: 'The interval runs late.',
    });
    expect(sent.statusCode, sent.body).toBe(201);
    expect(sent.json().announcement).toMatchObject({ recipients: 1, mailed: 0 });
    await eventually(() => expect(notices(buyer)).toHaveLength(1));
    expect(notices(buyer)[0]!.text).toContain('The interval runs late.');

    // Over: by the clock, whatever the event's stored status still says.
    clock.advance(2 * 3_600_000);
    const late = await call('POST', url, admin, { subject: 'Thanks', message: 'See you next year.' });
    expect(late.statusCode).toBe(409);
    expect(late.json().error).toMatchObject({ code: 'EVENT_OVER', details: { status: 'ended' } });
  });
});
