import { sql, type Migration } from 'kysely';
import type { MigrationSet } from '@tiketi/platform';

/**
 * Waiting-room settings per event. Only the settings live here: who waits and who is inside is
 * short-lived coordination state (Redis sorted sets), rebuilt by buyers re-joining if it is lost.
 */
const settingsMigration: Migration = {
  async up(db) {
    await db.schema
      .withSchema('ticket')
      .createTable('queue_settings')
      .addColumn('event_id', 'text', (c) => c.primaryKey().references('events.id').onDelete('cascade'))
      // off | on | auto (on while arrivals per minute exceed auto_threshold or anyone waits)
      .addColumn('mode', 'text', (c) => c.notNull().defaultTo('off'))
      .addColumn('auto_threshold', 'integer', (c) => c.notNull().defaultTo(500))
      .addColumn('admissions_per_minute', 'integer', (c) => c.notNull().check(sql`admissions_per_minute > 0`))
      .addColumn('max_inside', 'integer', (c) => c.notNull().check(sql`max_inside > 0`))
      .addColumn('session_minutes', 'integer', (c) => c.notNull().check(sql`session_minutes > 0`))
      .addColumn('prequeue_minutes', 'integer', (c) => c.notNull().check(sql`prequeue_minutes >= 0`))
      .addColumn('heartbeat_timeout_seconds', 'integer', (c) =>
        c.notNull().check(sql`heartbeat_timeout_seconds > 0`),
      )
      .addColumn('updated_by', 'text')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema
      .withSchema('ticket')
      .createIndex('queue_settings_mode')
      .on('queue_settings')
      .column('mode')
      .execute();
  },
};

export const queueMigrations: MigrationSet = {
  '0300_queue_settings': settingsMigration,
};
