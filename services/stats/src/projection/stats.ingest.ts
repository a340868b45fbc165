import { sql, type Kysely } from 'kysely';
import { applyOnce, type EventEnvelope } from '@tiketi/platform';
import { READ_MODEL_TABLES } from '../stats.migrations';
import { insertHistory } from './projection.repository';
import { isWellFormed, occurredAt, project } from './stats.projector';

export interface IngestResult {
  /** The fact was new and has been counted. */
  applied: boolean;
  /** It was kept in the history but its payload did not match its contract. */
  malformed: boolean;
}

/**
 * Stores the envelope in the history and projects it, in one transaction with the consumer's
 * processed-event record: a re-delivery (same event id, through any group) changes nothing.
 */
export async function ingest(db: Kysely<any>, consumer: string, event: EventEnvelope): Promise<IngestResult> {
  let applied = false;
  let malformed = false;
  await applyOnce(db, 'stats', consumer, event, async (trx) => {
    const fresh = await insertHistory(trx, event, occurredAt(event, (event.data as { occurredAt?: unknown } | null)?.occurredAt));
    if (!fresh) return;
    if (!isWellFormed(event)) {
      malformed = true;
      return;
    }
    await project(trx, event);
    applied = true;
  });
  return { applied, malformed };
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
      let query = trx.selectFrom('event_history').select(['id', 'occurred_at', 'envelope']).orderBy('occurred_at').orderBy('id').limit(PAGE);
      if (cursor) {
        const c = cursor;
        query = query.where((eb) => eb.or([eb('occurred_at', '>', c.at), eb.and([eb('occurred_at', '=', c.at), eb('id', '>', c.id)])]));
      }
      const rows = await query.execute();
      for (const row of rows) {
        const envelope = (typeof row.envelope === 'string' ? JSON.parse(row.envelope) : row.envelope) as EventEnvelope;
        if (isWellFormed(envelope)) {
          await project(trx, envelope);
          events += 1;
        } else {
          skipped += 1;
        }
      }
      if (rows.length < PAGE) break;
      const last = rows[rows.length - 1]!;
      cursor = { at: new Date(last.occurred_at as string | Date), id: last.id as string };
    }
    return { events, skipped, durationMs: Date.now() - started };
  });
}
