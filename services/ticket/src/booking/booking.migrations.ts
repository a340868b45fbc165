import { sql, type Migration } from 'kysely';

/**
 * Reservations and their seats. The partial unique index on reservation_seats(seat_id) where the
 * row is active is the invariant itself: whatever the application, Redis or a retry does, two
 * active (pending or confirmed) reservations of one seat cannot both be committed.
 */
export const bookingMigration: Migration = {
  async up(db) {
    const s = db.schema.withSchema('ticket');
    await s
      .createTable('reservations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('event_id', 'text', (c) => c.notNull().references('events.id'))
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('user_email', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('user_name', 'text', (c) => c.notNull().defaultTo(''))
      // pending -> confirmed | expired | cancelled; confirmed -> refunded | partially_refunded
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('amount', 'integer', (c) => c.notNull().check(sql`amount >= 0`))
      .addColumn('refunded_amount', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('currency', 'text', (c) => c.notNull().defaultTo('KRW'))
      .addColumn('seat_count', 'integer', (c) => c.notNull())
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .addColumn('payment_id', 'text')
      // While a payment is under way the sweeper leaves the reservation alone until this passes.
      .addColumn('payment_lease_until', 'timestamptz')
      .addColumn('cancel_reason', 'text')
      .addColumn('confirmed_at', 'timestamptz')
      .addColumn('closed_at', 'timestamptz')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await s
      .createIndex('reservations_user_created')
      .on('reservations')
      .columns(['user_id', 'created_at'])
      .execute();
    await s
      .createIndex('reservations_event_user')
      .on('reservations')
      .columns(['event_id', 'user_id'])
      .execute();
    await s
      .createIndex('reservations_event_status')
      .on('reservations')
      .columns(['event_id', 'status'])
      .execute();
    await sql`create index reservations_pending_expiry on ${sql.table('ticket.reservations')} (expires_at) where status = 'pending'`.execute(
      db,
    );
    await sql`create index reservations_confirmed_at on ${sql.table('ticket.reservations')} (confirmed_at) where confirmed_at is not null`.execute(
      db,
    );

    await s
      .createTable('reservation_seats')
      .addColumn('reservation_id', 'text', (c) =>
        c.notNull().references('reservations.id').onDelete('cascade'),
      )
      .addColumn('seat_id', 'text', (c) => c.notNull().references('seats.id'))
      .addColumn('event_id', 'text', (c) => c.notNull())
      // Snapshot at hold time: the amount charged never follows a later price change.
      .addColumn('price', 'integer', (c) => c.notNull())
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('section', 'text', (c) => c.notNull())
      .addColumn('row_label', 'text', (c) => c.notNull())
      .addColumn('number', 'integer', (c) => c.notNull())
      // true while the reservation is pending or confirmed and this seat was not refunded.
      .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
      .addColumn('refunded', 'boolean', (c) => c.notNull().defaultTo(false))
      .addPrimaryKeyConstraint('reservation_seats_pk', ['reservation_id', 'seat_id'])
      .execute();
    await sql`create unique index reservation_seats_one_active on ${sql.table('ticket.reservation_seats')} (seat_id) where active`.execute(
      db,
    );
    await s
      .createIndex('reservation_seats_event')
      .on('reservation_seats')
      .columns(['event_id', 'active'])
      .execute();
  },
};
