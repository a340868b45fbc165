import type { Migration } from 'kysely';

/**
 * How each reservation was paid, learnt from payment.paid facts: the ticket service never reads
 * the payment schema, and the operators' reservation list shows the method.
 */
export const adminPaymentMethodsMigration: Migration = {
  async up(db) {
    await db.schema
      .withSchema('ticket')
      .createTable('reservation_payment_methods')
      .ifNotExists()
      .addColumn('reservation_id', 'text', (c) => c.primaryKey())
      .addColumn('payment_id', 'text', (c) => c.notNull())
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('paid_at', 'timestamptz', (c) => c.notNull())
      .execute();
  },
};
