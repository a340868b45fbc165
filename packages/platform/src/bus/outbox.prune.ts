import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Logger } from 'pino';
import { idFloor } from '../ids';

/** What one prune removed. */
export interface Pruned {
  outbox: number;
  processed: number;
}

const EVENT_PREFIX = 'evn';
const PRUNE_EVERY_MS = 3_600_000;

/**
 * Removes what a service keeps of events older than `before`: outbox rows already published, and
 * the records of events its consumers applied. Nothing reads either again. An unpublished row stays
 * whatever its age, and so does a record whose event id is not an event's (a provider's webhook).
 * Event ids sort by time, so both walk their primary key over the old range only, `batch` rows a
 * statement, and SKIP LOCKED keeps two replicas pruning at once out of each other's way.
 */
export async function pruneOutbox(
  db: Kysely<any>,
  schema: string,
  before: Date,
  options: { batch?: number; maxBatches?: number } = {},
): Promise<Pruned> {
  const batch = options.batch ?? 1_000;
  const maxBatches = options.maxBatches ?? 100;
  const low = `${EVENT_PREFIX}_`;
  const high = idFloor(EVENT_PREFIX, before);
  const outbox = sql.table(`${schema}.outbox`);
  const processed = sql.table(`${schema}.processed_events`);
  // Statement by statement until one deletes less than a batch (or the run has done its share).
  const inBatches = async (statement: () => RawBuilder<unknown>): Promise<number> => {
    let total = 0;
    for (let i = 0; i < maxBatches; i++) {
      const n = Number((await statement().execute(db)).numAffectedRows ?? 0);
      total += n;
      if (n < batch) break;
    }
    return total;
  };

  const pruned: Pruned = { outbox: 0, processed: 0 };
  pruned.outbox = await inBatches(
    () => sql`
      delete from ${outbox} where id in (
        select id from ${outbox}
        where id >= ${low} and id < ${high} and published_at is not null
        order by id limit ${batch}
        for update skip locked
      )`,
  );

  // The key is (consumer, event_id): one range per consumer. The consumers are found by walking
  // the key from one to the next, not by reading every record.
  const { rows: consumers } = await sql<{ consumer: string }>`
    with recursive c (consumer) as (
      (select consumer from ${processed} order by consumer limit 1)
      union all
      select (select p.consumer from ${processed} p where p.consumer > c.consumer order by p.consumer limit 1)
      from c where c.consumer is not null
    )
    select consumer from c where consumer is not null`.execute(db);
  for (const { consumer } of consumers) {
    pruned.processed += await inBatches(
      () => sql`
        delete from ${processed} where consumer = ${consumer} and event_id in (
          select event_id from ${processed}
          where consumer = ${consumer} and event_id >= ${low} and event_id < ${high}
          order by event_id limit ${batch}
          for update skip locked
        )`,
    );
  }
  return pruned;
}

export interface OutboxPruner {
  /** Runs one prune now (tests, an operator's script). */
  runOnce(): Promise<Pruned>;
  stop(): Promise<void>;
}

/**
 * Prunes every hour what is older than `retentionMs`, the first time a minute after start so
 * a restart under load does not add it to the load. A failed prune is logged and tried again at
 * the next turn: keeping rows longer is harmless.
 */
export function startOutboxPruner(options: {
  db: Kysely<any>;
  schema: string;
  log: Logger;
  retentionMs: number;
  firstAfterMs?: number;
}): OutboxPruner {
  const { db, schema, log, retentionMs } = options;
  let running: Promise<Pruned> | null = null;
  let stopped = false;
  const runOnce = (): Promise<Pruned> => {
    running ??= pruneOutbox(db, schema, new Date(Date.now() - retentionMs)).finally(() => {
      running = null;
    });
    return running;
  };
  const turn = async () => {
    if (stopped) return;
    try {
      const pruned = await runOnce();
      if (pruned.outbox + pruned.processed > 0)
        log.info({ schema, ...pruned }, 'pruned old outbox rows and event records');
    } catch (err) {
      log.warn({ err, schema }, 'outbox prune failed; will retry');
    }
    if (!stopped) schedule(PRUNE_EVERY_MS);
  };
  let timer: NodeJS.Timeout | null = null;
  const schedule = (ms: number) => {
    timer = setTimeout(() => void turn(), ms);
    timer.unref();
  };
  schedule(options.firstAfterMs ?? 60_000);
  return {
    runOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}
