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

/**
 * Sale-opening alerts: a buyer asks to be mailed before an event's sale opens. The mail is a
 * fourth kind of row in `booking_mails` (about an alert, not a booking), owed once per alert and
 * opening time; rows are sent most urgent first, so a big event's reminders or alerts never keep
 * a buyer's confirmation waiting.
 */
export const saleAlertMigration: Migration = {
  async up(db) {
    await db.schema
      .withSchema('ticket')
      .createTable('sale_alerts')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('event_id', 'text', (c) => c.notNull().references('events.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('user_email', 'text', (c) => c.notNull())
      .addColumn('user_name', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addUniqueConstraint('sale_alerts_one_per_buyer', ['event_id', 'user_id'])
      .execute();
    await sql`create index if not exists sale_alerts_user on ${sql.table('ticket.sale_alerts')} (user_id)`.execute(
      db,
    );
    const mails = sql.table('ticket.booking_mails');
    await sql`alter table ${mails} alter column reservation_id drop not null`.execute(db);
    await sql`alter table ${mails} add column if not exists alert_id text`.execute(db);
    await sql`alter table ${mails} add column if not exists sale_starts_at timestamptz`.execute(db);
    await sql`alter table ${mails} add column if not exists priority smallint not null default 0`.execute(db);
    await sql`update ${mails} set priority = 2 where kind = 'reminder'`.execute(db);
    await sql`alter table ${mails} drop constraint if exists booking_mails_kind_check`.execute(db);
    await sql`alter table ${mails} add constraint booking_mails_kind_check check (kind in ('confirmed', 'refunded', 'reminder', 'sale_open'))`.execute(
      db,
    );
    await sql`alter table ${mails} add constraint booking_mails_subject check (case when kind = 'sale_open' then alert_id is not null and sale_starts_at is not null else reservation_id is not null end)`.execute(
      db,
    );
    await sql`drop index if exists ticket.booking_mails_due`.execute(db);
    await sql`create index if not exists booking_mails_due on ${mails} (priority, next_attempt_at) where status = 'pending'`.execute(
      db,
    );
    await sql`create index if not exists booking_mails_alert on ${mails} (alert_id) where alert_id is not null`.execute(
      db,
    );
  },
};

/**
 * A fifth kind: buyers of paid bookings told that their event's time or venue changed. The row
 * keeps what the event was before (`details`); the mail says what it is when sent.
 */
export const eventChangedMigration: Migration = {
  async up(db) {
    const mails = sql.table('ticket.booking_mails');
    await sql`alter table ${mails} add column if not exists details jsonb`.execute(db);
    await sql`alter table ${mails} drop constraint if exists booking_mails_kind_check`.execute(db);
    await sql`alter table ${mails} add constraint booking_mails_kind_check check (kind in ('confirmed', 'refunded', 'reminder', 'sale_open', 'changed'))`.execute(
      db,
    );
  },
};

/**
 * Seat-return alerts ("취소표 알림"): on a sold-out event a buyer asks to be mailed when seats
 * come back (a refund, an expired hold). A sixth kind of mail, `seats_back`, about such an alert;
 * it is sent once, when seats are there to be had.
 */
export const returnAlertMigration: Migration = {
  async up(db) {
    await db.schema
      .withSchema('ticket')
      .createTable('return_alerts')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('event_id', 'text', (c) => c.notNull().references('events.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('user_email', 'text', (c) => c.notNull())
      .addColumn('user_name', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addUniqueConstraint('return_alerts_one_per_buyer', ['event_id', 'user_id'])
      .execute();
    await sql`create index if not exists return_alerts_user on ${sql.table('ticket.return_alerts')} (user_id)`.execute(
      db,
    );
    const mails = sql.table('ticket.booking_mails');
    await sql`alter table ${mails} drop constraint if exists booking_mails_kind_check`.execute(db);
    await sql`alter table ${mails} add constraint booking_mails_kind_check check (kind in ('confirmed', 'refunded', 'reminder', 'sale_open', 'changed', 'seats_back'))`.execute(
      db,
    );
    await sql`alter table ${mails} drop constraint if exists booking_mails_subject`.execute(db);
    await sql`alter table ${mails} add constraint booking_mails_subject check (case when kind = 'sale_open' then alert_id is not null and sale_starts_at is not null when kind = 'seats_back' then alert_id is not null else reservation_id is not null end)`.execute(
      db,
    );
  },
};

/**
 * An operator's notice to an event's buyers ("공지"): kept once, mailed as a seventh kind,
 * `announcement`, to each paid booking; the row points at the notice (`details.announcementId`).
 */
export const announcementMigration: Migration = {
  async up(db) {
    await db.schema
      .withSchema('ticket')
      .createTable('event_announcements')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('event_id', 'text', (c) => c.notNull().references('events.id').onDelete('cascade'))
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('actor_id', 'text', (c) => c.notNull())
      .addColumn('recipients', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .execute();
    await sql`create index if not exists event_announcements_event on ${sql.table('ticket.event_announcements')} (event_id, created_at)`.execute(
      db,
    );
    const mails = sql.table('ticket.booking_mails');
    await sql`alter table ${mails} drop constraint if exists booking_mails_kind_check`.execute(db);
    await sql`alter table ${mails} add constraint booking_mails_kind_check check (kind in ('confirmed', 'refunded', 'reminder', 'sale_open', 'changed', 'seats_back', 'announcement'))`.execute(
      db,
    );
  },
};
