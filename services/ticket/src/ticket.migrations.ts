import { sql, type Migration } from 'kysely';

/**
 * Tables every ticket area relies on. Catalogue writes events/sections/seats; booking changes
 * seats.status in the same transaction as its reservation rows (which carry the unique constraint
 * that makes a double sale impossible); the catalogue reads status for counts.
 */
export const coreMigration: Migration = {
  async up(db) {
    const s = db.schema.withSchema('ticket');
    await sql`create extension if not exists pg_trgm`.execute(db);
    await s
      .createTable('events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('category', 'text', (c) => c.notNull())
      .addColumn('artist', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('venue_id', 'text')
      .addColumn('venue_name', 'text', (c) => c.notNull())
      .addColumn('venue_address', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
      .addColumn('ends_at', 'timestamptz', (c) => c.notNull())
      .addColumn('sale_starts_at', 'timestamptz', (c) => c.notNull())
      .addColumn('sale_ends_at', 'timestamptz', (c) => c.notNull())
      .addColumn('poster_url', 'text')
      .addColumn('poster_thumb_url', 'text')
      .addColumn('status', 'text', (c) => c.notNull().defaultTo('draft'))
      .addColumn('seat_limit', 'integer', (c) => c.notNull().defaultTo(4))
      .addColumn('hold_minutes', 'integer', (c) => c.notNull().defaultTo(10))
      .addColumn('refund_policy_id', 'text', (c) => c.notNull().defaultTo('standard'))
      .addColumn('layout', 'jsonb')
      .addColumn('layout_version', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('seats_total', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('published_at', 'timestamptz')
      .addColumn('cancelled_at', 'timestamptz')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await s.createIndex('events_status_starts').on('events').columns(['status', 'starts_at']).execute();

    await s
      .createTable('sections')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('event_id', 'text', (c) => c.notNull().references('events.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('price', 'integer', (c) => c.notNull().check(sql`price >= 0`))
      .addColumn('color', 'text', (c) => c.notNull().defaultTo('#6366f1'))
      .addColumn('kind', 'text', (c) => c.notNull().defaultTo('seated'))
      .addColumn('capacity', 'integer')
      .addColumn('sort', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await s.createIndex('sections_event').on('sections').column('event_id').execute();

    await s
      .createTable('seats')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('event_id', 'text', (c) => c.notNull().references('events.id').onDelete('cascade'))
      .addColumn('section_id', 'text', (c) => c.notNull().references('sections.id').onDelete('cascade'))
      .addColumn('row_label', 'text', (c) => c.notNull())
      .addColumn('number', 'integer', (c) => c.notNull())
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('price', 'integer', (c) => c.notNull())
      .addColumn('x', 'real', (c) => c.notNull().defaultTo(0))
      .addColumn('y', 'real', (c) => c.notNull().defaultTo(0))
      .addColumn('accessible', 'boolean', (c) => c.notNull().defaultTo(false))
      .addColumn('companion', 'boolean', (c) => c.notNull().defaultTo(false))
      // available | held | sold | blocked; booking changes it only together with its reservation rows.
      .addColumn('status', 'text', (c) => c.notNull().defaultTo('available'))
      .addColumn('sort', 'integer', (c) => c.notNull().defaultTo(0))
      .addUniqueConstraint('seats_event_label', ['event_id', 'label'])
      .execute();
    await s.createIndex('seats_event_status').on('seats').columns(['event_id', 'status']).execute();
    await s.createIndex('seats_section').on('seats').column('section_id').execute();
  },
};
