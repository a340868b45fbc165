import { Type, type Static } from '@sinclair/typebox';
import { baseConfigSchema, mergeConfigSchemas } from '@tiketi/platform';

/** Variables only the payment service reads. A provider is offered when its keys are set. */
export const paymentOwnConfig = Type.Object({
  PAYMENT_SANDBOX_ENABLED: Type.Optional(
    Type.Boolean({ description: 'offer the built-in sandbox provider; defaults to true outside production' }),
  ),
  PAYMENT_TOSS_BASE_URL: Type.String({
    default: 'https://api.tosspayments.com',
    description: 'Toss Payments core API base URL',
  }),
  PAYMENT_TOSS_CLIENT_KEY: Type.Optional(
    Type.String({ description: 'Toss Payments client key (test_ck_... / live_ck_...)' }),
  ),
  PAYMENT_TOSS_SECRET_KEY: Type.Optional(
    Type.String({ description: 'Toss Payments secret key (test_sk_... / live_sk_...)' }),
  ),
  PAYMENT_KAKAOPAY_BASE_URL: Type.String({
    default: 'https://open-api.kakaopay.com',
    description: 'Kakao Pay open API base URL',
  }),
  PAYMENT_KAKAOPAY_SECRET_KEY: Type.Optional(
    Type.String({ description: 'Kakao Pay secret key (Authorization: SECRET_KEY ...)' }),
  ),
  PAYMENT_KAKAOPAY_CID: Type.String({
    default: 'TC0ONETIME',
    description: 'Kakao Pay merchant code (cid); TC0ONETIME is the test one',
  }),
  PAYMENT_NAVERPAY_BASE_URL: Type.String({
    default: 'https://dev-pub.apis.naver.com',
    description: 'Naver Pay API base URL (dev and prod differ)',
  }),
  PAYMENT_NAVERPAY_PARTNER_ID: Type.Optional(
    Type.String({ description: 'Naver Pay partner id (part of every API path)' }),
  ),
  PAYMENT_NAVERPAY_CLIENT_ID: Type.Optional(Type.String({ description: 'Naver Pay X-Naver-Client-Id' })),
  PAYMENT_NAVERPAY_CLIENT_SECRET: Type.Optional(
    Type.String({ description: 'Naver Pay X-Naver-Client-Secret' }),
  ),
  PAYMENT_NAVERPAY_CHAIN_ID: Type.Optional(Type.String({ description: 'Naver Pay X-NaverPay-Chain-Id' })),
  PAYMENT_NAVERPAY_CHECKOUT_URL: Type.String({
    default: 'https://test-m.pay.naver.com/payments',
    description: 'where the buyer is sent with the reserveId (`<url>/<reserveId>`)',
  }),
  PAYMENT_PROVIDER_TIMEOUT_MS: Type.Integer({
    default: 10000,
    minimum: 100,
    description: 'timeout of one provider API call',
  }),
  PAYMENT_CONFIRM_LEASE_SECONDS: Type.Integer({
    default: 600,
    minimum: 10,
    description: 'how long a reservation is kept from expiring while its payment is being confirmed',
  }),
  PAYMENT_RECONCILE_INTERVAL_MS: Type.Integer({
    default: 30000,
    minimum: 50,
    description: 'reconciler period',
  }),
  PAYMENT_RECONCILE_CONCURRENCY: Type.Integer({
    default: 8,
    minimum: 1,
    maximum: 64,
    description:
      'payments the reconciler settles at once (each a provider look-up; after a provider outage the backlog is every payment of those minutes)',
  }),
  PAYMENT_STUCK_PENDING_MS: Type.Integer({
    default: 120000,
    minimum: 0,
    description: 'a confirm still pending after this long is settled by the reconciler (crash recovery)',
  }),
  PAYMENT_CHECKOUT_TTL_MS: Type.Integer({
    default: 3_600_000,
    minimum: 1,
    description: 'a checkout never confirmed (buyer left) is closed as cancelled after this long',
  }),
  PAYMENT_REFUND_CONCURRENCY: Type.Integer({
    default: 8,
    minimum: 1,
    maximum: 64,
    description:
      "refunds of a cancelled event's payments under way at once (each is a provider look-up and cancel: one at a time, 5,000 paid bookings at half a second each would take 40 minutes)",
  }),
  PAYMENT_RETURN_ORIGINS: Type.String({
    default: '',
    description:
      'extra origins (comma-separated) allowed for successUrl/failUrl besides PUBLIC_WEB_URL and PUBLIC_API_URL',
  }),
});

export const paymentConfigSchema = mergeConfigSchemas(baseConfigSchema, paymentOwnConfig);
export type PaymentConfig = Static<typeof baseConfigSchema> & Static<typeof paymentOwnConfig>;
