import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Counter } from 'prom-client';
import { newId } from '@tiketi/platform';
import { eventually, startSmtpRelay, type SmtpRelay, type TestService } from '@tiketi/testing';
import type { TicketConfig } from '@tiketi/ticket';
import { bookingMailWorker } from '../../services/ticket/src/notify/booking-mail.worker';
import { confirmAsPayment, createEventFixture, movableClock, startTicketAlone } from './booking.fixtures';

const clock = movableClock();
let svc: TestService<TicketConfig>;
let relay: SmtpRelay;
type User = Awaited<ReturnType<TestService['issuer']['user']>>;
const MINUTE = 60_000;

beforeAll(async () => {
  relay = await startSmtpRelay();
  svc = await startTicketAlone(clock, {
    SMTP_URL: relay.url,
    PUBLIC_WEB_URL: 'https://tickets.example.kr',
    BOOKING_MAIL_PER_SECOND: '20',
    SALE_ALERT_LEAD_MINUTES: '30',
    SALE_ALERTS_PER_USER: '3',
  });
});
afterAll(async () => {
  await svc?.close();
  await relay?.close();
});

const call = (method: 'GET' | 'PUT' | 'DELETE', url: string, user?: User) =>
  svc.app.inject({ method, url, headers: user?.headers ?? {} });
const ask = (eventId: string, user: User) => call('PUT', `/api/alerts/${eventId}`, user);
/** An event whose sale opens `inMs` from the test's clock. */
const upcoming = (inMs: number, status = 'scheduled') =>
  createEventFixture(svc.ctx.db, { status, saleStartsAt: new Date(clock.now().getTime() + inMs) });
const moveSale = (eventId: string, saleStartsAt: Date) =>
  svc.ctx.db.updateTable('events').set({ sale_starts_at: saleStartsAt }).where('id', '=', eventId).execute();
const worker = () => bookingMailWorker(svc.ctx);
const alertsTo = (user: User) =>
  relay.mail.filter((m) => m.to === user.email && m.subject.includes('티켓 오픈'));
/** A minute on: the worker looks for alerts due once a minute. */
const aMinuteLater = async () => {
  clock.advance(MINUTE + 1_000);
  await worker().sweep();
};
const outcome = async (result: string): Promise<number> => {
  const metric = svc.ctx.metrics.getSingleMetric('ticket_booking_mails_total') as Counter<'kind' | 'result'>;
  const { values } = await metric.get();
  return values
    .filter((v) => v.labels.kind === 'sale_open' && v.labels.result === result)
    .reduce((n, v) => n + v.value, 0);
};
/** Asks an alert inside the lead time while the relay refuses: owed, tried once, refused. */
const askWhileRefused = async (eventId: string, buyer: User) => {
  const retries = await outcome('retry');
  relay.refusing.value = true;
  try {
    expect((await ask(eventId, buyer)).statusCode).toBe(201);
    await eventually(async () => expect(await outcome('retry')).toBe(retries + 1));
  } finally {
    relay.refusing.value = false;
  }
};

describe('sale alerts: asking', () => {
  it("asks once however often, shows the alert in the buyer's list, and withdraws it", async () => {
    const f = await upcoming(3 * 3_600_000);
    const buyer = await svc.issuer.user('user');
    expect((await call('PUT', `/api/alerts/${f.eventId}`)).statusCode).toBe(401);

    const first = await ask(f.eventId, buyer);
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json().alert).toMatchObject({
      eventId: f.eventId,
      title: 'Race Night',
      eventStatus: 'scheduled',
      venueName: 'Olympic Hall',
      mailedAt: null,
    });
    const again = await ask(f.eventId, buyer);
    expect(again.statusCode).toBe(200);
    expect(again.json().alert.createdAt).toBe(first.json().alert.createdAt);
    expect((await call('GET', `/api/alerts/${f.eventId}`, buyer)).json().alert.eventId).toBe(f.eventId);
    expect((await call('GET', '/api/alerts', buyer)).json().items.map((a: any) => a.eventId)).toEqual([
      f.eventId,
    ]);

    // Another buyer sees none of it.
    const other = await svc.issuer.user('user');
    expect((await call('GET', `/api/alerts/${f.eventId}`, other)).json()).toEqual({ alert: null });
    expect((await call('GET', '/api/alerts', other)).json()).toEqual({ items: [] });
    expect((await call('DELETE', `/api/alerts/${f.eventId}`, other)).statusCode).toBe(204);
    expect((await call('GET', '/api/alerts', buyer)).json().items).toHaveLength(1);

    expect((await call('DELETE', `/api/alerts/${f.eventId}`, buyer)).statusCode).toBe(204);
    expect((await call('GET', `/api/alerts/${f.eventId}`, buyer)).json()).toEqual({ alert: null });
    expect((await call('DELETE', `/api/alerts/${f.eventId}`, buyer)).statusCode).toBe(204);
  });

  it('refuses an event on sale, called off, unknown or a draft, and a buyer past the limit', async () => {
    const buyer = await svc.issuer.user('user');
    const refusal = async (eventId: string) => {
      const res = await ask(eventId, buyer);
      return { status: res.statusCode, code: res.json().error?.code as string | undefined };
    };
    const onSale = await createEventFixture(svc.ctx.db);
    expect(await refusal(onSale.eventId)).toEqual({ status: 409, code: 'SALE_ALREADY_OPEN' });
    // Still marked scheduled, but its opening has passed (the scheduler has not moved it yet).
    const opened = await upcoming(-MINUTE);
    expect(await refusal(opened.eventId)).toEqual({ status: 409, code: 'SALE_ALREADY_OPEN' });
    const calledOff = await upcoming(3_600_000, 'cancelled');
    expect(await refusal(calledOff.eventId)).toEqual({ status: 409, code: 'EVENT_CANCELLED' });
    const draft = await upcoming(3_600_000, 'draft');
    expect(await refusal(draft.eventId)).toEqual({ status: 404, code: 'EVENT_NOT_FOUND' });
    expect(await refusal('evt_nothing')).toEqual({ status: 404, code: 'EVENT_NOT_FOUND' });
    expect((await call('GET', '/api/alerts', buyer)).json().items).toEqual([]);

    const events = await Promise.all([1, 2, 3, 4].map((h) => upcoming(h * 3_600_000)));
    for (const e of events.slice(0, 3)) expect((await ask(e.eventId, buyer)).statusCode).toBe(201);
    const past = await ask(events[3]!.eventId, buyer);
    expect(past.statusCode).toBe(409);
    expect(past.json().error).toMatchObject({ code: 'TOO_MANY_ALERTS', details: { limit: 3 } });
    // At the limit, an alert already asked is still answered as the buyer's.
    expect((await ask(events[0]!.eventId, buyer)).statusCode).toBe(200);
    // Asked all at once, the limit still holds for those that were new.
    await call('DELETE', `/api/alerts/${events[0]!.eventId}`, buyer);
    const more = await Promise.all(events.map((e) => ask(e.eventId, buyer)));
    expect(more.map((r) => r.statusCode).sort()).toEqual([200, 200, 201, 409]);
    expect((await call('GET', '/api/alerts', buyer)).json().items).toHaveLength(3);
  });
});

describe('sale alerts: mail', () => {
  it('mails each alert once, SALE_ALERT_LEAD_MINUTES before the sale opens, and none withdrawn', async () => {
    const f = await upcoming(2 * 3_600_000);
    const [keen, changedMind] = await Promise.all([
      svc.issuer.user('user', { name: '김관객' }),
      svc.issuer.user('user'),
    ]);
    expect((await ask(f.eventId, keen)).statusCode).toBe(201);
    expect((await ask(f.eventId, changedMind)).statusCode).toBe(201);
    await aMinuteLater();
    expect(alertsTo(keen)).toHaveLength(0);

    expect((await call('DELETE', `/api/alerts/${f.eventId}`, changedMind)).statusCode).toBe(204);
    clock.advance(88 * MINUTE); // 30 minutes before the opening
    await aMinuteLater();
    expect(alertsTo(keen)).toHaveLength(1);
    const [mail] = alertsTo(keen);
    expect(mail!.subject).toBe('[TIKETI] 티켓 오픈 알림 · On sale soon: Race Night');
    expect(mail!.text).toContain('김관객님, 알림을 신청하신 공연의 예매가 곧 시작됩니다.');
    expect(mail!.text).toMatch(/예매 시작: .+/);
    expect(mail!.text).toMatch(/Sale opens: .+ KST/);
    expect(mail!.text).toContain(`https://tickets.example.kr/events/${f.eventId}`);
    expect(mail!.html).toContain(`href="https://tickets.example.kr/events/${f.eventId}"`);
    const seen = (await call('GET', `/api/alerts/${f.eventId}`, keen)).json().alert;
    expect(seen.mailedAt).not.toBeNull();

    await aMinuteLater();
    await aMinuteLater();
    expect(alertsTo(keen)).toHaveLength(1);
    expect(alertsTo(changedMind)).toHaveLength(0);

    // The operator sees the demand: one buyer still asking, mailed.
    const admin = await svc.issuer.user('admin');
    const figures = await call('GET', `/api/admin/events/${f.eventId}/alerts`, admin);
    expect(figures.json()).toEqual({ asked: 1, mailed: 1, leadMinutes: 30, waitingForReturns: 0 });
    expect((await call('GET', `/api/admin/events/${f.eventId}/alerts`, keen)).statusCode).toBe(403);
    expect((await call('GET', '/api/admin/events/evt_nothing/alerts', admin)).statusCode).toBe(404);
  });

  it('mails at once an alert asked inside the lead time', async () => {
    const f = await upcoming(10 * MINUTE);
    const late = await svc.issuer.user('user');
    expect((await ask(f.eventId, late)).statusCode).toBe(201);
    // No clock moved and no sweep asked: the alert itself wakes the worker.
    await eventually(() => expect(alertsTo(late)).toHaveLength(1));
  });

  it('announces an opening moved later again, and one moved before its mail only at the new time', async () => {
    const mailed = await upcoming(20 * MINUTE);
    const notYet = await upcoming(2 * 3_600_000);
    const buyer = await svc.issuer.user('user');
    expect((await ask(mailed.eventId, buyer)).statusCode).toBe(201);
    expect((await ask(notYet.eventId, buyer)).statusCode).toBe(201);
    await eventually(() => expect(alertsTo(buyer)).toHaveLength(1));

    const now = clock.now().getTime();
    await moveSale(mailed.eventId, new Date(now + 3 * 3_600_000));
    await moveSale(notYet.eventId, new Date(now + 4 * 3_600_000));
    clock.advance(100 * MINUTE); // the second's old opening is 20 minutes off
    await aMinuteLater();
    expect(alertsTo(buyer)).toHaveLength(1);
    clock.advance(50 * MINUTE); // the first's new opening is within 30 minutes
    await aMinuteLater();
    expect(alertsTo(buyer)).toHaveLength(2);
    clock.advance(60 * MINUTE); // and the second's
    await aMinuteLater();
    await aMinuteLater();
    expect(alertsTo(buyer)).toHaveLength(3);
    expect(alertsTo(buyer).filter((m) => m.text.includes(`/events/${mailed.eventId}`))).toHaveLength(2);
  });

  it('sends nothing for an event called off after its alert was owed', async () => {
    const f = await upcoming(15 * MINUTE);
    const buyer = await svc.issuer.user('user');
    const skipped = await outcome('skipped');
    await askWhileRefused(f.eventId, buyer);
    await svc.ctx.db.updateTable('events').set({ status: 'cancelled' }).where('id', '=', f.eventId).execute();
    clock.advance(31_000);
    await worker().sweep();
    expect(await outcome('skipped')).toBe(skipped + 1);
    expect(alertsTo(buyer)).toHaveLength(0);
  });

  it('does not send a mail owed for an opening since moved, and mails the new one in its time', async () => {
    const f = await upcoming(15 * MINUTE);
    const buyer = await svc.issuer.user('user');
    const skipped = await outcome('skipped');
    await askWhileRefused(f.eventId, buyer);
    await moveSale(f.eventId, new Date(clock.now().getTime() + 2 * 3_600_000));
    clock.advance(31_000);
    await worker().sweep();
    expect(await outcome('skipped')).toBe(skipped + 1);
    expect(alertsTo(buyer)).toHaveLength(0);
    clock.advance(90 * MINUTE);
    await aMinuteLater();
    expect(alertsTo(buyer)).toHaveLength(1);
  });

  it("sends a buyer's confirmation before alerts owed earlier", async () => {
    const f = await upcoming(12 * MINUTE);
    const fans = await Promise.all([0, 1, 2, 3, 4].map(() => svc.issuer.user('user')));
    const buyer = await svc.issuer.user('user');
    const onSale = await createEventFixture(svc.ctx.db);
    const retries = await outcome('retry');
    relay.refusing.value = true;
    try {
      for (const fan of fans) expect((await ask(f.eventId, fan)).statusCode).toBe(201);
      await eventually(async () => expect(await outcome('retry')).toBe(retries + fans.length));
      clock.advance(1_000);
      const held = await svc.app.inject({
        method: 'POST',
        url: '/api/tickets/book',
        headers: buyer.headers,
        payload: { eventId: onSale.eventId, seatIds: [onSale.rows.A![0]!] },
      });
      expect(held.statusCode, held.body).toBe(201);
      await confirmAsPayment(svc, held.json().reservation.id);
      await eventually(async () => {
        const rows = await svc.ctx.db
          .selectFrom('booking_mails')
          .select(['kind', 'attempts'])
          // Counted when claimed, an attempt has been made once the relay's refusal is recorded.
          .select((eb) => eb('last_error', 'is not', null).as('refused'))
          .where('kind', '=', 'confirmed')
          .where('reservation_id', '=', held.json().reservation.id)
          .execute();
        expect(rows).toEqual([{ kind: 'confirmed', attempts: 1, refused: true }]);
      });
    } finally {
      relay.refusing.value = false;
    }
    const from = relay.mail.length;
    clock.advance(31_000);
    await worker().sweep();
    const order = relay.mail.slice(from).map((m) => m.to);
    expect(order).toHaveLength(fans.length + 1);
    expect(order[0]).toBe(buyer.email);
  });
});

describe('a closed account', () => {
  it("loses its alerts and its bookings' name and address; a mail still owed finds no address", async () => {
    const f = await upcoming(5 * 3_600_000);
    const onSale = await createEventFixture(svc.ctx.db);
    const buyer = await svc.issuer.user('user', { name: 'Leaving Soon' });
    const stays = await svc.issuer.user('user', { name: 'Staying' });
    expect((await ask(f.eventId, buyer)).statusCode).toBe(201);
    expect((await ask(f.eventId, stays)).statusCode).toBe(201);
    const held = await svc.app.inject({
      method: 'POST',
      url: '/api/tickets/book',
      headers: buyer.headers,
      payload: { eventId: onSale.eventId, seatIds: [onSale.rows.B![0]!] },
    });
    expect(held.statusCode, held.body).toBe(201);
    const reservationId = held.json().reservation.id as string;
    const person = () =>
      svc.ctx.db
        .selectFrom('reservations')
        .select(['user_email', 'user_name'])
        .where('id', '=', reservationId)
        .executeTakeFirstOrThrow();
    expect(await person()).toEqual({ user_email: buyer.email, user_name: 'Leaving Soon' });

    const fact = {
      id: newId('evn'),
      type: 'user.deleted',
      source: 'auth',
      occurredAt: clock.now().toISOString(),
      data: { userId: buyer.id, deletedAt: clock.now().toISOString() },
    };
    await svc.bus.publish(fact);
    await eventually(async () => expect(await person()).toEqual({ user_email: '', user_name: '' }));
    expect((await call('GET', '/api/alerts', buyer)).json().items).toEqual([]);
    expect((await call('GET', '/api/alerts', stays)).json().items).toHaveLength(1);
    await svc.bus.publish(fact); // again: nothing more to forget, nothing fails
    await svc.bus.publish({ ...fact, id: newId('evn') });

    const noAddress = async () => {
      const metric = svc.ctx.metrics.getSingleMetric('ticket_booking_mails_total') as Counter<
        'kind' | 'result'
      >;
      return (
        (await metric.get()).values.find(
          (v) => v.labels.kind === 'confirmed' && v.labels.result === 'no_address',
        )?.value ?? 0
      );
    };
    const before = await noAddress();
    await confirmAsPayment(svc, reservationId);
    await eventually(async () => expect(await noAddress()).toBe(before + 1));
    expect(relay.mail.filter((m) => m.to === buyer.email && m.subject.includes('예매 완료'))).toHaveLength(0);
  });
});
