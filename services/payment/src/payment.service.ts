import { defineService, outboxMigration } from '@tiketi/platform';
import { paymentConfigSchema, type PaymentConfig } from './payment.config';

export const paymentService = defineService<PaymentConfig>({
  name: 'payment',
  portKey: 'PAYMENT_PORT',
  schema: 'payment',
  configSchema: paymentConfigSchema,
  migrations: {
    '0001_outbox': outboxMigration('payment'),
  },
  openapi: { title: 'TIKETI payment service', description: 'Payment service API' },
  async routes() {},
});
