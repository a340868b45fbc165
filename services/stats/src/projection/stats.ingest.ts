import { sql, type Kysely } from 'kysely';
import { applyOnceMany, type EventEnvelope } from '@tiketi/platform';
import { READ_MODEL_TABLES } from '../stats.migrations';
import { ProjectionWrites } from './projection.batch';
import { insertHistoryMany } from './projection.repository';
import { isWellFormed, occurredAt, project } from './stats.projector';

export interface BatchIngestResult {
  /** The new, well-formed facts that were counted, in the order given. */
  applied: EventEnvelope[];
  /** New facts kept in the history but not counted (payload off its contract). */
  malformed: EventEnvelope[];
}

/**
 * Stores facts in the history and projects them, in one transaction with this consumer's
 * processed-event records: a re-delivery (same event id, through any group) changes nothing.
 * One statement records the facts as processed, one stores the new ones in the history, then each
 * new well-formed fact is projected. Reservation merges, payments and sales, most of a flash sale's
 * facts, go out together at the end (`ProjectionWrites`), in a few statements for the batch.
 * Any failure rolls the whole batch back (the bus then retries it one fact at a time).
 */
export async function ingestBatch(
  db: Kysely<any>,
  consumer: string,
  events: EventEnvelope[],
): Promise<BatchIngestResult> {
  return applyOnceMany(db, 'stats', consumer, events, async (trx, unprocessed) => {
    const fresh = await insertHistoryMany(
      trx,
      unprocessed.map((e) => ({
        event: e,
        occurredAt: occurredAt(e, (e.data as { occurredAt?: unknown } | null)?.occurredAt),
      })),
    );
    const result: BatchIngestResult = { applied: [], malformed: [] };
    const writes = new ProjectionWrites();
    for (const event of unprocessed) {
      if (!fresh.has(event.id)) continue;
      if (!isWellFormed(event)) {
        result.malformed.push(event);
        continue;
      }
      await project(trx, event, writes);
      result.applied.push(event);
    }
    await writes.flush(trx);
    return result;
  });
}

export interface RebuildResult {
  events: number;
  skipped: number;
  durationMs: number;
}

const PAGE = 500;

/**
 * Empties every read model and replays the whole history in (occurred_at, id) order, in one
 * transaction: readers keep seeing the old figures until the new ones commit, and the history
 * table is locked against new facts meanwhile so none is counted twice.
 */
export async function rebuildReadModels(db: Kysely<any>): Promise<RebuildResult> {
  const started = Date.now();
  return db.transaction().execute(async (trx) => {
    await sql`lock table ${sql.table('stats.event_history')} in exclusive mode`.execute(trx);
    for (const table of READ_MODEL_TABLES) await trx.deleteFrom(table).execute();
    let events = 0;
    let skipped = 0;
    let cursor: { at: Date; id: string } | null = null;
    for (;;) {
      let query = trx
        .selectFrom('event_history')
        .select(['id', 'occurred_at', 'envelope'])
        .orderBy('occurred_at')
        .orderBy('id')
        .limit(PAGE);
      if (cursor) {
        const c = cursor;
        query = query.where((eb) =>
          eb.or([eb('occurred_at', '>', c.at), eb.and([eb('occurred_at', '=', c.at), eb('id', '>', c.id)])]),
        );
      }
      const rows = await query.execute();
      const writes = new ProjectionWrites();
      for (const row of rows) {
        const envelope = (
          typeof row.envelope === 'string' ? JSON.parse(row.envelope) : row.envelope
        ) as EventEnvelope;
        if (isWellFormed(envelope)) {
          await project(trx, envelope, writes);
          events += 1;
        } else {
          skipped += 1;
        }
      }
      await writes.flush(trx);
      if (rows.length < PAGE) break;
      const last = rows[rows.length - 1]!;
      cursor = { at: new Date(last.occurred_at as string | Date), id: last.id as string };
    }
    return { events, skipped, durationMs: Date.now() - started };
  });
}
