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

/**
 * Seat passes: each seat of a booking has its own code too, so a group need not enter together
 * and a buyer can send a companion their seat. The booking's own code still admits every seat not
 * yet in; `reservations.checked_in_at` stays the first admission (a booking with anyone inside is
 * used: its buyer's refund is refused). Seats of bookings admitted before are marked in.
 */
export const seatPassMigration: Migration = {
  async up(db) {
    await db.schema
      .withSchema('ticket')
      .alterTable('reservation_seats')
      .addColumn('entry_code', 'text')
      .addColumn('checked_in_at', 'timestamptz')
      .addColumn('checked_in_by', 'text')
      .execute();
    await sql`create unique index reservation_seats_entry_code on ${sql.table('ticket.reservation_seats')} (entry_code) where entry_code is not null`.execute(
      db,
    );
    await sql`update ${sql.table('ticket.reservation_seats')} rs
      set checked_in_at = r.checked_in_at, checked_in_by = r.checked_in_by
      from ${sql.table('ticket.reservations')} r
      where r.id = rs.reservation_id and r.checked_in_at is not null and rs.active and not rs.refunded`.execute(
      db,
    );
  },
};
