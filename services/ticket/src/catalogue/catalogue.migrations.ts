import { sql, type Migration } from 'kysely';

/**
 * Catalogue additions to the core tables: search text with trigram indexes, the alias table
 * (Korean/English spellings of one artist or venue) and reusable venue templates.
 */
export const catalogueMigration: Migration = {
  async up(db) {
    const s = db.schema.withSchema('ticket');
    // One lower-cased text per event that search matches against (title, artist, venue).
    await sql`alter table ${sql.table('ticket.events')} add column search_text text generated always as
      (lower(title || ' ' || artist || ' ' || venue_name)) stored`.execute(db);
    await sql`create index events_search_trgm on ${sql.table('ticket.events')} using gin (search_text gin_trgm_ops)`.execute(
      db,
    );
    await s.createIndex('events_sale_window').on('events').columns(['status', 'sale_starts_at']).execute();

    await s
      .createTable('aliases')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull().defaultTo('artist'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('alias', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await sql`create unique index aliases_pair on ${sql.table('ticket.aliases')} (lower(name), lower(alias))`.execute(
      db,
    );
    await sql`create index aliases_name_trgm on ${sql.table('ticket.aliases')} using gin (lower(name) gin_trgm_ops)`.execute(
      db,
    );
    await sql`create index aliases_alias_trgm on ${sql.table('ticket.aliases')} using gin (lower(alias) gin_trgm_ops)`.execute(
      db,
    );

    await s
      .createTable('venues')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('address', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('layout', 'jsonb', (c) => c.notNull())
      .addColumn('seats_total', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
  },
};
