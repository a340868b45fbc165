import { sql, type Kysely, type Migration, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import { newId } from '../ids';
import type { EventBus, EventEnvelope } from './bus';

/** Outbox and processed-event tables, created in the owning service's schema. */
export function outboxMigration(schema: string): Migration {
  return {
    async up(db) {
      await db.schema
        .withSchema(schema)
        .createTable('outbox')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('payload', 'jsonb', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('published_at', 'timestamptz')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('locked_until', 'timestamptz')
        .execute();
      await sql`create index if not exists outbox_unpublished on ${sql.table(`${schema}.outbox`)} (id) where published_at is null`.execute(
        db,
      );
      await db.schema
        .withSchema(schema)
        .createTable('processed_events')
        .ifNotExists()
        .addColumn('consumer', 'text', (c) => c.notNull())
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('processed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('processed_events_pk', ['consumer', 'event_id'])
        .execute();
    },
  };
}

/**
 * The relay's claim as a function of the schema, planned with bitmap and sequential scans off.
 * Marking a row published leaves its entry in the unpublished-rows index until a vacuum, and
 * autovacuum waits for a fifth of the table to be dead, so a growing outbox holds more such
 * entries every day. A bitmap scan of that index (or a sequential scan) reads every such row's
 * heap page on every claim: 2,261 pages to find 5 new rows behind 20,000 published ones, and a
 * flash sale's registrations spent 674-716 pages and 2 ms of PostgreSQL per claim. An index scan
 * in id order marks each dead entry the first time it passes it and skips it from then on (155
 * pages there). The planner picks the bitmap scan whenever its sample of the table shows a few
 * hundred rows waiting; here it cannot.
 */
export function outboxClaimMigration(schema: string): Migration {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name: ${schema}`);
  return {
    async up(db) {
      await sql
        .raw(
          `create or replace function ${schema}.outbox_claim(
            marked_ids text[], marked_at timestamptz[], lease_ms int, batch int)
          returns table (id text, payload jsonb)
          language sql volatile
          set enable_bitmapscan = off
          set enable_seqscan = off
          as $fn$
            with marked as (
              update ${schema}.outbox as m set published_at = v.at, locked_until = null
              from unnest(marked_ids, marked_at) as v (id, at) where m.id = v.id
            )
            update ${schema}.outbox as o
            set locked_until = now() + make_interval(secs => lease_ms / 1000.0), attempts = o.attempts + 1
            where o.id in (
              select x.id from ${schema}.outbox as x
              where x.published_at is null and (x.locked_until is null or x.locked_until < now())
                and x.id <> all (marked_ids)
              order by x.id
              limit batch
              for update skip locked
            )
            returning o.id, o.payload
          $fn$`,
        )
        .execute(db);
    },
  };
}

/**
 * Writes an event in the caller's transaction: the fact and the state change commit together or
 * not at all. The relay publishes it afterwards.
 */
export async function enqueueEvent<T>(
  trx: Kysely<any> | Transaction<any>,
  schema: string,
  source: string,
  type: string,
  data: T,
): Promise<EventEnvelope<T>> {
  const { envelope, row } = outboxEntry(source, type, data);
  await trx.withSchema(schema).insertInto('outbox').values(row).execute();
  return envelope;
}

/** Rows per insert in `enqueueEvents`: three parameters each, well under PostgreSQL's 65,535. */
const ENQUEUE_CHUNK = 1_000;

/**
 * `enqueueEvent` for many events of one type, a statement per ENQUEUE_CHUNK rows instead of one
 * per event (a waiting room admits thousands in one tick); the caller's transaction still holds
 * them with its state change.
 */
export async function enqueueEvents<T>(
  trx: Kysely<any> | Transaction<any>,
  schema: string,
  source: string,
  type: string,
  data: T[],
): Promise<Array<EventEnvelope<T>>> {
  const entries = data.map((d) => outboxEntry(source, type, d));
  for (let i = 0; i < entries.length; i += ENQUEUE_CHUNK) {
    const rows = entries.slice(i, i + ENQUEUE_CHUNK).map((e) => e.row);
    await trx.withSchema(schema).insertInto('outbox').values(rows).execute();
  }
  return entries.map((e) => e.envelope);
}

/**
 * The outbox row of one event, for a caller that writes it inside a statement of its own (a hot
 * path saving the round trip); it must still commit in the same transaction as the state change.
 */
export function outboxEntry<T>(
  source: string,
  type: string,
  data: T,
): { envelope: EventEnvelope<T>; row: { id: string; type: string; payload: string } } {
  const envelope: EventEnvelope<T> = {
    id: newId('evn'),
    type,
    source,
    occurredAt: new Date().toISOString(),
    data,
  };
  return { envelope, row: { id: envelope.id, type, payload: JSON.stringify(envelope) } };
}

export interface OutboxRelayOptions {
  db: Kysely<any>;
  schema: string;
  bus: EventBus;
  log: Logger;
  intervalMs?: number;
  batchSize?: number;
  /** How long a claimed batch stays invisible to other relays before it may be sent again. */
  leaseMs?: number;
  /**
   * Pokes closer together than this share one drain: under load, commits that land within a few
   * milliseconds leave in one claim, one pipelined publish and one mark instead of one each. The
   * first poke after a quiet spell drains at once, so a lone event is not delayed.
   */
  pokeGapMs?: number;
  /** Test hook: runs after the bus accepted the batch and before it is marked published (throw to simulate a crash). */
  afterPublish?: (events: EventEnvelope[]) => Promise<void> | void;
}

export interface OutboxRelay {
  /** Publishes whatever is pending now; returns how many events went out. */
  drain(): Promise<number>;
  /** Asks the loop to run soon (after a commit that wrote events). */
  poke(): void;
  stop(): Promise<void>;
}

/**
 * Polls the outbox with FOR UPDATE SKIP LOCKED (several replicas share the work without sending
 * one row twice at the same time), publishes, then marks rows published. A crash between publish
 * and mark sends the event again: delivery is at least once and consumers de-duplicate.
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, schema, bus, log } = options;
  const intervalMs = options.intervalMs ?? 250;
  const batchSize = options.batchSize ?? 200;
  const leaseMs = options.leaseMs ?? 5_000;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<number> | null = null;
  let stopped = false;
  let pokeAgain = false;
  const pokeGapMs = options.pokeGapMs ?? 10;
  let pokeTimer: NodeJS.Timeout | null = null;
  let lastPokeDrainAt = -Infinity;
  const drainOnPoke = () => {
    pokeTimer = null;
    if (stopped) return;
    lastPokeDrainAt = Date.now();
    void drainOnce().catch((err) => log.warn({ err, schema }, 'outbox relay failed; will retry'));
  };

  // Published but not yet marked: the next claim marks them in the same statement, so a busy relay
  // spends one statement per batch. A crash before that sends them again after the lease, which
  // at-least-once delivery allows. An explicit drain, a tick and stop mark what is left.
  // `published_at` is when the event was handed to the bus (the earliest it can have gone out),
  // not when the mark ran, so it still says whether an event went out before or after an outage.
  let unmarked: Array<{ id: string; at: Date }> = [];
  const claim = sql.raw(`${schema}.outbox_claim`);
  // Marks `marking` published and leases up to `batch` more (outboxClaimMigration); a batch of 0
  // only marks.
  const claimStatement = (marking: Array<{ id: string; at: Date }>, batch: number) =>
    sql<{ id: string; payload: unknown }>`
      select id, payload from ${claim}(${marking.map((m) => m.id)}::text[],
        ${marking.map((m) => m.at.toISOString())}::timestamptz[], ${leaseMs}::int, ${batch}::int)`;
  const markPublished = async (): Promise<void> => {
    if (unmarked.length === 0) return;
    const marking = unmarked;
    unmarked = [];
    try {
      await claimStatement(marking, 0).execute(db);
    } catch (err) {
      unmarked = marking.concat(unmarked);
      throw err;
    }
  };

  // Claim a batch in one statement, publish with no transaction open (a handler in this process
  // may need the same database), then leave it to be marked. A crash after claiming leaves the
  // rows to be claimed again when the lease runs out.
  const publishBatch = async (): Promise<number> => {
    const marking = unmarked;
    unmarked = [];
    let leased;
    try {
      // One autocommit statement: the row locks of the sub-select last only as long as the update
      // that leases the rows, which is all SKIP LOCKED needs to keep two replicas apart. The rows
      // published since the last claim are marked in the same statement (outboxClaimMigration).
      leased = await claimStatement(marking, batchSize).execute(db);
    } catch (err) {
      unmarked = marking.concat(unmarked);
      throw err;
    }
    // RETURNING keeps no order; ids are time-ordered, so sorting restores the order of the facts.
    const rows = leased.rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (rows.length === 0) return 0;
    const events = rows.map(
      (r) => (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as EventEnvelope,
    );
    // Read before the bus is handed the events: an answer read late (a busy event loop) must not
    // date an event that went out before an outage after it.
    const at = new Date();
    const sent = await bus.publishMany(events);
    if (sent.error !== undefined) {
      // Later events wait for this one: per-service order is kept, and the lease retries it.
      const event = events[sent.published];
      log.warn({ err: sent.error, eventId: event?.id, type: event?.type }, 'event not delivered; will retry');
    }
    await options.afterPublish?.(events);
    for (const event of events.slice(0, sent.published)) unmarked.push({ id: event.id, at });
    return rows.length;
  };

  const drainOnce = (): Promise<number> => {
    if (running) {
      pokeAgain = true;
      return running;
    }
    running = (async () => {
      let total = 0;
      try {
        for (;;) {
          pokeAgain = false;
          const n = await publishBatch();
          total += n;
          if (n < batchSize && !pokeAgain) break;
        }
      } finally {
        running = null;
      }
      return total;
    })();
    return running;
  };

  /** Publishes what is pending and marks it all published before it resolves. */
  const drain = async (): Promise<number> => {
    const n = await drainOnce();
    // Each mark takes what is unmarked at that moment, so it never races a claim for the same ids.
    await markPublished();
    return n;
  };

  const tick = async (): Promise<void> => {
    if (stopped) return;
    try {
      await drain();
    } catch (err) {
      log.warn({ err, schema }, 'outbox relay failed; will retry');
    }
    if (!stopped) {
      timer = setTimeout(() => void tick(), intervalMs);
      timer.unref();
    }
  };
  timer = setTimeout(() => void tick(), 0);
  timer.unref();

  return {
    drain,
    poke() {
      if (stopped || pokeTimer) return;
      const wait = lastPokeDrainAt + pokeGapMs - Date.now();
      if (wait <= 0) drainOnPoke();
      else pokeTimer = setTimeout(drainOnPoke, wait);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (pokeTimer) clearTimeout(pokeTimer);
      await running?.catch(() => undefined);
      await markPublished().catch((err) =>
        log.warn({ err, schema }, 'could not mark published events; they will be sent again'),
      );
    },
  };
}

/**
 * Runs `apply` at most once per (consumer, event): the processed-event record and the handler's
 * writes share one transaction, so a re-delivered event finds its record and changes nothing.
 * Returns false when the event had already been applied.
 */
export async function applyOnce(
  db: Kysely<any>,
  schema: string,
  consumer: string,
  event: EventEnvelope,
  apply: (trx: Transaction<any>) => Promise<void>,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const inserted = await trx
      .withSchema(schema)
      .insertInto('processed_events')
      .values({ consumer, event_id: event.id })
      .onConflict((oc) => oc.doNothing())
      .returning('event_id')
      .executeTakeFirst();
    if (!inserted) return false;
    await apply(trx);
    return true;
  });
}

/**
 * `applyOnce` for a batch: one statement records every event not yet processed by `consumer`,
 * then `apply` gets just those (in the order given, each once), all in one transaction. If
 * `apply` throws, nothing is recorded and the batch can be delivered again.
 */
export async function applyOnceMany<T>(
  db: Kysely<any>,
  schema: string,
  consumer: string,
  events: EventEnvelope[],
  apply: (trx: Transaction<any>, unprocessed: EventEnvelope[]) => Promise<T>,
): Promise<T> {
  const unique = [...new Map(events.map((e) => [e.id, e])).values()];
  return db.transaction().execute(async (trx) => {
    const inserted =
      unique.length === 0
        ? []
        : await trx
            .withSchema(schema)
            .insertInto('processed_events')
            .values(unique.map((e) => ({ consumer, event_id: e.id })))
            .onConflict((oc) => oc.doNothing())
            .returning('event_id')
            .execute();
    const recorded = new Set(inserted.map((r) => r.event_id as string));
    return apply(
      trx,
      unique.filter((e) => recorded.has(e.id)),
    );
  });
}
