export const PAYMENT_METHODS = ['sandbox', 'toss', 'kakaopay', 'naverpay'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

export interface PrepareInput {
  paymentId: string;
  orderId: string;
  orderName: string;
  amount: number;
  userId: string;
  /** Where the buyer returns; already carries `orderId` for providers that add only their own token. */
  successUrl: string;
  failUrl: string;
}

export type Checkout =
  | { type: 'redirect'; url: string }
  | {
      type: 'toss';
      clientKey: string;
      orderId: string;
      orderName: string;
      amount: number;
      customerKey: string;
      successUrl: string;
      failUrl: string;
    };

export interface PrepareResult {
  checkout: Checkout;
  /** The provider's handle for the order (Kakao tid, Naver reserveId). */
  providerRef?: string;
}

/** What the buyer's return brought (paymentKey for Toss/sandbox, pg_token for Kakao, paymentId for Naver). */
export interface ConfirmInput {
  orderId: string;
  amount: number;
  userId: string;
  providerRef: string | null;
  providerKey: string;
  idempotencyKey: string;
}

/** The provider's view of a payment, normalised. */
export interface ProviderPayment {
  status: 'paid' | 'partially_cancelled' | 'cancelled' | 'failed' | 'in_progress';
  /** The provider's id of the payment (Toss paymentKey, Kakao tid, Naver paymentId). */
  providerKey: string | null;
  orderId: string;
  totalAmount: number;
  cancelledAmount: number;
  currency: string;
  approvedAt: string | null;
}

export interface LookupInput {
  orderId: string;
  providerRef: string | null;
  providerKey: string | null;
  amount: number;
}

export interface CancelInput {
  orderId: string;
  providerRef: string | null;
  providerKey: string;
  amount: number;
  /**
   * What the provider should still hold after this cancel (Naver checks it). 0 is a full cancel:
   * Toss is then sent no cancelAmount.
   */
  remainingAfter: number;
  reason: string;
  idempotencyKey: string;
}

/** How a provider call failed: `declined` is final; `unknown` means the money may have moved: reconcile. */
export class ProviderError extends Error {
  constructor(
    readonly outcome: 'declined' | 'unknown' | 'not_found',
    readonly code: string,
    message: string,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

export interface ProviderAdapter {
  readonly method: PaymentMethod;
  readonly name: string;
  prepare(input: PrepareInput): Promise<PrepareResult>;
  confirm(input: ConfirmInput): Promise<ProviderPayment>;
  /** Null when the provider has no payment for the order (never charged). */
  lookup(input: LookupInput): Promise<ProviderPayment | null>;
  cancel(input: CancelInput): Promise<ProviderPayment>;
}
