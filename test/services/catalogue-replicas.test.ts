import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import {
  createTestBus,
  createTestCoordination,
  createTestDatabase,
  createTestIssuer,
  eventually,
  startTestService,
  type TestDatabase,
  type TestService,
} from '@tiketi/testing';
import { createTicketService, type TicketConfig } from '@tiketi/ticket';
import { catalogueFor } from '../../services/ticket/src/catalogue/index';

/** One clock both replicas read, moved by the test. */
const clock = {
  t: Date.parse('2030-03-01T00:00:00Z'),
  now() {
    return new Date(this.t);
  },
};

describe('catalogue scheduler on two ticket-service replicas', () => {
  let database: TestDatabase;
  let a: TestService<TicketConfig>;
  let b: TestService<TicketConfig>;
  let closeShared: () => Promise<void>;
  const ids: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('catalogue_replicas');
    const coordination = await createTestCoordination();
    const bus = await createTestBus();
    const issuer = await createTestIssuer();
    const options = { database, coordination, bus, issuer, clock };
    a = await startTestService(createTicketService(), options);
    b = await startTestService(createTicketService(), options);
    closeShared = async () => {
      await coordination.close();
      await bus.close();
    };
    const admin = await a.issuer.user('admin');
    for (let i = 0; i < 6; i++) {
      const via = i % 2 === 0 ? a : b;
      const created = await via.app.inject({
        method: 'POST',
        url: '/api/events',
        headers: admin.headers,
        payload: {
          title: `Replica show ${i}`,
          category: 'concert',
          venueName: 'Hall',
          startsAt: '2030-04-01T10:00:00Z',
          endsAt: '2030-04-01T12:00:00Z',
          saleStartsAt: '2030-03-10T01:00:00Z',
          saleEndsAt: '2030-04-01T09:00:00Z',
          layout: { sections: [{ name: 'R', price: 50000, rows: [{ label: 'A', seats: 2 }] }] },
        },
      });
      expect(created.statusCode, created.body).toBe(201);
      const id = created.json().event.id as string;
      expect(
        (
          await via.app.inject({ method: 'POST', url: `/api/events/${id}/publish`, headers: admin.headers })
        ).json().event.status,
      ).toBe('scheduled');
      ids.push(id);
    }
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await closeShared?.();
    await database?.drop();
  });

  async function updates(): Promise<Map<string, string[]>> {
    const rows = await sql<{ event_id: string; status: string }>`
      select payload->'data'->>'eventId' as event_id, payload->'data'->>'status' as status
      from ${sql.table('ticket.outbox')} where type = 'event.updated' order by id`.execute(a.ctx.db);
    const byEvent = new Map<string, string[]>();
    for (const r of rows.rows) byEvent.set(r.event_id, [...(byEvent.get(r.event_id) ?? []), r.status]);
    return byEvent;
  }

  async function statuses(): Promise<string[]> {
    const rows = await a.ctx.db
      .selectFrom('events')
      .select(['id', 'status'])
      .where('id', 'in', ids)
      .execute();
    return rows.map((r) => r.status as string);
  }

  it('moves every event exactly once when both replicas tick at the same moment', async () => {
    clock.t = Date.parse('2030-03-10T01:00:00Z');
    const moved = await Promise.all([
      catalogueFor(a.ctx).scheduler.tick(),
      catalogueFor(b.ctx).scheduler.tick(),
      catalogueFor(a.ctx).scheduler.tick(),
    ]);
    // The background loops may have taken some: together every event moved once.
    expect(moved.reduce((x, y) => x + y, 0)).toBeLessThanOrEqual(ids.length);
    expect(await statuses()).toEqual(ids.map(() => 'on_sale'));
    const byEvent = await updates();
    for (const id of ids) expect(byEvent.get(id)).toEqual(['on_sale']);
  });

  it('lets the background schedulers of both replicas close the sale once, on time', async () => {
    clock.t = Date.parse('2030-04-01T09:00:00Z');
    await eventually(async () => expect(await statuses()).toEqual(ids.map(() => 'sale_closed')), 10_000, 100);
    const byEvent = await updates();
    for (const id of ids) expect(byEvent.get(id)).toEqual(['on_sale', 'sale_closed']);
  });
});
