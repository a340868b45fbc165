import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import {
  createTestCoordination,
  eventually,
  outageCoordination,
  type OutageCoordination,
} from '@tiketi/testing';
import { catalogueFor } from './catalogue.registry';
import { CatalogueScheduler } from './catalogue.scheduler';
import { eventBody, startCatalogue, type CatalogueHarness } from './catalogue.testkit';

/**
 * Coordination (Redis) unreachable: the catalogue answers from PostgreSQL, admin writes succeed,
 * the clock still opens sales, and nothing cached before the outage is served after it.
 */
let h: CatalogueHarness;
let coordination: OutageCoordination;
beforeAll(async () => {
  coordination = outageCoordination(await createTestCoordination());
  h = await startCatalogue('2026-03-01T00:00:00.000Z', { coordination });
});
afterAll(async () => {
  await h?.close();
  await coordination?.close();
});

const inject = (method: string, url: string, headers?: Record<string, string>, payload?: unknown) =>
  h.svc.app.inject({
    method: method as 'GET',
    url,
    headers,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });

async function publishedEvent(title: string, overrides: Record<string, unknown> = {}): Promise<string> {
  const created = await inject('POST', '/api/events', h.admin, eventBody({ title, ...overrides }));
  expect(created.statusCode, created.body).toBe(201);
  const id = created.json().event.id as string;
  const published = await inject('POST', `/api/events/${id}/publish`, h.admin);
  expect(published.statusCode, published.body).toBe(200);
  return id;
}

const metric = async (name: string, labels: Record<string, string> = {}) =>
  (await h.svc.ctx.metrics.getSingleMetric(name)!.get()).values
    .filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))
    .reduce((sum, v) => sum + v.value, 0);

const titles = async () =>
  ((await inject('GET', '/api/events?limit=100')).json().items as Array<{ title: string }>).map(
    (e) => e.title,
  );

describe('catalogue through a coordination outage', () => {
  it('reads from the database, takes admin writes, and serves nothing stale afterwards', async () => {
    h.clock.set('2026-03-01T00:00:00Z');
    const id = await publishedEvent('Before The Outage');
    // Cached while healthy: the detail and the list are in coordination now.
    expect((await inject('GET', `/api/events/${id}`)).json().event.title).toBe('Before The Outage');
    expect((await inject('GET', `/api/events/${id}`)).json().event.title).toBe('Before The Outage');
    expect(await titles()).toContain('Before The Outage');
    expect(
      await metric('ticket_catalogue_cache_requests_total', { kind: 'event', result: 'hit' }),
    ).toBeGreaterThan(0);

    coordination.fail();
    const list = await inject('GET', '/api/events?limit=100');
    expect(list.statusCode, list.body).toBe(200);
    const detail = await inject('GET', `/api/events/${id}`);
    expect(detail.statusCode, detail.body).toBe(200);
    expect(await metric('ticket_catalogue_cache_requests_total', { result: 'bypass' })).toBeGreaterThan(0);

    // Admin writes are committed and answered; reads show them at once (from the database).
    const renamed = await inject('PATCH', `/api/events/${id}`, h.admin, { title: 'Renamed In The Outage' });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect((await inject('GET', `/api/events/${id}`)).json().event.title).toBe('Renamed In The Outage');
    const during = await publishedEvent('Created In The Outage');
    expect(await titles()).toEqual(
      expect.arrayContaining(['Renamed In The Outage', 'Created In The Outage']),
    );
    expect((await inject('GET', `/api/events/${during}`)).statusCode).toBe(200);
    const { cache } = catalogueFor(h.svc.ctx);
    expect(cache.pendingInvalidations).toBeGreaterThan(0);
    expect(coordination.refused).toBeGreaterThan(0);

    // Back: the entries cached before the outage are still in coordination under the old version.
    coordination.recover();
    expect((await inject('GET', `/api/events/${id}`)).json().event.title).toBe('Renamed In The Outage');
    await eventually(() => expect(cache.pendingInvalidations).toBe(0), 15_000);
    const hits = await metric('ticket_catalogue_cache_requests_total', { kind: 'event', result: 'hit' });
    await eventually(async () => {
      expect((await inject('GET', `/api/events/${id}`)).json().event.title).toBe('Renamed In The Outage');
      expect(
        await metric('ticket_catalogue_cache_requests_total', { kind: 'event', result: 'hit' }),
      ).toBeGreaterThan(hits);
    }, 15_000);
    const after = await titles();
    expect(after).toEqual(expect.arrayContaining(['Renamed In The Outage', 'Created In The Outage']));
    expect(after).not.toContain('Before The Outage');
  });

  it('opens sales on time without the scheduler lease, each event moved once', async () => {
    h.clock.set('2026-03-01T00:00:00Z');
    const opensFirst = await publishedEvent('Opens In The Outage');
    const racing: string[] = [];
    for (let i = 0; i < 4; i++)
      racing.push(
        await publishedEvent(`Raced In The Outage ${i}`, { saleStartsAt: '2026-03-10T05:00:00.000Z' }),
      );
    coordination.fail();
    try {
      // The service's own loop, which cannot take the lease, opens the sale.
      h.clock.set('2026-03-10T02:00:00Z');
      await eventually(async () => {
        expect((await inject('GET', `/api/events/${opensFirst}`)).json().event.status).toBe('on_sale');
      }, 15_000);
      expect(await metric('ticket_catalogue_scheduler_unleased_runs_total')).toBeGreaterThan(0);

      // Two more replicas race that loop, none of them holding the lease.
      const { cache } = catalogueFor(h.svc.ctx);
      const replicas = [new CatalogueScheduler(h.svc.ctx, cache), new CatalogueScheduler(h.svc.ctx, cache)];
      expect(await Promise.all(replicas.map((r) => r.mayRun(5_000)))).toEqual([true, true]);
      h.clock.set('2026-03-10T06:00:00Z');
      await Promise.all(replicas.map((r) => r.tick()));
      await eventually(async () => {
        for (const id of racing)
          expect((await inject('GET', `/api/events/${id}`)).json().event.status).toBe('on_sale');
      }, 15_000);
      const updates = await sql<{ id: string; n: number }>`
        select payload->'data'->>'eventId' as id, count(*)::int as n from ${sql.table('ticket.outbox')}
        where type = 'event.updated' and payload->'data'->>'status' = 'on_sale'
          and payload->'data'->>'eventId' in (${sql.join(racing)})
        group by 1`.execute(h.svc.ctx.db);
      expect(Object.fromEntries(updates.rows.map((r) => [r.id, r.n]))).toEqual(
        Object.fromEntries(racing.map((id) => [id, 1])),
      );
    } finally {
      coordination.recover();
    }
  });
});
