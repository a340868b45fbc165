import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { newId, outboxEntry } from '@tiketi/platform';
import { startTestService, waysInto, type TestService } from '@tiketi/testing';
import { createTicketService, type TicketConfig } from '@tiketi/ticket';
import { confirmStatement, leaseStatement } from '../../services/ticket/src/booking/checkout.repository';
import { transitionReservationStatement } from '../../services/ticket/src/booking/reservation.repository';
import { createEventFixture } from './booking.fixtures';

/**
 * The plans of the statements that find one reservation by its key and check its status, on the
 * tables a sale finds: sampled by the planner before it (no hold pending then, and the events
 * cancelled since unknown to it), or not sampled at all. A statement that matches a partial or
 * status-led index as well as the key can then walk every pending hold, or every cancelled event,
 * to find its one row: the cost grows with the sale's crowd and with the platform's age.
 */
let svc: TestService<TicketConfig>;
let eventId: string;
let ids: string[];

beforeAll(async () => {
  svc = await startTestService(createTicketService());
  const db = svc.ctx.db;
  eventId = (await createEventFixture(db)).eventId;
  // Between sales: the last sale's holds all settled, events cancelled over the years not yet, and
  // the planner's sample taken then.
  await holds(600, 'confirmed', -3_600_000);
  const past = Date.now() - 400 * 86_400_000;
  const earlier = Array.from({ length: 400 }, (_, i) => ({
    id: newId('evt'),
    title: `Earlier ${i}`,
    category: 'concert',
    venue_name: 'Olympic Hall',
    starts_at: new Date(past + i * 86_400_000),
    ends_at: new Date(past + i * 86_400_000 + 7_200_000),
    sale_starts_at: new Date(past - 30 * 86_400_000),
    sale_ends_at: new Date(past + i * 86_400_000),
    status: 'ended',
  }));
  await db.insertInto('events').values(earlier).execute();
  const laterCancelled = earlier.filter((_, i) => i % 2 === 0).map((e) => e.id);
  await sql`analyze ticket.reservations`.execute(db);
  await sql`analyze ticket.events`.execute(db);
  await db.updateTable('events').set({ status: 'cancelled' }).where('id', 'in', laterCancelled).execute();
  // The sale: holds pour in, some already past due.
  ids = [...(await holds(300, 'pending', 600_000)), ...(await holds(300, 'pending', -600_000))];
});
afterAll(async () => {
  await svc?.close();
});

async function holds(count: number, status: string, expiresInMs: number): Promise<string[]> {
  const now = Date.now();
  const rows = Array.from({ length: count }, (_, i) => ({
    id: newId('rsv'),
    event_id: eventId,
    user_id: `usr_plan_${i}`,
    user_email: `plan-${i}@tiketi.test`,
    user_name: `Buyer ${i}`,
    status,
    amount: 110_000,
    seat_count: 1,
    expires_at: new Date(now + expiresInMs + i),
    created_at: new Date(now),
    updated_at: new Date(now),
  }));
  await svc.ctx.db.insertInto('reservations').values(rows).execute();
  return rows.map((r) => r.id);
}

describe('checkout statement plans', () => {
  it('a payment lease finds its hold and its event by key', async () => {
    const now = new Date();
    const statement = leaseStatement({
      id: ids[100]!,
      paymentId: 'pay_plan',
      now,
      leaseUntil: new Date(now.getTime() + 60_000),
    });
    expect(await waysInto(svc.ctx.db, statement, 'reservations')).toEqual(['reservations_pkey']);
    expect(await waysInto(svc.ctx.db, statement, 'events')).toEqual(['events_pkey']);
  });

  it('a confirm finds its hold and its event by key, not by walking the pending holds', async () => {
    const { row } = outboxEntry('ticket', 'reservation.confirmed', { reservationId: ids[100] });
    const statement = confirmStatement({ id: ids[100]!, paymentId: 'pay_plan', now: new Date() }, row);
    expect(await waysInto(svc.ctx.db, statement, 'reservations')).toEqual(['reservations_pkey']);
    expect(await waysInto(svc.ctx.db, statement, 'events')).toEqual(['events_pkey']);
    const { rows } = await statement.execute(svc.ctx.db);
    expect(rows.map((r) => [r.id, r.status])).toEqual([[ids[100], 'confirmed']]);
    expect((await statement.execute(svc.ctx.db)).rows).toHaveLength(0);
  });

  it('a hold released or cancelled is found by key, not by walking the pending holds', async () => {
    const now = new Date();
    for (const extra of [undefined, { notLeasedAt: now }]) {
      const statement = transitionReservationStatement(
        svc.ctx.db,
        ids[500]!,
        ['pending'],
        { status: 'expired' },
        extra,
      );
      expect(await waysInto(svc.ctx.db, statement, 'reservations')).toEqual(['reservations_pkey']);
    }
    const moved = await transitionReservationStatement(svc.ctx.db, ids[500]!, ['pending'], {
      status: 'expired',
      closed_at: now,
    }).execute();
    expect(moved.map((r) => [r.id, r.status])).toEqual([[ids[500], 'expired']]);
    const again = await transitionReservationStatement(svc.ctx.db, ids[500]!, ['pending'], {
      status: 'cancelled',
    }).execute();
    expect(again).toHaveLength(0);
  });
});
