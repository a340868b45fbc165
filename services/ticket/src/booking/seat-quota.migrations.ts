import { sql, type Migration } from 'kysely';

/**
 * How many active seats each buyer has for each event. A hold raises it only while it stays
 * within the event's limit (one conditional upsert, the row lock serialising one buyer's racing
 * holds), so a hold is one statement instead of an advisory lock, a count and the writes.
 * Releasing seats lowers it in the same transaction. Existing holds are counted in.
 */
export const seatQuotaMigration: Migration = {
  async up(db) {
    await db.schema
      .withSchema('ticket')
      .createTable('user_event_seats')
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('seats', 'integer', (c) => c.notNull().check(sql`seats >= 0`))
      .addPrimaryKeyConstraint('user_event_seats_pk', ['event_id', 'user_id'])
      .execute();
    await sql`
      insert into ${sql.table('ticket.user_event_seats')} (event_id, user_id, seats)
      select r.event_id, r.user_id, count(*)::int
      from ${sql.table('ticket.reservation_seats')} rs
      join ${sql.table('ticket.reservations')} r on r.id = rs.reservation_id
      where rs.active
      group by r.event_id, r.user_id
    `.execute(db);
  },
};
