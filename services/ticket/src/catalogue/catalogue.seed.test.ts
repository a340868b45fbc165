import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startTestService, type TestDatabase, type TestService } from '@tiketi/testing';
import { createTicketService } from '../ticket.service';
import type { TicketConfig } from '../ticket.config';
import { catalogueFor } from './catalogue.registry';
import { demoEvents } from './catalogue.seed-data';
import { ManualClock } from './catalogue.testkit';

/**
 * The demo data `npm start` shows (tests run with NODE_ENV=test, which turns seeding off, so
 * nothing else runs it): seeded into a throwaway embedded database on disk, as the one-command
 * start does, then started again on the same directory later, as a developer's next start does.
 */
const MINUTE = 60_000;
const SOON = demoEvents.find((e) => e.saleOpensInMinutes > 0 && e.saleOpensInMinutes < 60)!;

interface Listed {
  id: string;
  title: string;
  category: string;
  status: string;
  saleStartsAt: string;
  seatsTotal: number;
  seatsAvailable: number;
}

let dir: string;
let database: TestDatabase;
const clock = new ManualClock(new Date());
let svc: TestService<TicketConfig> | undefined;

async function start(): Promise<TestService<TicketConfig>> {
  await svc?.close();
  svc = await startTestService(createTicketService(), {
    database,
    clock,
    seed: true,
    env: { DATA_DIR: join(dir, 'files'), PUBLIC_API_URL: 'http://api.test' },
  });
  return svc;
}

async function listed(s: TestService<TicketConfig>): Promise<Listed[]> {
  const res = await s.app.inject({ url: '/api/events?limit=100' });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items as Listed[];
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tiketi-seed-'));
  // Embedded on disk in either test mode: this is the database the demo lives in.
  database = { env: { PGLITE_DIR: join(dir, 'pglite') }, drop: async () => undefined };
}, 60_000);
afterAll(async () => {
  await svc?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('demo data', () => {
  it('seeds about a dozen events across categories: on sale, opening in minutes, sold out, a big house', async () => {
    const s = await start();
    const now = clock.now().getTime();
    const items = await listed(s);
    expect(items.length).toBeGreaterThanOrEqual(10);
    expect(items.length).toBeLessThanOrEqual(15);
    expect(new Set(items.map((e) => e.category)).size).toBeGreaterThanOrEqual(5);
    expect(items.filter((e) => e.status === 'on_sale').length).toBeGreaterThanOrEqual(3);
    expect(items.filter((e) => e.status === 'sold_out').length).toBeGreaterThanOrEqual(1);
    const soon = items.filter(
      (e) =>
        e.status === 'scheduled' &&
        new Date(e.saleStartsAt).getTime() > now &&
        new Date(e.saleStartsAt).getTime() <= now + 15 * MINUTE,
    );
    expect(soon.map((e) => e.title)).toEqual([SOON.title]);
    const soldOut = items.find((e) => e.status === 'sold_out')!;
    expect(soldOut.seatsAvailable).toBe(0);

    const biggest = items.reduce((a, b) => (b.seatsTotal > a.seatsTotal ? b : a));
    expect(biggest.seatsTotal).toBeGreaterThan(10_000);
    const seats = await s.app.inject({ url: `/api/events/${biggest.id}/seats` });
    expect(seats.statusCode).toBe(200);
    expect(seats.json().seats.length).toBe(biggest.seatsTotal);
    expect(new Set(items.map((e) => e.seatsTotal)).size).toBeGreaterThanOrEqual(5);
  }, 240_000);

  it('on a later start, sets the sale that opened meanwhile to open in a few minutes again', async () => {
    clock.set(new Date(clock.now().getTime() + 30 * MINUTE));
    await catalogueFor(svc!.ctx).scheduler.tick();
    const opened = (await listed(svc!)).find((e) => e.title === SOON.title)!;
    expect(opened.status).toBe('on_sale');

    const s = await start();
    const items = await listed(s);
    expect(items.length).toBe(demoEvents.length);
    const again = items.find((e) => e.title === SOON.title)!;
    expect(again.id).toBe(opened.id);
    expect(again.status).toBe('scheduled');
    expect(new Date(again.saleStartsAt).getTime()).toBe(
      clock.now().getTime() + SOON.saleOpensInMinutes * MINUTE,
    );
    // Nothing else moved: the other events keep their sale start.
    const others = (list: Listed[]) =>
      Object.fromEntries(list.filter((e) => e.title !== SOON.title).map((e) => [e.id, e.saleStartsAt]));
    expect(others(items)).toEqual(others(await listed(s)));
  }, 240_000);

  it('never moves a sale that has sold a seat', async () => {
    clock.set(new Date(clock.now().getTime() + 30 * MINUTE));
    await catalogueFor(svc!.ctx).scheduler.tick();
    const opened = (await listed(svc!)).find((e) => e.title === SOON.title)!;
    expect(opened.status).toBe('on_sale');
    await sql`update ${sql.table('ticket.seats')} set status = 'sold'
      where id = (select id from ${sql.table('ticket.seats')} where event_id = ${opened.id} order by sort limit 1)`.execute(
      svc!.ctx.db,
    );

    const s = await start();
    const after = (await listed(s)).find((e) => e.title === SOON.title)!;
    expect(after).toMatchObject({ id: opened.id, status: 'on_sale', saleStartsAt: opened.saleStartsAt });
  }, 240_000);
});
