import type { Kysely } from 'kysely';
import type { PaymentConfig } from '../payment.config';
import { KakaoPayAdapter } from './kakaopay.provider';
import { NaverPayAdapter } from './naverpay.provider';
import { PAYMENT_METHODS, type PaymentMethod, type ProviderAdapter } from './provider';
import { SandboxAdapter } from './sandbox.provider';
import { TossAdapter } from './toss.provider';
import type { ProviderHttpOptions } from './http';

export const METHOD_NAMES: Record<PaymentMethod, string> = {
  sandbox: 'Sandbox (test payments)',
  toss: 'Toss Payments',
  kakaopay: 'Kakao Pay',
  naverpay: 'Naver Pay',
};

export interface ProviderRegistry {
  get(method: string): ProviderAdapter | undefined;
  sandbox: SandboxAdapter | null;
  methods(): Array<{ method: PaymentMethod; name: string; enabled: boolean }>;
}

/** A provider is offered when its keys are configured; the sandbox everywhere but production (unless told). */
export function createProviderRegistry(
  config: PaymentConfig,
  db: Kysely<any>,
  observe: ProviderHttpOptions['observe'],
): ProviderRegistry {
  const http = (provider: string): ProviderHttpOptions => ({
    provider,
    timeoutMs: config.PAYMENT_PROVIDER_TIMEOUT_MS,
    observe,
  });
  const adapters = new Map<PaymentMethod, ProviderAdapter>();
  const sandboxEnabled = config.PAYMENT_SANDBOX_ENABLED ?? config.NODE_ENV !== 'production';
  const sandbox = sandboxEnabled ? new SandboxAdapter(db, config.PUBLIC_API_URL.replace(/\/$/, '')) : null;
  if (sandbox) adapters.set('sandbox', sandbox);
  if (config.PAYMENT_TOSS_CLIENT_KEY && config.PAYMENT_TOSS_SECRET_KEY) {
    adapters.set(
      'toss',
      new TossAdapter({
        baseUrl: config.PAYMENT_TOSS_BASE_URL,
        clientKey: config.PAYMENT_TOSS_CLIENT_KEY,
        secretKey: config.PAYMENT_TOSS_SECRET_KEY,
        http: http('toss'),
      }),
    );
  }
  if (config.PAYMENT_KAKAOPAY_SECRET_KEY) {
    adapters.set(
      'kakaopay',
      new KakaoPayAdapter({
        baseUrl: config.PAYMENT_KAKAOPAY_BASE_URL,
        secretKey: config.PAYMENT_KAKAOPAY_SECRET_KEY,
        cid: config.PAYMENT_KAKAOPAY_CID,
        http: http('kakaopay'),
      }),
    );
  }
  if (
    config.PAYMENT_NAVERPAY_PARTNER_ID &&
    config.PAYMENT_NAVERPAY_CLIENT_ID &&
    config.PAYMENT_NAVERPAY_CLIENT_SECRET
  ) {
    adapters.set(
      'naverpay',
      new NaverPayAdapter({
        baseUrl: config.PAYMENT_NAVERPAY_BASE_URL,
        partnerId: config.PAYMENT_NAVERPAY_PARTNER_ID,
        clientId: config.PAYMENT_NAVERPAY_CLIENT_ID,
        clientSecret: config.PAYMENT_NAVERPAY_CLIENT_SECRET,
        chainId: config.PAYMENT_NAVERPAY_CHAIN_ID ?? '',
        checkoutUrl: config.PAYMENT_NAVERPAY_CHECKOUT_URL,
        http: http('naverpay'),
      }),
    );
  }
  return {
    get: (method) => adapters.get(method as PaymentMethod),
    sandbox,
    methods: () =>
      PAYMENT_METHODS.map((method) => ({
        method,
        name: METHOD_NAMES[method],
        enabled: adapters.has(method),
      })),
  };
}
