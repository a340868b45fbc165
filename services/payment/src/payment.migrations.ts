import { sql, type Migration } from 'kysely';
import { outboxClaimMigration, outboxMigration } from '@tiketi/platform';
import { DEFAULT_POLICY } from './policy/refund-policy';

const S = 'payment';

const core: Migration = {
  async up(db) {
    await db.schema
      .withSchema(S)
      .createTable('payments')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('order_id', 'text', (c) => c.notNull().unique())
      .addColumn('reservation_id', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('amount', 'integer', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull().defaultTo('KRW'))
      .addColumn('refunded_amount', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('fee_amount', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('order_name', 'text', (c) => c.notNull())
      .addColumn('seats', 'jsonb', (c) => c.notNull())
      .addColumn('refunded_seat_ids', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
      .addColumn('policy', 'jsonb', (c) => c.notNull())
      .addColumn('event_starts_at', 'timestamptz', (c) => c.notNull())
      .addColumn('booked_at', 'timestamptz', (c) => c.notNull())
      .addColumn('success_url', 'text', (c) => c.notNull())
      .addColumn('fail_url', 'text', (c) => c.notNull())
      .addColumn('provider_ref', 'text')
      .addColumn('provider_payment_key', 'text')
      .addColumn('confirm_idempotency_key', 'text')
      .addColumn('failure_code', 'text')
      .addColumn('failure_message', 'text')
      .addColumn('paid_at', 'timestamptz')
      .addColumn('reservation_confirmed_at', 'timestamptz')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await sql`create index if not exists payments_user on ${sql.table(`${S}.payments`)} (user_id, created_at desc)`.execute(
      db,
    );
    await sql`create index if not exists payments_event on ${sql.table(`${S}.payments`)} (event_id, status)`.execute(
      db,
    );
    await sql`create index if not exists payments_reservation on ${sql.table(`${S}.payments`)} (reservation_id)`.execute(
      db,
    );
    await sql`create index if not exists payments_attention on ${sql.table(`${S}.payments`)} (status, updated_at)
      where status in ('pending', 'needs_reconciliation', 'refund_pending') or (status = 'paid' and reservation_confirmed_at is null)`.execute(
      db,
    );

    await db.schema
      .withSchema(S)
      .createTable('refunds')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('payment_id', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('amount', 'integer', (c) => c.notNull())
      .addColumn('fee', 'integer', (c) => c.notNull())
      .addColumn('full', 'boolean', (c) => c.notNull())
      .addColumn('seat_ids', 'jsonb')
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('actor_id', 'text')
      .addColumn('idempotency_key', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('completed_at', 'timestamptz')
      .execute();
    await sql`create index if not exists refunds_payment on ${sql.table(`${S}.refunds`)} (payment_id)`.execute(
      db,
    );
    // At most one refund in flight per payment.
    await sql`create unique index if not exists refunds_one_pending on ${sql.table(`${S}.refunds`)} (payment_id) where status = 'pending'`.execute(
      db,
    );

    await db.schema
      .withSchema(S)
      .createTable('refund_policies')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('rules', 'jsonb', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db
      .withSchema(S)
      .insertInto('refund_policies')
      .values({
        id: DEFAULT_POLICY.id,
        name: DEFAULT_POLICY.name,
        rules: JSON.stringify(DEFAULT_POLICY.rules),
      })
      .onConflict((oc) => oc.doNothing())
      .execute();

    // The built-in sandbox provider's own ledger (what a real provider keeps on its side).
    await db.schema
      .withSchema(S)
      .createTable('sandbox_payments')
      .ifNotExists()
      .addColumn('payment_key', 'text', (c) => c.primaryKey())
      .addColumn('order_id', 'text', (c) => c.notNull().unique())
      .addColumn('amount', 'integer', (c) => c.notNull())
      .addColumn('order_name', 'text', (c) => c.notNull())
      .addColumn('success_url', 'text', (c) => c.notNull())
      .addColumn('fail_url', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('cancelled_amount', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('approved_at', 'timestamptz')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
  },
};

/** The reconciler closes checkouts the buyer never finished. */
const readyIndex: Migration = {
  async up(db) {
    await sql`create index if not exists payments_ready on ${sql.table(`${S}.payments`)} (created_at) where status = 'ready'`.execute(
      db,
    );
  },
};

/**
 * The events payment learnt were cancelled (from event.cancelled): their payments are refunded
 * in full, and the reconciler keeps sweeping them for money still held (a refund refused, a
 * payment settled as paid after the cancellation).
 */
const cancelledEvents: Migration = {
  async up(db) {
    await db.schema
      .withSchema(S)
      .createTable('cancelled_events')
      .ifNotExists()
      .addColumn('event_id', 'text', (c) => c.primaryKey())
      .addColumn('cancelled_at', 'timestamptz', (c) => c.notNull())
      .addColumn('recorded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
  },
};

/**
 * The events whose time or venue the organiser changed (from event.updated): a buyer who paid
 * before the change cancels without a fee until the event begins.
 */
const changedEvents: Migration = {
  async up(db) {
    await db.schema
      .withSchema(S)
      .createTable('changed_events')
      .ifNotExists()
      .addColumn('event_id', 'text', (c) => c.primaryKey())
      .addColumn('changed_at', 'timestamptz', (c) => c.notNull())
      .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
      .execute();
  },
};

/**
 * Whether a refund may take a ticket the venue's gate already admitted (an operator's, a cancelled
 * event's; a buyer's may not): kept with the refund, so the reconciler's retry claims the ticket
 * with the same right as the request that began it.
 */
const refundUsedTicket: Migration = {
  async up(db) {
    await db.schema
      .withSchema(S)
      .alterTable('refunds')
      .addColumn('used_ticket_ok', 'boolean', (c) => c.notNull().defaultTo(false))
      .execute();
  },
};

/**
 * Payments refunded with a cancellation fee kept: a cancelled event's sweep finds them through
 * this small index instead of reading every refunded payment of every cancelled event each pass.
 */
const feeKeptIndex: Migration = {
  async up(db) {
    await sql`create index if not exists payments_fee_kept on ${sql.table(`${S}.payments`)} (event_id)
      where status = 'refunded' and refunded_amount < amount`.execute(db);
  },
};

export const paymentMigrations = {
  '0001_outbox': outboxMigration(S),
  '0001_outbox_claim': outboxClaimMigration(S),
  '0002_payments': core,
  '0003_ready_index': readyIndex,
  '0004_cancelled_events': cancelledEvents,
  '0005_changed_events': changedEvents,
  '0006_refund_used_ticket': refundUsedTicket,
  '0007_fee_kept_index': feeKeptIndex,
};
