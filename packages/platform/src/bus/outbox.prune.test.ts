import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import pino from 'pino';
import {
  createDatabase,
  idFloor,
  migrateSchema,
  outboxMigration,
  pruneOutbox,
  startOutboxPruner,
  type Database,
} from '@tiketi/platform';
import { createTestDatabase, type TestDatabase } from '@tiketi/testing';

const schema = 'outbox_prune_test';
const DAY = 86_400_000;

/** An event id as one made `daysAgo` days ago would be (the 16 random characters made up). */
function eventIdFrom(daysAgo: number, n: number): string {
  return `${idFloor('evn', new Date(Date.now() - daysAgo * DAY))}${String(n).padStart(16, '0')}`;
}

describe('outbox pruning', () => {
  let testDb: TestDatabase;
  let database: Database;
  let db: Kysely<any>;

  beforeAll(async () => {
    testDb = await createTestDatabase('outbox_prune');
    database = await createDatabase({
      url: testDb.env.DATABASE_URL,
      pgliteDir: testDb.env.PGLITE_DIR,
      schema,
    });
    db = database.db;
    await migrateSchema(db, schema, { '0001_outbox': outboxMigration(schema) });
  });

  afterAll(async () => {
    await database?.close();
    await testDb?.drop();
  });

  const ids = async (table: 'outbox' | 'processed_events', column: string) =>
    (await db.withSchema(schema).selectFrom(table).select(column).orderBy(column).execute()).map(
      (r) => r[column] as string,
    );

  it('removes published rows and consumed-event records past the retention, and nothing else', async () => {
    const oldPublished = [1, 2, 3, 4, 5].map((n) => eventIdFrom(10, n));
    const oldWaiting = eventIdFrom(10, 6);
    const recentPublished = eventIdFrom(1, 7);
    const row = (id: string, published: boolean) => ({
      id,
      type: 'thing.happened',
      payload: JSON.stringify({ id }),
      published_at: published ? new Date() : null,
    });
    await db
      .withSchema(schema)
      .insertInto('outbox')
      .values([
        ...oldPublished.map((id) => row(id, true)),
        row(oldWaiting, false),
        row(recentPublished, true),
      ])
      .execute();
    const recentRecord = eventIdFrom(2, 14);
    const records = [
      ...[11, 12, 13].map((n) => ({ consumer: 'stats.sales', event_id: eventIdFrom(9, n) })),
      { consumer: 'stats.sales', event_id: recentRecord },
      { consumer: 'ticket.payments', event_id: eventIdFrom(8, 15) },
      // A provider's delivery id: not an event's, so its age is unknown and it stays (it sorts below every event id).
      { consumer: 'payment.webhooks', event_id: 'dlv-webhook-0001' },
    ];
    await db.withSchema(schema).insertInto('processed_events').values(records).execute();

    // Batches of two: the loop, not one statement, has to reach the end of the old range.
    const pruned = await pruneOutbox(db, schema, new Date(Date.now() - 7 * DAY), { batch: 2 });

    expect(pruned).toEqual({ outbox: 5, processed: 4 });
    expect(await ids('outbox', 'id')).toEqual([oldWaiting, recentPublished]);
    expect(await ids('processed_events', 'event_id')).toEqual([recentRecord, 'dlv-webhook-0001'].sort());
  });

  it('the pruner takes the retention from now, and a second run finds nothing left', async () => {
    const old = eventIdFrom(40, 21);
    await db
      .withSchema(schema)
      .insertInto('outbox')
      .values({ id: old, type: 'thing.happened', payload: '{}', published_at: new Date() })
      .execute();
    const pruner = startOutboxPruner({
      db,
      schema,
      log: pino({ level: 'silent' }),
      retentionMs: 30 * DAY,
      firstAfterMs: 3_600_000,
    });
    try {
      expect((await pruner.runOnce()).outbox).toBe(1);
      expect(await pruner.runOnce()).toEqual({ outbox: 0, processed: 0 });
      expect(await ids('outbox', 'id')).not.toContain(old);
    } finally {
      await pruner.stop();
    }
  });
});
