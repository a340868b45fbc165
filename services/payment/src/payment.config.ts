import { Type, type Static } from '@sinclair/typebox';
import { baseConfigSchema, mergeConfigSchemas } from '@tiketi/platform';

/** Variables only the payment service reads. */
export const paymentOwnConfig = Type.Object({});

export const paymentConfigSchema = mergeConfigSchemas(baseConfigSchema, paymentOwnConfig);
export type PaymentConfig = Static<typeof baseConfigSchema> & Static<typeof paymentOwnConfig>;
