import { sql, type Migration } from 'kysely';

/**
 * Entry passes: a reservation's code is made on its buyer's first request for the pass (not at
 * confirm, which stays one statement), and the gate marks it used once.
 */
export const entryMigration: Migration = {
  async up(db) {
    await db.schema
      .withSchema('ticket')
      .alterTable('reservations')
      .addColumn('entry_code', 'text')
      .addColumn('checked_in_at', 'timestamptz')
      .addColumn('checked_in_by', 'text')
      .execute();
    await sql`create unique index reservations_entry_code on ${sql.table('ticket.reservations')} (entry_code) where entry_code is not null`.execute(
      db,
    );
  },
};
