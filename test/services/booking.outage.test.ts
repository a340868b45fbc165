import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCoordination } from '@tiketi/platform';
import {
  createTestCoordination,
  createTestIssuer,
  eventually,
  startTestService,
  type TestService,
} from '@tiketi/testing';
import { createTicketService, type TicketConfig } from '@tiketi/ticket';
import { bookingInstance } from '../../services/ticket/src/booking/booking.area';
import { createEventFixture, failingCoordination } from './booking.fixtures';

/**
 * Coordination (Redis) unreachable for a while: sales go on through PostgreSQL, and seat keys that
 * could not be released during the outage are released once it ends, so a returned seat is not
 * refused by a stale fast-path key until that key's TTL.
 */
let svc: TestService<TicketConfig>;
let coordination: ReturnType<typeof failingCoordination>;

beforeAll(async () => {
  coordination = failingCoordination(await createTestCoordination());
  const issuer = await createTestIssuer();
  svc = await startTestService(createTicketService(), {
    coordination,
    issuer,
    tokens: issuer.verifier(new MemoryCoordination()),
  });
});
afterAll(async () => {
  await svc?.close();
  await coordination?.close();
});

describe('booking through a coordination outage', () => {
  it('holds on PostgreSQL alone, then clears the keys it could not release', async () => {
    const f = await createEventFixture(svc.ctx.db);
    const [first, second, third] = [
      await svc.issuer.user('user'),
      await svc.issuer.user('user'),
      await svc.issuer.user('user'),
    ];
    const seat = f.rows.A![0]!;
    const book = (user: typeof first, seatIds: string[]) =>
      svc.app.inject({
        method: 'POST',
        url: '/api/tickets/book',
        headers: user.headers,
        payload: { eventId: f.eventId, seatIds },
      });

    const held = await book(first, [seat]);
    expect(held.statusCode).toBe(201);

    await coordination.fail();
    // The seat comes back in PostgreSQL; its Redis key cannot be released now.
    const cancelled = await svc.app.inject({
      method: 'POST',
      url: `/api/reservations/${held.json().reservation.id}/cancel`,
      headers: first.headers,
    });
    expect(cancelled.statusCode).toBe(200);
    expect(bookingInstance(svc.ctx).runtime.pendingReleases.length).toBe(1);
    // Sales continue without Redis, and PostgreSQL still refuses a taken seat.
    expect((await book(second, [f.rows.A![1]!])).statusCode).toBe(201);
    const taken = await book(third, [f.rows.A![1]!]);
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.details.seatIds).toEqual([f.rows.A![1]]);

    coordination.recover();
    await eventually(() => expect(bookingInstance(svc.ctx).runtime.pendingReleases).toHaveLength(0), 5_000);
    // The returned seat sells again at once, not after the old hold's TTL.
    const again = await book(third, [seat]);
    expect(again.statusCode, again.body).toBe(201);
  });
});
