import { providerFetch, type ProviderHttpOptions } from './http';
import {
  ProviderError,
  type CancelInput,
  type ConfirmInput,
  type LookupInput,
  type PrepareInput,
  type PrepareResult,
  type ProviderAdapter,
  type ProviderPayment,
} from './provider';

export interface TossOptions {
  baseUrl: string;
  clientKey: string;
  secretKey: string;
  http: ProviderHttpOptions;
}

/** Codes after which the money may or may not have moved: look the payment up instead of failing. */
const UNKNOWN_CODES = new Set([
  'ALREADY_PROCESSED_PAYMENT',
  'PROVIDER_ERROR',
  'FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING',
  'FAILED_INTERNAL_SYSTEM_PROCESSING',
  'UNKNOWN_PAYMENT_ERROR',
  'UNKNOWN',
]);

interface TossPayment {
  paymentKey: string;
  orderId: string;
  status: string;
  totalAmount: number;
  balanceAmount: number;
  currency?: string;
  approvedAt?: string | null;
}

function normalise(p: TossPayment): ProviderPayment {
  const map: Record<string, ProviderPayment['status']> = {
    DONE: 'paid',
    CANCELED: 'cancelled',
    PARTIAL_CANCELED: 'partially_cancelled',
    ABORTED: 'failed',
    EXPIRED: 'failed',
  };
  return {
    status: map[p.status] ?? 'in_progress',
    providerKey: p.paymentKey,
    orderId: p.orderId,
    totalAmount: p.totalAmount,
    cancelledAmount: p.totalAmount - (p.balanceAmount ?? p.totalAmount),
    currency: p.currency ?? 'KRW',
    approvedAt: p.approvedAt ?? null,
  };
}

/** Toss Payments core API v1: the client SDK opens the payment window; we confirm, look up and cancel. */
export class TossAdapter implements ProviderAdapter {
  readonly method = 'toss' as const;
  readonly name = 'Toss Payments';

  constructor(private readonly options: TossOptions) {}

  private headers(idempotencyKey?: string): Record<string, string> {
    const headers: Record<string, string> = {
      authorization: `Basic ${Buffer.from(`${this.options.secretKey}:`).toString('base64')}`,
      'content-type': 'application/json',
    };
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
    return headers;
  }

  private fail(operation: string, status: number, body: { code?: string; message?: string } | null): never {
    const code = body?.code ?? 'UNKNOWN';
    if (UNKNOWN_CODES.has(code)) throw new ProviderError('unknown', code, body?.message ?? operation, status);
    if (status === 404 || code === 'NOT_FOUND_PAYMENT')
      throw new ProviderError('not_found', code, body?.message ?? 'not found', status);
    throw new ProviderError('declined', code, body?.message ?? `${operation} refused`, status);
  }

  async prepare(input: PrepareInput): Promise<PrepareResult> {
    return {
      checkout: {
        type: 'toss',
        clientKey: this.options.clientKey,
        orderId: input.orderId,
        orderName: input.orderName,
        amount: input.amount,
        customerKey: input.userId,
        successUrl: input.successUrl,
        failUrl: input.failUrl,
      },
    };
  }

  async confirm(input: ConfirmInput): Promise<ProviderPayment> {
    const res = await providerFetch(
      this.options.http,
      'confirm',
      `${this.options.baseUrl}/v1/payments/confirm`,
      {
        headers: this.headers(input.idempotencyKey),
        body: JSON.stringify({ paymentKey: input.providerKey, orderId: input.orderId, amount: input.amount }),
      },
    );
    if (res.status !== 200) this.fail('confirm', res.status, res.body);
    return normalise(res.body as TossPayment);
  }

  async lookup(input: LookupInput): Promise<ProviderPayment | null> {
    const path = input.providerKey
      ? `/v1/payments/${encodeURIComponent(input.providerKey)}`
      : `/v1/payments/orders/${encodeURIComponent(input.orderId)}`;
    const res = await providerFetch(this.options.http, 'lookup', `${this.options.baseUrl}${path}`, {
      method: 'GET',
      headers: this.headers(),
    });
    if (res.status === 404) return null;
    if (res.status !== 200) this.fail('lookup', res.status, res.body);
    const payment = res.body as TossPayment;
    if (payment.orderId !== input.orderId)
      throw new ProviderError('declined', 'ORDER_MISMATCH', 'payment belongs to another order');
    return normalise(payment);
  }

  async cancel(input: CancelInput): Promise<ProviderPayment> {
    const res = await providerFetch(
      this.options.http,
      'cancel',
      `${this.options.baseUrl}/v1/payments/${encodeURIComponent(input.providerKey)}/cancel`,
      {
        headers: this.headers(input.idempotencyKey),
        // Toss cancels the whole balance when cancelAmount is absent: a full refund sends none.
        body: JSON.stringify({
          cancelReason: input.reason.slice(0, 200),
          ...(input.remainingAfter > 0 ? { cancelAmount: input.amount } : {}),
        }),
      },
    );
    if (res.status !== 200) this.fail('cancel', res.status, res.body);
    return normalise(res.body as TossPayment);
  }
}
