import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@tiketi/testing';
import { newId } from '@tiketi/platform';
import { CancelledEventRefunds, paymentDeps, reconcileOnce } from '@tiketi/payment';
import { payThrough, publishEventCancelled, startHarness, type PaymentHarness } from './payment-harness';
import type { DoubleEvent } from './payment-ticket-double';

const CONCURRENCY = 4;
let h: PaymentHarness;
let admin: { id: string; headers: { authorization: string } };

beforeAll(async () => {
  // The reconciler's sweep stays out of the way after its first pass: the fact's own pass is
  // what is watched here.
  h = await startHarness({
    PAYMENT_REFUND_CONCURRENCY: String(CONCURRENCY),
    PAYMENT_RECONCILE_INTERVAL_MS: '600000',
  });
  admin = await h.svc.issuer.user('admin');
  // Past that first pass (a second after boot), whichever test runs first.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
});
afterAll(async () => {
  await h?.close();
});

async function paidByToss(event: DoubleEvent): Promise<{ id: string; amount: number }> {
  const buyer = await h.svc.issuer.user('user');
  return payThrough(h, buyer, h.ticket.addReservation(buyer.id, { event, prices: [30_000] }).id, 'toss');
}

async function paymentOf(id: string): Promise<{ status: string; refundedAmount: number }> {
  const res = await h.svc.app.inject({ method: 'GET', url: `/api/payments/${id}`, headers: admin.headers });
  return res.json().payment;
}

function allRefunded(paid: Array<{ id: string; amount: number }>): Promise<void> {
  return eventually(async () => {
    for (const p of paid)
      expect(await paymentOf(p.id)).toMatchObject({ status: 'refunded', refundedAmount: p.amount });
  }, 30_000);
}

describe("a cancelled event's refunds", () => {
  it('run PAYMENT_REFUND_CONCURRENCY at a time, each payment refunded once', async () => {
    const event = h.ticket.addEvent({ startsAt: new Date(Date.now() + 3 * 86_400_000).toISOString() });
    const paid: Array<{ id: string; amount: number }> = [];
    for (let i = 0; i < 3 * CONCURRENCY; i++) paid.push(await paidByToss(event));
    const cancelsBefore = h.toss.cancelRequests.length;
    h.toss.knobs.latencyMs = 150;
    try {
      await publishEventCancelled(h, event);
      await allRefunded(paid);
    } finally {
      h.toss.knobs.latencyMs = 0;
    }
    expect(h.toss.cancelRequests.length - cancelsBefore).toBe(paid.length);
    // One at a time before. The reconciler's first pass, a second after boot, joins the run.
    expect(h.toss.mostCancelsAtOnce).toBe(CONCURRENCY);
  });

  it("of a second event do not wait for the first event's refunds to end", async () => {
    const startsAt = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const first = h.ticket.addEvent({ startsAt });
    const second = h.ticket.addEvent({ startsAt });
    const many: Array<{ id: string; amount: number }> = [];
    for (let i = 0; i < 4 * CONCURRENCY; i++) many.push(await paidByToss(first));
    const one = await paidByToss(second);
    // Each refund is a look-up and a cancel: the first event's take four rounds of 600 ms or more.
    h.toss.knobs.latencyMs = 300;
    try {
      // Before, the first fact's delivery lasted until its last refund: embedded, this publish
      // itself waited that long; through Redis, the group's next delivery (the second) did.
      await publishEventCancelled(h, first);
      await publishEventCancelled(h, second);
      await eventually(async () => {
        expect(await paymentOf(one.id)).toMatchObject({ status: 'refunded', refundedAmount: one.amount });
      }, 20_000);
      const firstRefunded = (await Promise.all(many.map((p) => paymentOf(p.id)))).filter(
        (p) => p.status === 'refunded',
      ).length;
      expect(firstRefunded).toBeLessThan(many.length);
      await allRefunded(many);
    } finally {
      h.toss.knobs.latencyMs = 0;
    }
  });

  it('left unfinished by a stopped process, are taken up whole by the next sweep, not a page a pass', async () => {
    const event = h.ticket.addEvent({ startsAt: new Date(Date.now() + 3 * 86_400_000).toISOString() });
    // More than the sweep reads at once (100).
    const paid: Array<{ id: string; amount: number }> = [];
    for (let i = 0; i < 110; i++) paid.push(await paidByToss(event));
    const cancelsBefore = h.toss.cancelRequests.length;
    // What a process stopped right after recording the fact leaves: the cancellation, no refunds.
    const deps = paymentDeps(h.svc.ctx);
    await deps.cancelledEvents.record(event.id, new Date());
    await reconcileOnce(deps, new CancelledEventRefunds(deps, h.svc.ctx.coordination));
    // The next pass is ten minutes away (PAYMENT_RECONCILE_INTERVAL_MS): this one did it all.
    await eventually(async () => {
      const left = await h.svc.ctx.db
        .selectFrom('payments')
        .select(({ fn }) => fn.countAll<number>().as('n'))
        .where('event_id', '=', event.id)
        .where('status', '<>', 'refunded')
        .executeTakeFirstOrThrow();
      expect(Number(left.n)).toBe(0);
    }, 20_000);
    expect(h.toss.cancelRequests.length - cancelsBefore).toBe(paid.length);
  });

  it("go through all of an event's payments, a page at a time", async () => {
    const event = h.ticket.addEvent({ startsAt: new Date(Date.now() + 3 * 86_400_000).toISOString() });
    const paid: Array<{ id: string; amount: number }> = [];
    for (let i = 0; i < 12; i++) paid.push(await paidByToss(event));
    const deps = paymentDeps(h.svc.ctx);
    // The cancellation recorded, its refunds run by a runner reading five payments a page.
    await deps.cancelledEvents.record(event.id, new Date());
    const runner = new CancelledEventRefunds(deps, h.svc.ctx.coordination, { page: 5 });
    try {
      runner.start(event.id);
      await allRefunded(paid);
    } finally {
      await runner.close();
    }
  });

  it('run on one replica at a time: another handed the same event leaves it to the first', async () => {
    const event = h.ticket.addEvent({ startsAt: new Date(Date.now() + 3 * 86_400_000).toISOString() });
    const paid: Array<{ id: string; amount: number }> = [];
    for (let i = 0; i < 3 * CONCURRENCY; i++) paid.push(await paidByToss(event));
    const cancelsBefore = h.toss.cancelRequests.length;
    h.toss.mostCancelsAtOnce = 0;
    h.toss.knobs.latencyMs = 300;
    // Another replica's runner (same database and coordination): its sweep, or its own delivery.
    const otherReplica = new CancelledEventRefunds(paymentDeps(h.svc.ctx), h.svc.ctx.coordination);
    try {
      await publishEventCancelled(h, event);
      otherReplica.start(event.id);
      await allRefunded(paid);
    } finally {
      h.toss.knobs.latencyMs = 0;
      await otherReplica.close();
    }
    expect(h.toss.cancelRequests.length - cancelsBefore).toBe(paid.length);
    // Both ran the list before: the provider saw twice the setting at once.
    expect(h.toss.mostCancelsAtOnce).toBeLessThanOrEqual(CONCURRENCY);
  });

  it("leave no fee to a buyer who cancels such a booking before the event's refunds reach it", async () => {
    // Three days before the show the policy keeps 20%.
    const event = h.ticket.addEvent({ startsAt: new Date(Date.now() + 3 * 86_400_000).toISOString() });
    const buyer = await h.svc.issuer.user('user');
    const reservation = h.ticket.addReservation(buyer.id, { event, prices: [30_000, 20_000] });
    const payment = await payThrough(h, buyer, reservation.id, 'toss');
    // The fact has come (the cancellation is recorded); the event's run has not reached this payment.
    await paymentDeps(h.svc.ctx).cancelledEvents.record(event.id, new Date());
    const quote = await h.svc.app.inject({
      method: 'GET',
      url: `/api/payments/refund-quote?reservationId=${reservation.id}`,
      headers: buyer.headers,
    });
    expect(quote.json()).toMatchObject({ refundable: true, amount: 50_000, fee: 0, refundAmount: 50_000 });
    const own = await h.svc.app.inject({
      method: 'POST',
      url: '/api/payments/refund',
      payload: { paymentId: payment.id, reason: 'changed my mind' },
      headers: buyer.headers,
    });
    expect(own.statusCode, own.body).toBe(200);
    // Before: 40,000 back and 10,000 kept, the payment closed as refunded, so no sweep returned it.
    expect(own.json().payment).toMatchObject({ status: 'refunded', refundedAmount: 50_000, fee: 0 });
  });
});

describe('an event moved to another time or venue', () => {
  /** What ticket publishes when the operator moves the event: its new start and what it was. */
  const publishMoved = (event: DoubleEvent, startsAt: Date) =>
    h.svc.bus.publish({
      id: newId('evn'),
      type: 'event.updated',
      source: 'ticket',
      occurredAt: new Date().toISOString(),
      data: {
        eventId: event.id,
        title: event.title,
        status: 'on_sale',
        startsAt: startsAt.toISOString(),
        seatsTotal: 100,
        previously: { startsAt: event.startsAt, venueName: 'Olympic Hall' },
      },
    });
  const quoteFor = async (buyer: { headers: Record<string, string> }, reservationId: string) =>
    (
      await h.svc.app.inject({
        method: 'GET',
        url: `/api/payments/refund-quote?reservationId=${reservationId}`,
        headers: buyer.headers,
      })
    ).json();

  it('lets a buyer who paid before the change cancel without a fee until it begins, and no one else', async () => {
    // Three days before the show the policy keeps 20%.
    const event = h.ticket.addEvent({ startsAt: new Date(Date.now() + 3 * 86_400_000).toISOString() });
    const before = await h.svc.issuer.user('user');
    const early = h.ticket.addReservation(before.id, { event, prices: [30_000, 20_000] });
    const earlyPayment = await payThrough(h, before, early.id, 'toss');
    expect(await quoteFor(before, early.id)).toMatchObject({ fee: 10_000, feeWaived: null });

    await publishMoved(event, new Date(Date.now() + 4 * 86_400_000));
    await eventually(async () =>
      expect(await quoteFor(before, early.id)).toMatchObject({
        refundable: true,
        fee: 0,
        refundAmount: 50_000,
        feeWaived: 'event_changed',
      }),
    );
    // Paid after the change: the buyer took the new time as it was.
    const after = await h.svc.issuer.user('user');
    const late = h.ticket.addReservation(after.id, { event, prices: [30_000] });
    await payThrough(h, after, late.id, 'toss');
    expect(await quoteFor(after, late.id)).toMatchObject({
      fee: 6_000,
      refundAmount: 24_000,
      feeWaived: null,
    });

    const own = await h.svc.app.inject({
      method: 'POST',
      url: '/api/payments/refund',
      payload: { paymentId: earlyPayment.id, reason: 'cannot come on the new date' },
      headers: before.headers,
    });
    expect(own.statusCode, own.body).toBe(200);
    expect(own.json().payment).toMatchObject({ status: 'refunded', refundedAmount: 50_000, fee: 0 });
  });

  it('takes the fee again once the moved event has begun', async () => {
    const event = h.ticket.addEvent({ startsAt: new Date(Date.now() + 3 * 86_400_000).toISOString() });
    const buyer = await h.svc.issuer.user('user');
    const reservation = h.ticket.addReservation(buyer.id, { event, prices: [40_000] });
    await payThrough(h, buyer, reservation.id, 'toss');
    // Moved to an hour ago (the fact is late, or the show was brought forward and has begun).
    await publishMoved(event, new Date(Date.now() - 3_600_000));
    await eventually(async () => {
      const changed = await h.svc.ctx.db
        .selectFrom('changed_events')
        .select('event_id')
        .where('event_id', '=', event.id)
        .execute();
      expect(changed).toHaveLength(1);
    });
    expect(await quoteFor(buyer, reservation.id)).toMatchObject({ fee: 8_000, feeWaived: null });
  });
});
