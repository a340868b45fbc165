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

export interface NaverPayOptions {
  baseUrl: string;
  partnerId: string;
  clientId: string;
  clientSecret: string;
  chainId: string;
  checkoutUrl: string;
  http: ProviderHttpOptions;
}

/**
 * Codes after which the money may or may not have moved. AlreadyComplete answers an approve that
 * an earlier (or concurrent) approve already settled: the history tells whether it was charged.
 */
const UNKNOWN_CODES = new Set(['InternalServerError', 'CancelNotComplete', 'SystemError', 'AlreadyComplete']);

interface HistoryItem {
  paymentId: string;
  merchantPayKey: string;
  admissionTypeCode: string;
  admissionState: string;
  totalPayAmount: number;
  admissionYmdt?: string;
}

/** Naver Pay: reserve -> buyer approves on Naver -> apply (approve) by paymentId; cancel; history. */
export class NaverPayAdapter implements ProviderAdapter {
  readonly method = 'naverpay' as const;
  readonly name = 'Naver Pay';

  constructor(private readonly options: NaverPayOptions) {}

  private async call(
    operation: string,
    path: string,
    body: Record<string, string | number>,
    form: boolean,
    idempotencyKey?: string,
  ) {
    const headers: Record<string, string> = {
      'x-naver-client-id': this.options.clientId,
      'x-naver-client-secret': this.options.clientSecret,
      'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json',
    };
    if (this.options.chainId) headers['x-naverpay-chain-id'] = this.options.chainId;
    if (idempotencyKey) headers['x-naverpay-idempotency-key'] = idempotencyKey;
    const payload = form
      ? new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, String(v)])).toString()
      : JSON.stringify(body);
    const res = await providerFetch(
      this.options.http,
      operation,
      `${this.options.baseUrl}/${this.options.partnerId}/naverpay/payments${path}`,
      {
        headers,
        body: payload,
      },
    );
    const code = String(res.body?.code ?? res.status);
    if (res.status !== 200 || code !== 'Success') {
      const message = String(res.body?.message ?? `${operation} refused`);
      if (UNKNOWN_CODES.has(code)) throw new ProviderError('unknown', code, message, res.status);
      throw new ProviderError('declined', code, message, res.status);
    }
    return res.body.body;
  }

  async prepare(input: PrepareInput): Promise<PrepareResult> {
    const body = await this.call(
      'reserve',
      '/v2/reserve',
      {
        modelVersion: '2',
        merchantUserKey: input.userId,
        merchantPayKey: input.orderId,
        productName: input.orderName.slice(0, 128),
        productCount: 1,
        totalPayAmount: input.amount,
        taxScopeAmount: input.amount,
        taxExScopeAmount: 0,
        returnUrl: input.successUrl,
      },
      false,
    );
    return {
      checkout: { type: 'redirect', url: `${this.options.checkoutUrl}/${body.reserveId}` },
      providerRef: body.reserveId,
    };
  }

  async confirm(input: ConfirmInput): Promise<ProviderPayment> {
    const body = await this.call(
      'approve',
      '/v2.2/apply/payment',
      { paymentId: input.providerKey },
      true,
      input.idempotencyKey,
    );
    const detail = body.detail ?? {};
    return {
      status: detail.admissionState === 'SUCCESS' ? 'paid' : 'failed',
      providerKey: body.paymentId,
      orderId: detail.merchantPayKey,
      totalAmount: detail.totalPayAmount,
      cancelledAmount: 0,
      currency: 'KRW',
      approvedAt: detail.admissionYmdt ?? null,
    };
  }

  async lookup(input: LookupInput): Promise<ProviderPayment | null> {
    if (!input.providerKey) return null;
    let body: { list?: HistoryItem[] };
    try {
      body = await this.call('history', '/v2.2/list/history', { paymentId: input.providerKey }, false);
    } catch (err) {
      // A failed inquiry says nothing about the payment: never read it as "not charged".
      if (err instanceof ProviderError)
        throw new ProviderError(
          'unknown',
          err.code,
          `history inquiry failed: ${err.message}`,
          err.httpStatus,
        );
      throw err;
    }
    const items = (body.list ?? []).filter((i) => i.paymentId === input.providerKey);
    const approval = items.find((i) => i.admissionTypeCode === '01' && i.admissionState === 'SUCCESS');
    if (!approval) return items.length === 0 ? null : { ...this.empty(input), status: 'failed' };
    if (approval.merchantPayKey !== input.orderId)
      throw new ProviderError('declined', 'ORDER_MISMATCH', 'payment belongs to another order');
    const cancelled = items
      .filter((i) => i.admissionTypeCode !== '01' && i.admissionState === 'SUCCESS')
      .reduce((sum, i) => sum + i.totalPayAmount, 0);
    return {
      status:
        cancelled === 0 ? 'paid' : cancelled >= approval.totalPayAmount ? 'cancelled' : 'partially_cancelled',
      providerKey: approval.paymentId,
      orderId: approval.merchantPayKey,
      totalAmount: approval.totalPayAmount,
      cancelledAmount: cancelled,
      currency: 'KRW',
      approvedAt: approval.admissionYmdt ?? null,
    };
  }

  private empty(input: LookupInput): ProviderPayment {
    return {
      status: 'in_progress',
      providerKey: input.providerKey,
      orderId: input.orderId,
      totalAmount: input.amount,
      cancelledAmount: 0,
      currency: 'KRW',
      approvedAt: null,
    };
  }

  async cancel(input: CancelInput): Promise<ProviderPayment> {
    await this.call(
      'cancel',
      '/v1/cancel',
      {
        paymentId: input.providerKey,
        cancelAmount: input.amount,
        cancelReason: input.reason.slice(0, 100),
        cancelRequester: 2,
        taxScopeAmount: input.amount,
        taxExScopeAmount: 0,
        doCompareRest: 1,
        expectedRestAmount: input.remainingAfter + input.amount,
      },
      true,
      input.idempotencyKey,
    );
    const after = await this.lookup({
      orderId: input.orderId,
      providerRef: input.providerRef,
      providerKey: input.providerKey,
      amount: 0,
    });
    if (!after) throw new ProviderError('unknown', 'NOT_FOUND_AFTER_CANCEL', 'payment vanished after cancel');
    return after;
  }
}
