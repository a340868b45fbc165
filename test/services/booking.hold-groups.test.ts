import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, outboxEntry } from '@tiketi/platform';
import { startTestService, type TestService } from '@tiketi/testing';
import { createTicketService } from '@tiketi/ticket';
import { HoldGroups } from '../../services/ticket/src/booking/hold.groups';
import type { HoldOutcome, HoldRequest } from '../../services/ticket/src/booking/hold.repository';
import { createEventFixture, type EventFixture } from './booking.fixtures';

/**
 * Holds that arrive together share one statement. Whatever a group holds, each hold's outcome is
 * the one it would have had alone, in arrival order; a hold that breaks the statement (a unique
 * violation) costs the others nothing but a second try.
 */
let service: TestService;
beforeAll(async () => {
  service = await startTestService(createTicketService(), { start: false, relay: false });
});
afterAll(async () => {
  await service?.close();
});

/** Holds at most 3 seats per buyer, as the statement is told (the event row is not read for it). */
function holdRequest(fixture: EventFixture, userId: string, seatIds: string[], seatLimit = 3): HoldRequest {
  const now = new Date();
  const id = newId('rsv');
  const { row } = outboxEntry('ticket', 'reservation.held', {
    reservationId: id,
    eventId: fixture.eventId,
    userId,
    seatCount: seatIds.length,
    amount: 0,
    occurredAt: now.toISOString(),
    seatIds: [...seatIds].sort(),
    expiresAt: new Date(now.getTime() + 600_000).toISOString(),
  });
  return {
    reservation: {
      id,
      eventId: fixture.eventId,
      userId,
      userEmail: `${userId}@example.com`,
      userName: userId,
      expiresAt: new Date(now.getTime() + 600_000),
      createdAt: now,
    },
    seatIds: [...seatIds].sort(),
    seatLimit,
    now,
    outbox: row,
  };
}

/** One group in flight at a time: the first hold leaves alone, everything asked meanwhile leaves together. */
function groupsOfOne() {
  const sizes: number[] = [];
  const groups = new HoldGroups(service.ctx.db, {
    maxInFlight: 1,
    maxGroup: 64,
    onGroup: (n) => sizes.push(n),
  });
  return { groups, sizes };
}

async function activeSeats(reservationId: string): Promise<string[]> {
  const rows = await service.ctx.db
    .selectFrom('reservation_seats')
    .select('seat_id')
    .where('reservation_id', '=', reservationId)
    .where('active', '=', true)
    .orderBy('seat_id')
    .execute();
  return rows.map((r) => r.seat_id as string);
}

describe('holds in groups', () => {
  it('gives every hold of a group its own outcome, in arrival order', async () => {
    const fixture = await createEventFixture(service.ctx.db, { rows: 1, seatsPerRow: 10 });
    const [s0, s1, s2, s3, s4, s5, s6] = fixture.seatIds as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const { groups, sizes } = groupsOfOne();
    const asked = [
      holdRequest(fixture, 'usr_a', [s0]),
      // The rest form one group: two buyers after the same seat (the first asked wins) ...
      holdRequest(fixture, 'usr_b', [s1, s2]),
      holdRequest(fixture, 'usr_c', [s2, s3]),
      // ... one buyer whose second hold would pass the limit of 3 ...
      holdRequest(fixture, 'usr_d', [s4, s5]),
      holdRequest(fixture, 'usr_d', [s6, fixture.seatIds[7]!]),
      // ... a seat of another event, and one held before the group.
      holdRequest(fixture, 'usr_e', ['seat_nowhere']),
      holdRequest(fixture, 'usr_f', [s0]),
    ];
    const outcomes = await Promise.all(asked.map((h) => groups.take(h)));
    expect(sizes).toEqual([1, 6]);
    expect(outcomes.map((o) => o.kind)).toEqual([
      'held',
      'held',
      'unavailable',
      'held',
      'over_limit',
      'not_found',
      'unavailable',
    ]);
    expect((outcomes[2] as Extract<HoldOutcome, { kind: 'unavailable' }>).seatIds).toEqual([s2]);
    expect(outcomes[4]).toEqual({ kind: 'over_limit', held: 2 });
    expect(await activeSeats(asked[1]!.reservation.id)).toEqual([s1, s2].sort());
    expect(await activeSeats(asked[2]!.reservation.id)).toEqual([]);
    expect(await activeSeats(asked[4]!.reservation.id)).toEqual([]);
    const quota = await service.ctx.db
      .selectFrom('user_event_seats')
      .select(['user_id', 'seats'])
      .where('event_id', '=', fixture.eventId)
      .orderBy('user_id')
      .execute();
    expect(quota).toEqual([
      { user_id: 'usr_a', seats: 1 },
      { user_id: 'usr_b', seats: 2 },
      { user_id: 'usr_d', seats: 2 },
    ]);
    const events = await service.ctx.db
      .selectFrom('outbox')
      .select('id')
      .where(
        'id',
        'in',
        asked.map((h) => h.outbox.id),
      )
      .execute();
    expect(events.map((e) => e.id).sort()).toEqual(
      [asked[0]!, asked[1]!, asked[3]!].map((h) => h.outbox.id).sort(),
    );
  });

  it('retries the holds one by one when one of them breaks the statement', async () => {
    const fixture = await createEventFixture(service.ctx.db, { rows: 1, seatsPerRow: 10 });
    const [s0, s1, s2, s3] = fixture.seatIds as [string, string, string, string];
    const { groups, sizes } = groupsOfOne();
    const first = holdRequest(fixture, 'usr_first', [s0]);
    await groups.take(first);
    // A seat marked available again while its reservation is still active (as a bad manual repair
    // would leave it): only the partial unique index refuses a second reservation of it.
    await service.ctx.db.updateTable('seats').set({ status: 'available' }).where('id', '=', s0).execute();

    const asked = [
      holdRequest(fixture, 'usr_alone', [s3]),
      holdRequest(fixture, 'usr_b', [s1]),
      holdRequest(fixture, 'usr_bad', [s0]),
      holdRequest(fixture, 'usr_c', [s2]),
    ];
    const answers = await Promise.allSettled(asked.map((h) => groups.take(h)));
    expect(sizes).toEqual([1, 1, 3]);
    expect(answers.map((a) => a.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((answers[2] as PromiseRejectedResult).reason).toMatchObject({ code: '23505' });
    for (const i of [0, 1, 3]) {
      expect((answers[i] as PromiseFulfilledResult<HoldOutcome>).value.kind).toBe('held');
      expect(await activeSeats(asked[i]!.reservation.id)).toEqual(asked[i]!.seatIds);
    }
    const bad = await service.ctx.db
      .selectFrom('reservations')
      .select('id')
      .where('id', '=', asked[2]!.reservation.id)
      .execute();
    expect(bad).toEqual([]);
  });
});
