import { sql, type Migration } from 'kysely';

/**
 * Mail owed to buyers about their bookings. A fact from the bus only adds a row (keyed by the
 * fact, so a repeat adds nothing); the mail worker sends what is due and tries again later when
 * the relay refuses. The bus never waits on a mail relay.
 */
export const notifyMigration: Migration = {
  async up(db) {
    await db.schema
      .withSchema('ticket')
      .createTable('booking_mails')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('fact_id', 'text', (c) => c.notNull().unique())
      .addColumn('reservation_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('confirmed', 'refunded')`))
      .addColumn('refund_amount', 'integer')
      .addColumn('refund_seat_ids', 'jsonb')
      .addColumn('status', 'text', (c) =>
        c
          .notNull()
          .defaultTo('pending')
          .check(sql`status in ('pending', 'sent', 'failed')`),
      )
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull())
      .addColumn('claimed_until', 'timestamptz')
      .addColumn('last_error', 'text')
      .addColumn('sent_at', 'timestamptz')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .execute();
    await sql`create index if not exists booking_mails_due on ${sql.table('ticket.booking_mails')} (next_attempt_at) where status = 'pending'`.execute(
      db,
    );
  },
};

/** Reminders before the event: a third kind of booking mail. */
export const reminderMigration: Migration = {
  async up(db) {
    await sql`alter table ${sql.table('ticket.booking_mails')} drop constraint if exists booking_mails_kind_check`.execute(
      db,
    );
    await sql`alter table ${sql.table('ticket.booking_mails')} add constraint booking_mails_kind_check check (kind in ('confirmed', 'refunded', 'reminder'))`.execute(
      db,
    );
  },
};
