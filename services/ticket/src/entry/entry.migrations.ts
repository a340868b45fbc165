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

/**
 * A refund under way claims its reservation first (the payment service asks before it sends the
 * provider its cancel): the gate does not admit a claimed ticket, so a buyer cannot walk in on a
 * ticket whose money is on its way back. The refund's id, so only its own report releases it.
 */
export const refundClaimMigration: Migration = {
  async up(db) {
    await db.schema
      .withSchema('ticket')
      .alterTable('reservations')
      .addColumn('refund_claim', 'text')
      .addColumn('refund_claimed_at', 'timestamptz')
      .execute();
  },
};
