import { mkdirSync } from 'node:fs';
import { Kysely, PostgresDialect, sql, type RawBuilder } from 'kysely';
import pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';
import { PGliteDialect } from './pglite-dialect';
import type { BaseConfig } from '../config/config';
import { ConnectionLanes, lanedPool } from './connection-lanes';

// Return int8/numeric as JS numbers: every money and count value here fits in 2^53.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

export { ConnectionLanes } from './connection-lanes';

export type DatabaseKind = 'postgres' | 'pglite';

export interface PoolStats {
  /** Connections open, idle among them, and queries waiting for one. */
  open: number;
  idle: number;
  waiting: number;
  max: number;
}

export interface Database<DB = any> {
  kind: DatabaseKind;
  db: Kysely<DB>;
  /** The connection pool's state (PostgreSQL only: PGlite is one connection in process). */
  pool?: () => PoolStats;
  ping(): Promise<void>;
  close(): Promise<void>;
}

let pgliteTemplate: Blob | undefined;

/** Tests: start in-memory databases from an initialised data directory instead of running initdb each time. */
export function usePGliteTemplate(template: Blob | undefined): void {
  pgliteTemplate = template;
}

const pgliteInstances = new Map<string, { pglite: Promise<PGlite>; refs: number }>();

/**
 * PostgreSQL's default 128 MB of shared buffers is most of an embedded process's memory; the demo's
 * data fits in far less, and the files below it stay in the operating system's cache.
 */
const PGLITE_SETTINGS = ['shared_buffers = 16MB'];

/**
 * One PGlite per data directory per process: the all-in-one process opens the directory once and
 * gives each service its own schema inside it; opening it twice would corrupt it. PGlite is loaded
 * only here, so services on PostgreSQL never evaluate it.
 */
function openPGlite(dataDir: string): Promise<PGlite> {
  const existing = pgliteInstances.get(dataDir);
  if (existing) {
    existing.refs += 1;
    return existing.pglite;
  }
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const pglite = (async () => {
    const [{ PGlite }, { pg_trgm }] = await Promise.all([
      import('@electric-sql/pglite'),
      import('@electric-sql/pglite/contrib/pg_trgm'),
    ]);
    return PGlite.create(dataDir, {
      extensions: { pg_trgm },
      parsers: { 20: (v: string) => Number(v), 1700: (v: string) => Number(v) },
      postgresqlconf: PGLITE_SETTINGS,
      ...(dataDir.startsWith('memory://') && pgliteTemplate ? { loadDataDir: pgliteTemplate } : {}),
    });
  })();
  const entry = { pglite, refs: 1 };
  pgliteInstances.set(dataDir, entry);
  // A directory that failed to open may be tried again.
  pglite.catch(() => {
    if (pgliteInstances.get(dataDir) === entry) pgliteInstances.delete(dataDir);
  });
  return pglite;
}

async function releasePGlite(dataDir: string): Promise<void> {
  const entry = pgliteInstances.get(dataDir);
  if (!entry) return;
  entry.refs -= 1;
  if (entry.refs > 0) return;
  pgliteInstances.delete(dataDir);
  await (await entry.pglite).close();
}

export interface DatabaseOptions {
  url?: string;
  pgliteDir?: string;
  poolMax?: number;
  /** search_path for every connection: the service's own schema first. */
  schema?: string;
  applicationName?: string;
}

export async function createDatabase<DB = any>(options: DatabaseOptions): Promise<Database<DB>> {
  if (options.url) {
    const max = options.poolMax ?? 10;
    const pool = new pg.Pool({
      connectionString: options.url,
      max,
      application_name: options.applicationName,
      ...(options.schema ? { options: `-c search_path=${options.schema},public` } : {}),
    });
    // An idle client that loses its connection must not crash the process.
    pool.on('error', () => undefined);
    // Nor one checked out between two statements of a transaction (pg_terminate_backend, a failover):
    // its next query fails, the request answers 5xx, and the pool discards the dead client on release.
    pool.on('connect', (client) => {
      client.on('error', () => undefined);
      prepareMarkedStatements(client);
    });
    const lanes = new ConnectionLanes(max);
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: lanedPool(pool, lanes) }) });
    return {
      kind: 'postgres',
      db,
      pool: () => ({
        open: pool.totalCount,
        idle: pool.idleCount,
        waiting: lanes.waiting + pool.waitingCount,
        max,
      }),
      ping: async () => {
        await sql`select 1`.execute(db);
      },
      close: () => db.destroy(),
    };
  }
  const dir = options.pgliteDir ?? 'memory://';
  const pglite = await openPGlite(dir);
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
  return {
    kind: 'pglite',
    db,
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: async () => {
      await db.destroy();
      await releasePGlite(dir);
    },
  };
}

export function databaseOptionsFromConfig(
  config: Pick<BaseConfig, 'DATABASE_URL' | 'PGLITE_DIR' | 'DATABASE_POOL_MAX'>,
  schema: string,
  applicationName: string,
): DatabaseOptions {
  return {
    url: config.DATABASE_URL,
    pgliteDir: config.PGLITE_DIR,
    poolMax: config.DATABASE_POOL_MAX,
    schema,
    applicationName,
  };
}

const PREPARED_MARK = '/* prepared:';

/**
 * Marks a hot statement to be prepared once per connection: PostgreSQL then skips parsing and
 * planning it on every call (for the one-statement hold that was most of its cost). Only marked
 * statements are prepared, so a connection keeps a handful, never one per query shape. Embedded
 * (PGlite), the mark is an ordinary comment. Prepared statements live in a server session: behind a
 * pooler, use session pooling (PgBouncer's transaction mode before 1.21 would lose them).
 */
export function preparedStatement(name: string): RawBuilder<unknown> {
  if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`invalid prepared statement name: ${name}`);
  return sql.raw(`${PREPARED_MARK}${name} */`);
}

/** PostgreSQL's "cached plan must not change result type": a table's columns changed under a prepared `*`. */
const PLAN_RESULT_CHANGED = '0A000';

function prepareMarkedStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  // Per name, how often this connection had to prepare it afresh. A migration that adds a column
  // while this process runs (a rolling deploy) makes PostgreSQL refuse the old plan of a statement
  // reading `*`; the connection then prepares it again under a new name (the refused one stays
  // behind, unused) instead of failing every checkout until the process restarts.
  const generations = new Map<string, number>();
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (
    text: unknown,
    ...rest: unknown[]
  ) => {
    if (typeof text === 'string' && text.startsWith(PREPARED_MARK) && Array.isArray(rest[0])) {
      const mark = text.slice(PREPARED_MARK.length, text.indexOf(' */'));
      const values = rest[0];
      const named = () => {
        const generation = generations.get(mark) ?? 0;
        return { name: generation === 0 ? mark : `${mark}_${generation}`, text, values };
      };
      const first = query(named(), ...rest.slice(1));
      if (!(first instanceof Promise)) return first;
      return first.catch((err: unknown) => {
        if ((err as { code?: string }).code !== PLAN_RESULT_CHANGED) throw err;
        generations.set(mark, (generations.get(mark) ?? 0) + 1);
        // Inside a transaction the retry fails too (the transaction is aborted): report the first error.
        return (query(named(), ...rest.slice(1)) as Promise<unknown>).catch(() => {
          throw err;
        });
      });
    }
    return query(text, ...rest);
  };
}
