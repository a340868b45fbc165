import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FakeProvider, token } from './fake.base';

interface TossPayment {
  paymentKey: string;
  orderId: string;
  orderName: string;
  status: 'READY' | 'IN_PROGRESS' | 'DONE' | 'CANCELED' | 'PARTIAL_CANCELED' | 'ABORTED' | 'EXPIRED';
  totalAmount: number;
  balanceAmount: number;
  currency: 'KRW';
  method: string;
  requestedAt: string;
  approvedAt: string | null;
  lastTransactionKey: string | null;
  isPartialCancelable: boolean;
  cancels: Array<{
    cancelAmount: number;
    cancelReason: string;
    canceledAt: string;
    transactionKey: string;
    cancelStatus: 'DONE';
  }> | null;
  mId: string;
  version: string;
}

const ORDER_ID = /^[A-Za-z0-9_-]{6,64}$/;
const STATUS_OF: Record<string, number> = {
  UNAUTHORIZED_KEY: 401,
  NOT_FOUND_PAYMENT: 404,
  NOT_FOUND_PAYMENT_SESSION: 404,
  FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING: 500,
  FAILED_INTERNAL_SYSTEM_PROCESSING: 500,
  UNKNOWN_PAYMENT_ERROR: 500,
  PROVIDER_ERROR: 400,
  REJECT_CARD_PAYMENT: 403,
  REJECT_CARD_COMPANY: 403,
  NOT_CANCELABLE_AMOUNT: 403,
  NOT_CANCELABLE_PAYMENT: 403,
};

/**
 * Toss Payments core API v1 as documented: Basic auth of `secretKey:`, `{code,message}` errors,
 * Idempotency-Key replay, `TossPayments-Test-Code` forced errors, READY -> DONE -> (PARTIAL_)CANCELED.
 * `authorize()` stands in for the buyer finishing the SDK payment window.
 */
export class TossFake extends FakeProvider {
  readonly payments = new Map<string, TossPayment>();
  private readonly idempotent = new Map<string, { status: number; body: unknown }>();
  /** Every cancel request's body, as sent (a full refund must omit cancelAmount). */
  readonly cancelRequests: Array<{ paymentKey: string; body: Record<string, unknown> }> = [];

  constructor(
    readonly secretKey = 'test_sk_fake_secret',
    readonly clientKey = 'test_ck_fake_client',
  ) {
    super();
  }

  /** The buyer completed the payment window: Toss now holds a session the merchant must confirm. */
  authorize(
    orderId: string,
    amount: number,
    orderName = 'order',
  ): { paymentKey: string; orderId: string; amount: number } {
    const paymentKey = `tgen_${token(12)}`;
    this.payments.set(paymentKey, {
      paymentKey,
      orderId,
      orderName,
      status: 'IN_PROGRESS',
      totalAmount: amount,
      balanceAmount: amount,
      currency: 'KRW',
      method: '카드',
      requestedAt: new Date().toISOString(),
      approvedAt: null,
      lastTransactionKey: null,
      isPartialCancelable: true,
      cancels: null,
      mId: 'tvivarepublica',
      version: '2022-11-16',
    });
    return { paymentKey, orderId, amount };
  }

  private error(reply: FastifyReply, code: string, message: string, status = STATUS_OF[code] ?? 400) {
    return reply.status(status).send({ code, message });
  }

  private authorised(request: FastifyRequest, reply: FastifyReply): boolean {
    const expected = `Basic ${Buffer.from(`${this.secretKey}:`).toString('base64')}`;
    if (request.headers.authorization !== expected) {
      void this.error(reply, 'UNAUTHORIZED_KEY', '인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다.');
      return false;
    }
    return true;
  }

  private forced(request: FastifyRequest, reply: FastifyReply, operation: string): boolean {
    const header = request.headers['tosspayments-test-code'];
    const knob = this.takeForced(operation);
    const code = typeof header === 'string' ? header : knob?.code;
    if (!code) return false;
    void this.error(reply, code, knob?.message ?? `forced ${code}`, knob?.status);
    return true;
  }

  /** Replays the first answer for a repeated Idempotency-Key. */
  private async idempotently(
    request: FastifyRequest,
    reply: FastifyReply,
    run: () => Promise<{ status: number; body: unknown; charged?: boolean; cancelled?: boolean }>,
  ) {
    const key = request.headers['idempotency-key'];
    if (typeof key === 'string' && key.length > 300)
      return this.error(reply, 'INVALID_REQUEST', 'Idempotency-Key is too long');
    const scoped = typeof key === 'string' ? `${request.url}|${key}` : null;
    if (scoped && this.idempotent.has(scoped)) {
      const first = this.idempotent.get(scoped)!;
      return reply.status(first.status).send(first.body);
    }
    const result = await run();
    if (scoped) this.idempotent.set(scoped, { status: result.status, body: structuredClone(result.body) });
    if (result.charged && (await this.afterCharge(request, reply))) return reply;
    if (result.cancelled && (await this.afterCancel(request, reply))) return reply;
    return reply.status(result.status).send(result.body);
  }

  private webhook(p: TossPayment) {
    this.sendWebhooks(
      { eventType: 'PAYMENT_STATUS_CHANGED', createdAt: new Date().toISOString(), data: p },
      { 'tosspayments-webhook-transmission-id': `wh_${token(8)}` },
    );
  }

  protected register(app: FastifyInstance): void {
    app.post('/v1/payments/confirm', async (request, reply) => {
      if (!this.authorised(request, reply) || this.forced(request, reply, 'confirm')) return reply;
      const body = (request.body ?? {}) as { paymentKey?: unknown; orderId?: unknown; amount?: unknown };
      if (
        typeof body.paymentKey !== 'string' ||
        typeof body.orderId !== 'string' ||
        !Number.isInteger(body.amount)
      ) {
        return this.error(reply, 'INVALID_REQUEST', '잘못된 요청입니다.');
      }
      if (!ORDER_ID.test(body.orderId))
        return this.error(reply, 'INVALID_ORDER_ID', 'orderId 형식이 올바르지 않습니다.');
      await this.confirmArrived();
      return this.idempotently(request, reply, async () => {
        const p = this.payments.get(body.paymentKey as string);
        if (!p || p.orderId !== body.orderId)
          return {
            status: 404,
            body: {
              code: 'NOT_FOUND_PAYMENT_SESSION',
              message: '결제 시간이 만료되어 결제 진행 데이터가 존재하지 않습니다.',
            },
          };
        if (p.status !== 'IN_PROGRESS')
          return {
            status: 400,
            body: { code: 'ALREADY_PROCESSED_PAYMENT', message: '이미 처리된 결제 입니다.' },
          };
        if (p.totalAmount !== body.amount && this.knobs.chargeAmountOverride === null) {
          return {
            status: 400,
            body: { code: 'INVALID_REQUEST', message: '결제 금액이 일치하지 않습니다.' },
          };
        }
        if (this.knobs.chargeAmountOverride !== null) {
          p.totalAmount = p.balanceAmount = this.knobs.chargeAmountOverride;
          this.knobs.chargeAmountOverride = null;
        }
        p.status = 'DONE';
        p.approvedAt = new Date().toISOString();
        p.lastTransactionKey = `txn_${token(8)}`;
        this.recordCharge();
        this.webhook(p);
        return { status: 200, body: { ...p }, charged: true };
      });
    });

    app.get('/v1/payments/orders/:orderId', async (request, reply) => {
      if (!this.authorised(request, reply) || this.forced(request, reply, 'lookup')) return reply;
      this.lookupArrived();
      const { orderId } = request.params as { orderId: string };
      const p = [...this.payments.values()].find((x) => x.orderId === orderId);
      await this.lookupAnswered();
      return p ? p : this.error(reply, 'NOT_FOUND_PAYMENT', '존재하지 않는 결제 정보 입니다.');
    });

    app.get('/v1/payments/:paymentKey', async (request, reply) => {
      if (!this.authorised(request, reply) || this.forced(request, reply, 'lookup')) return reply;
      this.lookupArrived();
      const p = this.payments.get((request.params as { paymentKey: string }).paymentKey);
      await this.lookupAnswered();
      return p ? p : this.error(reply, 'NOT_FOUND_PAYMENT', '존재하지 않는 결제 정보 입니다.');
    });

    app.post('/v1/payments/:paymentKey/cancel', async (request, reply) => {
      if (!this.authorised(request, reply) || this.forced(request, reply, 'cancel')) return reply;
      const body = (request.body ?? {}) as { cancelReason?: unknown; cancelAmount?: unknown };
      this.cancelRequests.push({
        paymentKey: (request.params as { paymentKey: string }).paymentKey,
        body: { ...body },
      });
      if (typeof body.cancelReason !== 'string' || body.cancelReason.length === 0)
        return this.error(reply, 'INVALID_REQUEST', 'cancelReason is required');
      if (
        body.cancelAmount !== undefined &&
        (!Number.isInteger(body.cancelAmount) || (body.cancelAmount as number) <= 0)
      ) {
        return this.error(reply, 'INVALID_REQUEST', 'cancelAmount must be a positive integer');
      }
      return this.idempotently(request, reply, async () => {
        const p = this.payments.get((request.params as { paymentKey: string }).paymentKey);
        if (!p)
          return {
            status: 404,
            body: { code: 'NOT_FOUND_PAYMENT', message: '존재하지 않는 결제 정보 입니다.' },
          };
        if (p.status !== 'DONE' && p.status !== 'PARTIAL_CANCELED')
          return {
            status: 403,
            body: { code: 'NOT_CANCELABLE_PAYMENT', message: '취소 할 수 없는 결제 입니다.' },
          };
        const amount = (body.cancelAmount as number | undefined) ?? p.balanceAmount;
        if (amount > p.balanceAmount)
          return {
            status: 403,
            body: { code: 'NOT_CANCELABLE_AMOUNT', message: '취소 할 수 없는 금액 입니다.' },
          };
        p.balanceAmount -= amount;
        p.status = p.balanceAmount === 0 ? 'CANCELED' : 'PARTIAL_CANCELED';
        p.lastTransactionKey = `txn_${token(8)}`;
        p.cancels = [
          ...(p.cancels ?? []),
          {
            cancelAmount: amount,
            cancelReason: body.cancelReason as string,
            canceledAt: new Date().toISOString(),
            transactionKey: p.lastTransactionKey,
            cancelStatus: 'DONE',
          },
        ];
        this.webhook(p);
        return { status: 200, body: { ...p }, cancelled: true };
      });
    });
  }
}
