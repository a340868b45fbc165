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

export interface KakaoPayOptions {
  baseUrl: string;
  secretKey: string;
  cid: string;
  http: ProviderHttpOptions;
}

interface KakaoOrder {
  tid: string;
  partner_order_id: string;
  status: string;
  amount?: { total: number };
  canceled_amount?: { total: number };
  approved_at?: string | null;
}

/** Kakao Pay single payment (open API, JSON, `Authorization: SECRET_KEY <key>`). No idempotency key: we approve each tid once. */
export class KakaoPayAdapter implements ProviderAdapter {
  readonly method = 'kakaopay' as const;
  readonly name = 'Kakao Pay';

  constructor(private readonly options: KakaoPayOptions) {}

  private async post(operation: string, path: string, body: Record<string, unknown>) {
    const res = await providerFetch(
      this.options.http,
      operation,
      `${this.options.baseUrl}/online/v1/payment/${path}`,
      {
        headers: {
          authorization: `SECRET_KEY ${this.options.secretKey}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      },
    );
    if (res.status !== 200) {
      const code = String(res.body?.error_code ?? 'UNKNOWN');
      const message = String(res.body?.error_message ?? `${operation} refused`);
      if (res.status === 404) throw new ProviderError('not_found', code, message, res.status);
      throw new ProviderError('declined', code, message, res.status);
    }
    return res.body;
  }

  async prepare(input: PrepareInput): Promise<PrepareResult> {
    const body = await this.post('ready', 'ready', {
      cid: this.options.cid,
      partner_order_id: input.orderId,
      partner_user_id: input.userId,
      item_name: input.orderName.slice(0, 100),
      quantity: 1,
      total_amount: input.amount,
      tax_free_amount: 0,
      approval_url: input.successUrl,
      cancel_url: input.failUrl,
      fail_url: input.failUrl,
    });
    return { checkout: { type: 'redirect', url: body.next_redirect_pc_url }, providerRef: body.tid };
  }

  async confirm(input: ConfirmInput): Promise<ProviderPayment> {
    if (!input.providerRef) throw new ProviderError('declined', 'NO_TID', 'payment was never prepared');
    try {
      const body = await this.post('approve', 'approve', {
        cid: this.options.cid,
        tid: input.providerRef,
        partner_order_id: input.orderId,
        partner_user_id: input.userId,
        pg_token: input.providerKey,
      });
      return {
        status: 'paid',
        providerKey: body.tid,
        orderId: body.partner_order_id ?? input.orderId,
        totalAmount: body.amount?.total,
        cancelledAmount: 0,
        currency: 'KRW',
        approvedAt: body.approved_at ?? null,
      };
    } catch (err) {
      // "Already approved" means an earlier approve went through: the order inquiry tells the truth.
      if (err instanceof ProviderError && err.code === '-702')
        throw new ProviderError('unknown', err.code, err.message);
      throw err;
    }
  }

  async lookup(input: LookupInput): Promise<ProviderPayment | null> {
    if (!input.providerRef) return null;
    let order: KakaoOrder;
    try {
      order = (await this.post('order', 'order', {
        cid: this.options.cid,
        tid: input.providerRef,
      })) as KakaoOrder;
    } catch (err) {
      if (err instanceof ProviderError && err.outcome === 'not_found') return null;
      // Any other failed inquiry says nothing about the payment: the caller must not act on it.
      if (err instanceof ProviderError)
        throw new ProviderError('unknown', err.code, `order inquiry failed: ${err.message}`, err.httpStatus);
      throw err;
    }
    const map: Record<string, ProviderPayment['status']> = {
      SUCCESS_PAYMENT: 'paid',
      PART_CANCEL_PAYMENT: 'partially_cancelled',
      CANCEL_PAYMENT: 'cancelled',
      FAIL_AUTH_PASSWORD: 'failed',
      QUIT_PAYMENT: 'failed',
      FAIL_PAYMENT: 'failed',
    };
    if (order.partner_order_id !== input.orderId)
      throw new ProviderError('declined', 'ORDER_MISMATCH', 'tid belongs to another order');
    return {
      status: map[order.status] ?? 'in_progress',
      providerKey: order.tid,
      orderId: order.partner_order_id,
      totalAmount: order.amount?.total ?? input.amount,
      cancelledAmount: order.canceled_amount?.total ?? 0,
      currency: 'KRW',
      approvedAt: order.approved_at ?? null,
    };
  }

  async cancel(input: CancelInput): Promise<ProviderPayment> {
    const body = await this.post('cancel', 'cancel', {
      cid: this.options.cid,
      tid: input.providerRef ?? input.providerKey,
      cancel_amount: input.amount,
      cancel_tax_free_amount: 0,
    });
    return {
      status: body.status === 'CANCEL_PAYMENT' ? 'cancelled' : 'partially_cancelled',
      providerKey: body.tid,
      orderId: input.orderId,
      totalAmount: body.amount?.total ?? 0,
      cancelledAmount: body.canceled_amount?.total ?? 0,
      currency: 'KRW',
      approvedAt: body.approved_at ?? null,
    };
  }
}
