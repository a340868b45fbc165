import type { PGlite } from '@electric-sql/pglite';
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';

/**
 * PGlite is one connection. Kysely may ask for several at once (a transaction plus a plain
 * query), so connections are handed out one at a time: a waiting query simply queues, which is
 * exactly what a pool of size one does on PostgreSQL.
 */
interface ConnectionLock {
  busy: boolean;
  queue: Array<() => void>;
}

/** One lock per PGlite instance: services sharing an instance (all-in-one) must not interleave a transaction. */
const locks = new WeakMap<PGlite, ConnectionLock>();

function lockFor(pglite: PGlite): ConnectionLock {
  let lock = locks.get(pglite);
  if (!lock) {
    lock = { busy: false, queue: [] };
    locks.set(pglite, lock);
  }
  return lock;
}

class PGliteDriver implements Driver {
  private readonly connection: PGliteConnection;
  private readonly lock: ConnectionLock;

  constructor(private readonly pglite: PGlite) {
    this.connection = new PGliteConnection(pglite);
    this.lock = lockFor(pglite);
  }

  async init(): Promise<void> {
    await this.pglite.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.lock.busy) await new Promise<void>((resolve) => this.lock.queue.push(resolve));
    this.lock.busy = true;
    return this.connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const isolation = settings.isolationLevel ? ` isolation level ${settings.isolationLevel}` : '';
    await connection.executeQuery(CompiledQuery.raw(`begin${isolation}`));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(): Promise<void> {
    const next = this.lock.queue.shift();
    if (next) next();
    else this.lock.busy = false;
  }

  async destroy(): Promise<void> {
    // The PGlite instance is shared and closed by its owner (see database.ts).
  }
}

class PGliteConnection implements DatabaseConnection {
  constructor(private readonly pglite: PGlite) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.pglite.query<R>(compiledQuery.sql, compiledQuery.parameters as unknown[], {
      rowMode: 'object',
    });
    const affected = result.affectedRows;
    return {
      rows: result.rows,
      ...(affected !== undefined ? { numAffectedRows: BigInt(affected) } : {}),
    };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('PGlite does not support streaming queries');
  }
}

export class PGliteDialect implements Dialect {
  constructor(private readonly pglite: PGlite) {}
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new PGliteDriver(this.pglite);
  }
  createIntrospector(db: Kysely<any>) {
    return new PostgresIntrospector(db);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
}
