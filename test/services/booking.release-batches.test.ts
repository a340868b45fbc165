import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '@tiketi/testing';
import { createTicketService, type TicketConfig } from '@tiketi/ticket';
import { bookingInstance } from '../../services/ticket/src/booking/booking.area';
import { cancelPendingHoldsOfEvent } from '../../services/ticket/src/booking/event-cancel.service';
import { seatHoldKey } from '../../services/ticket/src/booking/reservation.model';
import { expireDue } from '../../services/ticket/src/booking/reservation.service';
import { createEventFixture, movableClock, type EventFixture } from './booking.fixtures';

/**
 * The sweeps that close many holds at once (expiry, a cancelled event) close a batch in one
 * transaction with a statement per step, not per hold. Every hold of the batch must still come
 * out as if closed alone: its seats free in PostgreSQL and in the fast path, its buyer's count
 * back, one fact published, and no two sweeps closing the same hold or locking each other out.
 */
describe('closing holds in batches', () => {
  const clock = movableClock();
  let svc: TestService<TicketConfig>;

  // No workers: each test runs the sweeps itself, on a database of its own (a sweep closes every
  // event's holds, and counts what it closed).
  beforeEach(async () => {
    svc = await startTestService(createTicketService(), { clock, start: false });
  });
  afterEach(async () => {
    await svc?.close();
  });

  const runtime = () => bookingInstance(svc.ctx).runtime;

  /** `buyers` buyers, each holding `each` holds of one seat (a buyer appears many times in a batch). */
  async function holdMany(fx: EventFixture, buyers: number, each: number) {
    const ids: string[] = [];
    let seat = 0;
    for (let b = 0; b < buyers; b++) {
      const buyer = await svc.issuer.user('user');
      for (let h = 0; h < each; h++) {
        const res = await svc.app.inject({
          method: 'POST',
          url: '/api/tickets/book',
          headers: buyer.headers,
          payload: { eventId: fx.eventId, seatIds: [fx.seatIds[seat++]!] },
        });
        expect(res.statusCode, res.body).toBe(201);
        ids.push(res.json().reservation.id as string);
      }
    }
    return ids;
  }

  async function expectAllReleased(fx: EventFixture, ids: string[], status: string, fact: string) {
    const db = svc.ctx.db;
    const rows = await db
      .selectFrom('reservations')
      .select(['id', 'status'])
      .where('event_id', '=', fx.eventId)
      .execute();
    expect(rows).toHaveLength(ids.length);
    expect(rows.filter((r) => r.status !== status)).toEqual([]);
    const held = await db
      .selectFrom('seats')
      .select('id')
      .where('event_id', '=', fx.eventId)
      .where('status', '<>', 'available')
      .execute();
    expect(held).toEqual([]);
    const active = await db
      .selectFrom('reservation_seats')
      .select('seat_id')
      .where('reservation_id', 'in', ids)
      .where('active', '=', true)
      .execute();
    expect(active).toEqual([]);
    const counts = await db
      .selectFrom('user_event_seats')
      .select(['user_id', 'seats'])
      .where('event_id', '=', fx.eventId)
      .execute();
    expect(counts.filter((c) => Number(c.seats) !== 0)).toEqual([]);
    const facts = await db.selectFrom('outbox').select('payload').where('type', '=', fact).execute();
    const closed = facts
      .map((f) => (typeof f.payload === 'string' ? JSON.parse(f.payload) : f.payload).data)
      .filter((d: { eventId: string }) => d.eventId === fx.eventId)
      .map((d: { reservationId: string }) => d.reservationId);
    expect(closed.sort()).toEqual([...ids].sort());
    // The fast path let go of every seat: another owner can claim them all at once.
    const keys = fx.seatIds.slice(0, ids.length).map((s) => seatHoldKey(fx.eventId, s));
    expect(await runtime().coordination().claimAll(keys, 'rsv_someone_else', 60_000)).toEqual([]);
    await runtime().coordination().releaseIfOwner(keys, 'rsv_someone_else');
  }

  it('a cancelled event: 450 holds, three per buyer, all closed, one waiting on a lock another transaction holds', async () => {
    const fx = await createEventFixture(svc.ctx.db, { rows: 5, seatsPerRow: 100 });
    const ids = await holdMany(fx, 150, 3);
    const db = svc.ctx.db;
    await db.updateTable('events').set({ status: 'cancelled' }).where('id', '=', fx.eventId).execute();

    // A confirm (say) has one hold locked while the cancellation runs: that hold is not skipped for good.
    let cancelled: Promise<number> | undefined;
    await db.transaction().execute(async (trx) => {
      await trx.selectFrom('reservations').select('id').where('id', '=', ids[7]!).forUpdate().execute();
      cancelled = cancelPendingHoldsOfEvent(runtime(), fx.eventId);
      await new Promise((r) => setTimeout(r, 200));
    });
    expect(await cancelled).toBe(450);
    expect(await cancelPendingHoldsOfEvent(runtime(), fx.eventId)).toBe(0);
    await expectAllReleased(fx, ids, 'cancelled', 'reservation.cancelled');
    const reasons = await db
      .selectFrom('reservations')
      .select('cancel_reason')
      .distinct()
      .where('event_id', '=', fx.eventId)
      .execute();
    expect(reasons.map((r) => r.cancel_reason)).toEqual(['Event cancelled']);
  });

  it('expiry: four sweeps at once over buyers holding several holds each close every hold exactly once', async () => {
    const fx = await createEventFixture(svc.ctx.db, { rows: 4, seatsPerRow: 100, holdMinutes: 1 });
    const ids = await holdMany(fx, 100, 3);
    // One hold is being paid for: its lease keeps it past its expiry.
    await svc.ctx.db
      .updateTable('reservations')
      .set({ payment_lease_until: new Date(clock.now().getTime() + 10 * 60_000) })
      .where('id', '=', ids[0]!)
      .execute();
    clock.advance(61_000);

    const sweep = async () => {
      let total = 0;
      for (let n = await expireDue(runtime(), 40); n > 0; n = await expireDue(runtime(), 40)) total += n;
      return total;
    };
    const totals = await Promise.all([sweep(), sweep(), sweep(), sweep()]);
    expect(totals.reduce((a, b) => a + b, 0)).toBe(299);
    const leased = await svc.ctx.db
      .selectFrom('reservations')
      .select('status')
      .where('id', '=', ids[0]!)
      .executeTakeFirstOrThrow();
    expect(leased.status).toBe('pending');

    // The lease runs out: the last hold expires too, and everything is as if each closed alone.
    clock.advance(10 * 60_000);
    expect(await expireDue(runtime())).toBe(1);
    await expectAllReleased(fx, ids, 'expired', 'reservation.expired');
  });
});
