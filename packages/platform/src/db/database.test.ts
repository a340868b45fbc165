import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { sql } from 'kysely';
import { createTestDatabase, realDatabaseUrl } from '@tiketi/testing';
import { runWithRequestContext, type RequestContext } from '../logging/request-context';
import { ConnectionLanes, createDatabase, preparedStatement } from './database';

const real = realDatabaseUrl();

describe.skipIf(!real)('PostgreSQL connection terminated mid-transaction', () => {
  it('fails the transaction cleanly and keeps the process and the pool alive', async () => {
    const testDb = await createTestDatabase('db_terminate');
    const database = await createDatabase({ url: testDb.env.DATABASE_URL!, poolMax: 2 });
    const admin = new pg.Client({ connectionString: testDb.env.DATABASE_URL });
    await admin.connect();
    try {
      const attempt = database.db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
        // Between two statements (the client is checked out, no query running) the backend dies.
        await admin.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
        for (let i = 0; i < 50; i++) {
          const alive = await admin.query('select 1 from pg_stat_activity where pid = $1', [rows[0]!.pid]);
          if (alive.rowCount === 0) break;
          await new Promise((r) => setTimeout(r, 20));
        }
        await new Promise((r) => setTimeout(r, 50));
        await sql`select 1`.execute(trx);
      });
      await expect(attempt).rejects.toThrow();
      // The dead client left the pool: the next statements run on fresh connections.
      for (let i = 0; i < 3; i++)
        await expect(sql`select 1 as one`.execute(database.db)).resolves.toMatchObject({
          rows: [{ one: 1 }],
        });
    } finally {
      await admin.end();
      await database.close();
      await testDb.drop();
    }
  });
});

describe('connection lanes', () => {
  it('hand a freed connection to a priority waiter first, then to the others in arrival order', async () => {
    const lanes = new ConnectionLanes(1);
    const order: string[] = [];
    await lanes.acquire(false);
    const waits = [
      lanes.acquire(false).then(() => order.push('first')),
      lanes.acquire(false).then(() => order.push('second')),
      lanes.acquire(true).then(() => order.push('urgent')),
    ];
    expect(lanes.waiting).toBe(3);
    for (let i = 0; i < 3; i++) {
      lanes.release();
      await Promise.resolve();
    }
    await Promise.all(waits);
    expect(order).toEqual(['urgent', 'first', 'second']);
    lanes.release();
    // Every permit is back: the next one is taken at once.
    await lanes.acquire(false);
    expect(lanes.waiting).toBe(0);
  });
});

describe.skipIf(!real)('a pool under load', () => {
  it('serves a priority request before the ordinary ones that queued ahead of it', async () => {
    const testDb = await createTestDatabase('db_lanes');
    const database = await createDatabase({ url: testDb.env.DATABASE_URL!, poolMax: 1 });
    try {
      const order: string[] = [];
      const query = (name: string, priority: boolean) =>
        runWithRequestContext({ requestId: name, priority }, () =>
          sql`select ${name}::text as name`.execute(database.db).then(() => order.push(name)),
        );
      const busy = sql`select pg_sleep(0.3)`.execute(database.db);
      await new Promise((r) => setTimeout(r, 50));
      const queued = [query('a', false), query('b', false), query('c', false), query('urgent', true)];
      expect(database.pool!().waiting).toBe(4);
      await Promise.all([busy, ...queued]);
      expect(order).toEqual(['urgent', 'a', 'b', 'c']);
      // The permits came back with the connections: a transaction and a query still run.
      await database.db.transaction().execute((trx) => sql`select 1`.execute(trx));
      expect(database.pool!()).toMatchObject({ waiting: 0, max: 1 });
    } finally {
      await database.close();
      await testDb.drop();
    }
  });
});

describe.skipIf(!real)('marked statements', () => {
  it('are prepared once per connection and keep answering with new values; others are not', async () => {
    const testDb = await createTestDatabase('db_prepared');
    const database = await createDatabase({ url: testDb.env.DATABASE_URL!, poolMax: 1 });
    try {
      for (const n of [1, 2, 3]) {
        const { rows } = await sql<{
          twice: number;
        }>`${preparedStatement('test_twice')} select ${n}::int * 2 as twice`.execute(database.db);
        expect(rows).toEqual([{ twice: n * 2 }]);
      }
      await sql`select 1`.execute(database.db);
      const { rows } = await sql<{
        name: string;
      }>`select name from pg_prepared_statements order by name`.execute(database.db);
      expect(rows.map((r) => r.name)).toEqual(['test_twice']);
      expect(() => preparedStatement('Bad name')).toThrow();
    } finally {
      await database.close();
      await testDb.drop();
    }
  });
});

describe.skipIf(!real)('marked statements across a migration', () => {
  it('re-prepare once when a column added meanwhile changed their result (a rolling deploy)', async () => {
    const testDb = await createTestDatabase('db_prepared_ddl');
    const database = await createDatabase({ url: testDb.env.DATABASE_URL!, poolMax: 1 });
    try {
      await sql`create table holds (id text primary key, status text not null)`.execute(database.db);
      await sql`insert into holds values ('rsv_1', 'pending')`.execute(database.db);
      const read = () =>
        sql<
          Record<string, unknown>
        >`${preparedStatement('test_holds')} select * from holds where id = ${'rsv_1'}`.execute(database.db);
      expect((await read()).rows).toEqual([{ id: 'rsv_1', status: 'pending' }]);
      // What a newer release's migration does while this process still runs: PostgreSQL then refuses
      // the old prepared plan ("cached plan must not change result type").
      await sql`alter table holds add column note text not null default ''`.execute(database.db);
      expect((await read()).rows).toEqual([{ id: 'rsv_1', status: 'pending', note: '' }]);
      expect((await read()).rows).toEqual([{ id: 'rsv_1', status: 'pending', note: '' }]);
      // Any other failure is the caller's, as before.
      await expect(
        sql`${preparedStatement('test_missing')} select * from no_such_table`.execute(database.db),
      ).rejects.toMatchObject({ code: '42P01' });
    } finally {
      await database.close();
      await testDb.drop();
    }
  });
});

describe.skipIf(!real)('PostgreSQL pool state', () => {
  it('reports open, idle and waiting connections against the pool size', async () => {
    const testDb = await createTestDatabase('db_pool_stats');
    const database = await createDatabase({ url: testDb.env.DATABASE_URL!, poolMax: 2 });
    try {
      expect(database.pool?.()).toEqual({ open: 0, idle: 0, waiting: 0, max: 2 });
      const sleeps = Array.from({ length: 5 }, () => sql`select pg_sleep(0.3)`.execute(database.db));
      await new Promise((r) => setTimeout(r, 150));
      expect(database.pool?.()).toEqual({ open: 2, idle: 0, waiting: 3, max: 2 });
      await Promise.all(sleeps);
      expect(database.pool?.()).toMatchObject({ open: 2, idle: 2, waiting: 0 });
    } finally {
      await database.close();
      await testDb.drop();
    }
  });
});

describe.skipIf(!real)('time a request spends on the database', () => {
  it('counts the wait for a connection apart from the statements themselves', async () => {
    const testDb = await createTestDatabase('db_spent');
    const database = await createDatabase({ url: testDb.env.DATABASE_URL!, poolMax: 1 });
    try {
      await sql`select 1`.execute(database.db); // the connection opened outside the measured request
      const blocker = sql`select pg_sleep(0.2)`.execute(database.db);
      const context: RequestContext = { requestId: 'req_db' };
      await runWithRequestContext(context, async () => {
        await new Promise((r) => setTimeout(r, 20));
        // The one connection is busy with the blocker: this waits for it, then sleeps 0.1 s.
        await sql`select pg_sleep(0.1)`.execute(database.db);
        await database.db.transaction().execute(async (trx) => {
          await sql`select 1`.execute(trx);
        });
      });
      await blocker;
      expect(context.spent!.db_wait).toBeGreaterThanOrEqual(120);
      expect(context.spent!.db_wait).toBeLessThan(1_000);
      expect(context.spent!.db).toBeGreaterThanOrEqual(95);
      // The statements' own time does not include the wait for the connection.
      expect(context.spent!.db).toBeLessThan(context.spent!.db_wait + 100);
      expect(context.spent!.calls).toBe(0);
    } finally {
      await database.close();
      await testDb.drop();
    }
  });
});
