import { sql, type Migration } from 'kysely';

const S = 'stats';

/**
 * Every consumed envelope is kept (event_history) so the read models below can be thrown away and
 * recomputed from it. The read models are written so that applying the same set of events in any
 * order gives the same rows: sums are commutative, statuses take the highest lifecycle rank, and
 * descriptive fields keep the newest version by (occurred_at, event id).
 */
export const statsReadModelsMigration: Migration = {
  async up(db) {
    const schema = db.schema.withSchema(S);
    await schema
      .createTable('event_history')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
      .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('envelope', 'jsonb', (c) => c.notNull())
      .execute();
    await sql`create index if not exists event_history_replay on ${sql.table(`${S}.event_history`)} (occurred_at, id)`.execute(
      db,
    );

    await schema
      .createTable('users')
      .ifNotExists()
      .addColumn('user_id', 'text', (c) => c.primaryKey())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('registered_at', 'timestamptz', (c) => c.notNull())
      .execute();
    await sql`create index if not exists users_registered on ${sql.table(`${S}.users`)} (registered_at)`.execute(
      db,
    );

    await schema
      .createTable('events')
      .ifNotExists()
      .addColumn('event_id', 'text', (c) => c.primaryKey())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('starts_at', 'text', (c) => c.notNull())
      .addColumn('seats_total', 'integer', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .execute();

    await schema
      .createTable('reservations')
      .ifNotExists()
      .addColumn('reservation_id', 'text', (c) => c.primaryKey())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('seat_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('amount', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('status_rank', 'integer', (c) => c.notNull())
      .addColumn('status_version', 'text', (c) => c.notNull())
      .addColumn('held', 'boolean', (c) => c.notNull().defaultTo(false))
      .addColumn('converted', 'boolean', (c) => c.notNull().defaultTo(false))
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('refunded_seats', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await sql`create index if not exists reservations_event on ${sql.table(`${S}.reservations`)} (event_id)`.execute(
      db,
    );
    await sql`create index if not exists reservations_created on ${sql.table(`${S}.reservations`)} (created_at)`.execute(
      db,
    );
    await sql`create index if not exists reservations_user_event on ${sql.table(`${S}.reservations`)} (user_id, event_id)`.execute(
      db,
    );

    await schema
      .createTable('payments')
      .ifNotExists()
      .addColumn('payment_id', 'text', (c) => c.primaryKey())
      .addColumn('reservation_id', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('amount', 'bigint', (c) => c.notNull())
      .addColumn('paid_at', 'timestamptz', (c) => c.notNull())
      .execute();

    // Sales by Seoul hour (Seoul has no daylight saving, so its hours are UTC hours): days are sums of hours.
    await schema
      .createTable('sales_hourly')
      .ifNotExists()
      .addColumn('hour', 'timestamptz', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('revenue', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('sales', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('refunds', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('refund_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('sales_hourly_pk', ['hour', 'event_id', 'method'])
      .execute();

    await schema
      .createTable('queue_admissions')
      .ifNotExists()
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('admitted_at', 'timestamptz', (c) => c.notNull())
      .addPrimaryKeyConstraint('queue_admissions_pk', ['event_id', 'user_id'])
      .execute();

    await schema
      .createTable('audit_log')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('actor_id', 'text', (c) => c.notNull())
      .addColumn('actor_email', 'text')
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('target_type', 'text', (c) => c.notNull())
      .addColumn('target_id', 'text', (c) => c.notNull())
      .addColumn('before', 'jsonb')
      .addColumn('after', 'jsonb')
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
      .execute();
    await sql`create index if not exists audit_log_time on ${sql.table(`${S}.audit_log`)} (occurred_at desc, id desc)`.execute(
      db,
    );
  },
};

/** Read-model tables, emptied by a rebuild (the history stays). */
export const READ_MODEL_TABLES = [
  'users',
  'events',
  'reservations',
  'payments',
  'sales_hourly',
  'queue_admissions',
  'audit_log',
] as const;
