import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Counter } from 'prom-client';
import { newId } from '@tiketi/platform';
import { eventually, startSmtpRelay, type SmtpRelay, type TestService } from '@tiketi/testing';
import type { TicketConfig } from '@tiketi/ticket';
import { bookingMailWorker } from '../../services/ticket/src/notify/booking-mail.worker';
import { createEventFixture, movableClock, startTicketAlone } from './booking.fixtures';

/** Seat-return alerts ("취소표 알림"): a fan of a sold-out event is mailed once when seats come back. */
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
    SALE_ALERTS_PER_USER: '2',
  });
});
afterAll(async () => {
  await svc?.close();
  await relay?.close();
});

const call = (method: 'GET' | 'PUT' | 'DELETE' | 'POST', url: string, user?: User, payload?: object) =>
  svc.app.inject({ method, url, headers: user?.headers ?? {}, ...(payload ? { payload } : {}) });
const ask = (eventId: string, user: User) => call('PUT', `/api/alerts/${eventId}/returns`, user);
const worker = () => bookingMailWorker(svc.ctx);
const mailsTo = (user: User) => relay.mail.filter((m) => m.to === user.email && m.subject.includes('취소표'));
const status = async (eventId: string) =>
  (await svc.ctx.db.selectFrom('events').select('status').where('id', '=', eventId).executeTakeFirstOrThrow())
    .status;
const outcome = async (result: string): Promise<number> => {
  const metric = svc.ctx.metrics.getSingleMetric('ticket_booking_mails_total') as Counter<'kind' | 'result'>;
  const { values } = await metric.get();
  return values
    .filter((v) => v.labels.kind === 'seats_back' && v.labels.result === result)
    .reduce((n, v) => n + v.value, 0);
};

/** A two-seat event, sold out by one buyer's hold; returns the hold's id. */
async function soldOut(): Promise<{ eventId: string; holdId: string; holder: User }> {
  const f = await createEventFixture(svc.ctx.db, { rows: 1, seatsPerRow: 2 });
  const holder = await svc.issuer.user();
  const held = await call('POST', '/api/tickets/book', holder, { eventId: f.eventId, quantity: 2 });
  expect(held.statusCode, held.body).toBe(201);
  await eventually(async () => expect(await status(f.eventId)).toBe('sold_out'));
  return { eventId: f.eventId, holdId: held.json().reservation.id, holder };
}
const letGo = async (holdId: string, holder: User) =>
  expect((await call('POST', `/api/reservations/${holdId}/cancel`, holder, {})).statusCode).toBe(200);

describe('seat-return alerts', () => {
  it('are asked only of a sold-out event, once however often, and listed and withdrawn', async () => {
    const onSale = await createEventFixture(svc.ctx.db);
    const fan = await svc.issuer.user();
    expect((await call('PUT', `/api/alerts/${onSale.eventId}/returns`)).statusCode).toBe(401);
    const open = await ask(onSale.eventId, fan);
    expect(open.statusCode).toBe(409);
    expect(open.json().error).toMatchObject({ code: 'SEATS_AVAILABLE', details: { status: 'on_sale' } });
    const later = await createEventFixture(svc.ctx.db, {
      status: 'scheduled',
      saleStartsAt: new Date(clock.now().getTime() + 86_400_000),
    });
    expect((await ask(later.eventId, fan)).json().error.code).toBe('SALE_NOT_OPEN');
    expect((await ask('evt_nope', fan)).statusCode).toBe(404);

    const { eventId } = await soldOut();
    const first = await ask(eventId, fan);
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json().alert).toMatchObject({ eventId, eventStatus: 'sold_out', mailedAt: null });
    expect((await ask(eventId, fan)).statusCode).toBe(200);
    expect((await call('GET', `/api/alerts/${eventId}/returns`, fan)).json().alert.eventId).toBe(eventId);
    expect((await call('GET', '/api/alerts/returns', fan)).json().items).toHaveLength(1);
    // The sale alerts' list is another list.
    expect((await call('GET', '/api/alerts', fan)).json().items).toEqual([]);

    // At most SALE_ALERTS_PER_USER (2 here) seat-return alerts, asked at once or not.
    const [a, b] = [await soldOut(), await soldOut()];
    const both = await Promise.all([ask(a.eventId, fan), ask(b.eventId, fan)]);
    expect(both.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    expect(both.find((r) => r.statusCode === 409)!.json().error.code).toBe('TOO_MANY_ALERTS');

    expect((await call('DELETE', `/api/alerts/${eventId}/returns`, fan)).statusCode).toBe(204);
    expect((await call('DELETE', `/api/alerts/${eventId}/returns`, fan)).statusCode).toBe(204);
    expect((await call('GET', `/api/alerts/${eventId}/returns`, fan)).json()).toEqual({ alert: null });
    const figures = await call(
      'GET',
      `/api/admin/events/${a.eventId}/alerts`,
      await svc.issuer.user('admin'),
    );
    expect(figures.json().waitingForReturns).toBe(both[0]!.statusCode === 201 ? 1 : 0);
  });

  it('mail each fan once when seats come back, with how many are left; asked again, once more', async () => {
    const { eventId, holdId, holder } = await soldOut();
    const [fan, other] = [await svc.issuer.user('user', { name: '팬' }), await svc.issuer.user()];
    expect((await ask(eventId, fan)).statusCode).toBe(201);
    expect((await ask(eventId, other)).statusCode).toBe(201);
    await worker().sweep();
    expect(mailsTo(fan)).toEqual([]);

    await letGo(holdId, holder);
    await eventually(() => expect(mailsTo(fan)).toHaveLength(1));
    await eventually(() => expect(mailsTo(other)).toHaveLength(1));
    const [mail] = mailsTo(fan);
    expect(mail!.subject).toBe('[TIKETI] 취소표 알림 · Seats are back: Race Night');
    expect(mail!.text).toContain('팬님, 매진되었던 공연에 좌석이 다시 나왔습니다.');
    expect(mail!.text).toMatch(/남은 좌석: 2석/);
    expect(mail!.text).toContain(`https://tickets.example.kr/events/${eventId}`);
    // The relay has the mail a moment before the worker records it sent.
    await eventually(async () =>
      expect((await call('GET', `/api/alerts/${eventId}/returns`, fan)).json().alert.mailedAt).toEqual(
        expect.any(String),
      ),
    );

    // Sold out and back again: the alert did its work, nobody is mailed twice (a fan who asked
    // meanwhile hearing of it shows the return was seen).
    const again = await call('POST', '/api/tickets/book', holder, { eventId, quantity: 2 });
    expect(again.statusCode, again.body).toBe(201);
    await eventually(async () => expect(await status(eventId)).toBe('sold_out'));
    const late = await svc.issuer.user();
    expect((await ask(eventId, late)).statusCode).toBe(201);
    await letGo(again.json().reservation.id, holder);
    await eventually(() => expect(mailsTo(late)).toHaveLength(1));
    await worker().sweep();
    expect(mailsTo(fan)).toHaveLength(1);
    expect(mailsTo(other)).toHaveLength(1);

    // Asked again (once more sold out), the fan hears of the next return.
    const third = await call('POST', '/api/tickets/book', holder, { eventId, quantity: 2 });
    await eventually(async () => expect(await status(eventId)).toBe('sold_out'));
    const renewed = await ask(eventId, fan);
    expect(renewed.statusCode).toBe(201);
    expect(renewed.json().alert.mailedAt).toBeNull();
    await letGo(third.json().reservation.id, holder);
    await eventually(() => expect(mailsTo(fan)).toHaveLength(2));
    expect(mailsTo(other)).toHaveLength(1);
  });

  it('tell nobody of seats gone again before the mail went, and tell of the next return', async () => {
    const { eventId, holdId, holder } = await soldOut();
    const fan = await svc.issuer.user();
    expect((await ask(eventId, fan)).statusCode).toBe(201);
    const retries = await outcome('retry');
    const skipped = await outcome('skipped');
    relay.refusing.value = true;
    try {
      await letGo(holdId, holder);
      await eventually(async () => expect(await outcome('retry')).toBe(retries + 1));
    } finally {
      relay.refusing.value = false;
    }
    // Taken again before the relay came back: the mail's next try finds no seat and is not sent.
    const retaken = await call('POST', '/api/tickets/book', holder, { eventId, quantity: 2 });
    expect(retaken.statusCode, retaken.body).toBe(201);
    clock.advance(31_000);
    await worker().sweep();
    expect(await outcome('skipped')).toBe(skipped + 1);
    expect(mailsTo(fan)).toEqual([]);

    await eventually(async () => expect(await status(eventId)).toBe('sold_out'));
    await letGo(retaken.json().reservation.id, holder);
    await eventually(() => expect(mailsTo(fan)).toHaveLength(1));
  });

  it('go with a closed account, with their unsent mail', async () => {
    const { eventId } = await soldOut();
    const fan = await svc.issuer.user();
    expect((await ask(eventId, fan)).statusCode).toBe(201);
    await svc.bus.publish({
      id: newId('evn'),
      type: 'user.deleted',
      source: 'auth',
      occurredAt: clock.now().toISOString(),
      data: { userId: fan.id, deletedAt: clock.now().toISOString() },
    });
    await eventually(async () =>
      expect((await call('GET', '/api/alerts/returns', fan)).json().items).toEqual([]),
    );
  });
});
