import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { newId } from '@tiketi/platform';
import { startTestService, type TestService } from '@tiketi/testing';
import { createTicketService, type TicketConfig } from '@tiketi/ticket';
import { leaseStatement } from '../../services/ticket/src/booking/checkout.repository';
import { createEventFixture } from './booking.fixtures';

/**
 * The plans of checkout statements on a table the planner has not sampled, which is what a sale's
 * first minute looks like: holds pour into `reservations` faster than autovacuum analyses it.
 */
let svc: TestService<TicketConfig>;

beforeAll(async () => {
  svc = await startTestService(createTicketService());
});
afterAll(async () => {
  await svc?.close();
});

/** Pending holds of one event, written as the hold statement leaves them. */
async function pendingHolds(eventId: string, count: number): Promise<string[]> {
  const now = Date.now();
  const rows = Array.from({ length: count }, (_, i) => ({
    id: newId('rsv'),
    event_id: eventId,
    user_id: `usr_plan_${i}`,
    user_email: `plan-${i}@tiketi.test`,
    user_name: `Buyer ${i}`,
    status: 'pending',
    amount: 110_000,
    seat_count: 1,
    expires_at: new Date(now + 600_000 + i),
    created_at: new Date(now),
    updated_at: new Date(now),
  }));
  await svc.ctx.db.insertInto('reservations').values(rows).execute();
  return rows.map((r) => r.id);
}

describe('checkout statement plans', () => {
  it('a payment lease finds its hold by primary key, not by walking the unexpired holds', async () => {
    const f = await createEventFixture(svc.ctx.db);
    const ids = await pendingHolds(f.eventId, 600);
    const now = new Date();
    const statement = leaseStatement({
      id: ids[300]!,
      paymentId: 'pay_plan',
      now,
      leaseUntil: new Date(now.getTime() + 60_000),
    });
    const { rows } = await sql<Record<string, unknown>>`explain (format json) ${statement}`.execute(
      svc.ctx.db,
    );
    const plan = JSON.stringify(rows);
    expect(plan).toContain('reservations_pkey');
    expect(plan).not.toContain('reservations_pending_expiry');
  });
});
