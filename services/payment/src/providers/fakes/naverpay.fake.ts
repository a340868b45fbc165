import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FakeProvider, token } from './fake.base';

interface NaverReserve {
  reserveId: string;
  merchantPayKey: string;
  merchantUserKey: string;
  productName: string;
  totalPayAmount: number;
  returnUrl: string;
  paymentId: string | null;
  state: 'RESERVED' | 'AUTHORIZED' | 'APPROVED';
}

interface HistoryItem {
  paymentId: string;
  payHistId: string;
  merchantPayKey: string;
  admissionTypeCode: '01' | '03' | '04';
  admissionState: 'SUCCESS' | 'FAIL';
  totalPayAmount: number;
  admissionYmdt: string;
}

/**
 * Naver Pay: X-Naver-Client-Id/Secret headers, `/<partnerId>/naverpay/payments/...` paths,
 * `{code,message,body}` answers; reserve -> (buyer) -> apply -> cancel; history by paymentId.
 */
export class NaverPayFake extends FakeProvider {
  readonly reserves = new Map<string, NaverReserve>();
  readonly history: HistoryItem[] = [];

  /** `chainId`: when set, every call must carry it in X-NaverPay-Chain-Id (as a merchant with several chains must). */
  constructor(
    readonly partnerId = 'np_fake_partner',
    readonly clientId = 'fake-client-id',
    readonly clientSecret = 'fake-client-secret',
    readonly chainId: string | null = null,
  ) {
    super();
  }

  /** The buyer approved on Naver's page: where they are sent back (returnUrl + resultCode + paymentId). */
  authorize(reserveId: string): string {
    const r = this.reserves.get(reserveId);
    if (!r) throw new Error(`no naver reserve ${reserveId}`);
    r.paymentId = `2026${token(8)}`;
    r.state = 'AUTHORIZED';
    const url = new URL(r.returnUrl);
    url.searchParams.set('resultCode', 'Success');
    url.searchParams.set('paymentId', r.paymentId);
    return url.toString();
  }

  private fail(reply: FastifyReply, code: string, message: string, status = 200) {
    return reply.status(status).send({ code, message });
  }

  private guard(request: FastifyRequest, reply: FastifyReply, operation: string): Record<string, any> | null {
    if (
      request.headers['x-naver-client-id'] !== this.clientId ||
      request.headers['x-naver-client-secret'] !== this.clientSecret
    ) {
      void this.fail(reply, 'AuthFail', 'invalid client credentials', 401);
      return null;
    }
    if (this.chainId !== null && request.headers['x-naverpay-chain-id'] !== this.chainId) {
      void this.fail(reply, 'AuthFail', 'X-NaverPay-Chain-Id is missing or unknown', 401);
      return null;
    }
    const forced = this.takeForced(operation);
    if (forced) {
      void this.fail(reply, forced.code, forced.message ?? `forced ${forced.code}`, forced.status ?? 200);
      return null;
    }
    return (request.body ?? {}) as Record<string, any>;
  }

  private approvalOf(paymentId: string) {
    return this.history.find(
      (h) => h.paymentId === paymentId && h.admissionTypeCode === '01' && h.admissionState === 'SUCCESS',
    );
  }

  protected register(app: FastifyInstance): void {
    const base = `/${this.partnerId}/naverpay/payments`;

    app.post(`${base}/v2/reserve`, async (request, reply) => {
      const body = this.guard(request, reply, 'reserve');
      if (!body) return reply;
      for (const k of [
        'merchantUserKey',
        'merchantPayKey',
        'productName',
        'productCount',
        'totalPayAmount',
        'taxScopeAmount',
        'taxExScopeAmount',
        'returnUrl',
      ]) {
        if (body[k] === undefined || body[k] === '')
          return this.fail(reply, 'InvalidParameter', `${k} is required`);
      }
      if (body.modelVersion !== '2') return this.fail(reply, 'InvalidParameter', 'modelVersion must be 2');
      if (body.taxScopeAmount + body.taxExScopeAmount !== body.totalPayAmount)
        return this.fail(reply, 'InvalidParameter', 'tax amounts must add up');
      const reserveId = `R${token(8)}`;
      this.reserves.set(reserveId, {
        reserveId,
        merchantPayKey: body.merchantPayKey,
        merchantUserKey: body.merchantUserKey,
        productName: body.productName,
        totalPayAmount: body.totalPayAmount,
        returnUrl: body.returnUrl,
        paymentId: null,
        state: 'RESERVED',
      });
      await this.delay();
      return { code: 'Success', message: 'OK', body: { reserveId } };
    });

    app.post(`${base}/v2.2/apply/payment`, async (request, reply) => {
      const body = this.guard(request, reply, 'approve');
      if (!body) return reply;
      if (!String(request.headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
        return this.fail(reply, 'InvalidParameter', 'form encoding expected', 400);
      }
      const r = [...this.reserves.values()].find((x) => x.paymentId === body.paymentId);
      if (!r) return this.fail(reply, 'InvalidPaymentId', 'no such paymentId');
      await this.confirmArrived();
      if (r.state === 'APPROVED') return this.fail(reply, 'AlreadyComplete', 'already approved');
      let amount = r.totalPayAmount;
      if (this.knobs.chargeAmountOverride !== null) {
        amount = this.knobs.chargeAmountOverride;
        this.knobs.chargeAmountOverride = null;
      }
      r.state = 'APPROVED';
      const admissionYmdt = new Date().toISOString();
      this.history.push({
        paymentId: r.paymentId!,
        payHistId: `H${token(8)}`,
        merchantPayKey: r.merchantPayKey,
        admissionTypeCode: '01',
        admissionState: 'SUCCESS',
        totalPayAmount: amount,
        admissionYmdt,
      });
      this.recordCharge();
      this.sendWebhooks({
        paymentId: r.paymentId,
        merchantPayKey: r.merchantPayKey,
        admissionState: 'SUCCESS',
      });
      if (await this.afterCharge(request, reply)) return reply;
      return {
        code: 'Success',
        message: 'OK',
        body: {
          paymentId: r.paymentId,
          detail: {
            merchantPayKey: r.merchantPayKey,
            totalPayAmount: amount,
            admissionState: 'SUCCESS',
            primaryPayMeans: 'CARD',
            admissionYmdt,
          },
        },
      };
    });

    app.post(`${base}/v1/cancel`, async (request, reply) => {
      const body = this.guard(request, reply, 'cancel');
      if (!body) return reply;
      const approval = this.approvalOf(String(body.paymentId));
      if (!approval) return this.fail(reply, 'InvalidPaymentId', 'no such approved payment');
      const amount = Number(body.cancelAmount);
      if (
        !Number.isInteger(amount) ||
        amount <= 0 ||
        !body.cancelReason ||
        !['1', '2'].includes(String(body.cancelRequester))
      ) {
        return this.fail(
          reply,
          'InvalidParameter',
          'cancelAmount, cancelReason and cancelRequester are required',
        );
      }
      const cancelled = this.history
        .filter((h) => h.paymentId === approval.paymentId && h.admissionTypeCode !== '01')
        .reduce((s, h) => s + h.totalPayAmount, 0);
      const rest = approval.totalPayAmount - cancelled;
      if (String(body.doCompareRest) === '1' && Number(body.expectedRestAmount) !== rest)
        return this.fail(reply, 'RestAmountDiffer', 'expectedRestAmount differs');
      if (amount > rest) return this.fail(reply, 'CancelAmountExceed', 'cancel amount exceeds the rest');
      const payHistId = `H${token(8)}`;
      this.history.push({
        paymentId: approval.paymentId,
        payHistId,
        merchantPayKey: approval.merchantPayKey,
        admissionTypeCode: amount === rest ? '03' : '04',
        admissionState: 'SUCCESS',
        totalPayAmount: amount,
        admissionYmdt: new Date().toISOString(),
      });
      if (await this.afterCancel(request, reply)) return reply;
      return {
        code: 'Success',
        message: 'OK',
        body: {
          paymentId: approval.paymentId,
          payHistId,
          cancelPayAmount: amount,
          totalRestAmount: rest - amount,
        },
      };
    });

    app.post(`${base}/v2.2/list/history`, async (request, reply) => {
      const body = this.guard(request, reply, 'history');
      if (!body) return reply;
      this.lookupArrived();
      await this.lookupAnswered();
      const list = this.history.filter((h) => h.paymentId === body.paymentId);
      return {
        code: 'Success',
        message: 'OK',
        body: { responseCount: list.length, totalCount: list.length, list },
      };
    });
  }
}
