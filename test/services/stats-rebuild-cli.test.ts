import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { newId } from '@tiketi/platform';
import {
  createTestDatabase,
  eventually,
  startTestService,
  testEnv,
  type TestDatabase,
  type TestService,
} from '@tiketi/testing';
import { statsService, type StatsConfig } from '@tiketi/stats';
import { envelope, paymentFacts, reservationFacts } from './stats.fixtures';

/**
 * The operator's rebuild command (services/stats/src/rebuild.ts) run as a real process: first
 * through the running stats service, then straight on the database with the service stopped.
 */
const run = promisify(execFile);
const NOW = new Date('2026-11-25T05:00:00Z');
const EVT = newId('evt');
const r1 = { reservationId: newId('rsv'), eventId: EVT, userId: newId('usr'), seatCount: 2, amount: 100_000 };
const r2 = { reservationId: newId('rsv'), eventId: EVT, userId: newId('usr'), seatCount: 1, amount: 50_000 };
const R1 = reservationFacts(r1);
const R2 = reservationFacts(r2);
const cancelled2 = R2.cancelled('2026-11-25T03:10:00Z');
const FACTS = [
  envelope(
    'event.published',
    {
      eventId: EVT,
      title: 'Rebuild Night',
      status: 'on_sale',
      startsAt: '2026-12-24T10:00:00Z',
      seatsTotal: 20,
    },
    '2026-11-20T00:00:00Z',
  ),
  R1.held('2026-11-25T02:00:00Z'),
  paymentFacts(r1, newId('pay'), 'toss').paid('2026-11-25T02:05:00Z'),
  R1.confirmed('2026-11-25T02:05:01Z'),
  cancelled2,
  R2.held('2026-11-25T03:00:00Z'),
  cancelled2,
];
const DISTINCT = new Set(FACTS.map((f) => f.id)).size;

let database: TestDatabase;
let dataDir: string | null = null;
let svc: TestService<StatsConfig> | undefined;
let env: Record<string, string>;

async function start(): Promise<TestService<StatsConfig>> {
  return startTestService(statsService, {
    database,
    listen: true,
    clock: { now: () => NOW },
    env: dataDir ? { PGLITE_DIR: dataDir } : {},
  });
}

async function figures(s: TestService<StatsConfig>) {
  const headers = (await s.issuer.user('admin')).headers;
  const get = async (url: string) => (await s.app.inject({ method: 'GET', url, headers })).json();
  return { dashboard: await get('/api/stats/dashboard'), events: await get('/api/stats/events') };
}

async function rebuildCli(extraEnv: Record<string, string>, args: string[] = []) {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', 'services/stats/src/rebuild.ts', ...args],
    {
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env, ...extraEnv },
      timeout: 150_000,
    },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as { rebuilt: string; events: number; skipped: number };
}

beforeAll(async () => {
  database = await createTestDatabase('stats_cli');
  // Embedded mode: a directory the command can open once the service has let go of it.
  if (!testEnv.databaseUrl) dataDir = mkdtempSync(join(tmpdir(), 'tiketi-stats-cli-'));
  svc = await start();
  env = {
    INTERNAL_TOKEN: svc.ctx.config.INTERNAL_TOKEN,
    ...database.env,
    ...(dataDir ? { PGLITE_DIR: dataDir } : {}),
  };
  for (const fact of FACTS) await svc.bus.publish(fact);
  await eventually(async () => {
    const row = await svc!.ctx.db
      .selectFrom('event_history')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    expect(Number(row?.n)).toBe(DISTINCT);
  }, 20_000);
});

afterAll(async () => {
  await svc?.close();
  await database?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

// Each case starts a tsx process: generous limits for a loaded machine (no figure here is timed).
describe('stats rebuild command', { timeout: 180_000 }, () => {
  it('asks the running service to rebuild, and the figures come back the same', async () => {
    const before = await figures(svc!);
    expect(before.dashboard.reservations).toMatchObject({
      total: 2,
      confirmed: 1,
      cancelled: 1,
      byStatus: { confirmed: 1, cancelled: 1 },
    });
    await sql`delete from ${sql.table('stats.sales_hourly')}`.execute(svc!.ctx.db);
    expect((await figures(svc!)).dashboard.revenue.total).toBe(0);

    const out = await rebuildCli({ STATS_URL: svc!.url! });
    expect(out).toMatchObject({ rebuilt: 'service', events: DISTINCT, skipped: 0 });
    expect(await figures(svc!)).toEqual(before);
  });

  it('works on the database itself with --direct while the service is down', async () => {
    const before = await figures(svc!);
    await sql`update ${sql.table('stats.reservations')} set status = 'pending', status_rank = 0`.execute(
      svc!.ctx.db,
    );
    await svc!.close();
    svc = undefined;

    // A dead STATS_URL as well: --direct must not depend on it.
    const out = await rebuildCli({ STATS_URL: 'http://127.0.0.1:9' }, ['--direct']);
    expect(out).toMatchObject({ rebuilt: 'database', events: DISTINCT, skipped: 0 });

    svc = await start();
    expect(await figures(svc)).toEqual(before);
  });

  it('exits non-zero with a message when the service refuses', async () => {
    const failed = await rebuildCli({
      STATS_URL: svc!.url!,
      INTERNAL_TOKEN: 'wrong-token-wrong-token-wrong-token',
    }).catch((err: { code?: number; stderr?: string }) => err);
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stderr: string }).stderr).toContain('stats service refused the rebuild: 403');
  });
});
