import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FakeProvider, token } from './fake.base';

interface KakaoOrder {
  tid: string;
  cid: string;
  partner_order_id: string;
  partner_user_id: string;
  item_name: string;
  status: string;
  total: number;
  canceled: number;
  approval_url: string;
  pg_token: string | null;
  aid: string | null;
  approved_at: string | null;
  created_at: string;
}

const REQUIRED_READY = [
  'cid',
  'partner_order_id',
  'partner_user_id',
  'item_name',
  'quantity',
  'total_amount',
  'tax_free_amount',
  'approval_url',
  'cancel_url',
  'fail_url',
];

/**
 * Kakao Pay single payment (open API): `Authorization: SECRET_KEY <key>`, JSON bodies,
 * `{error_code,error_message,extras}` errors; READY -> (buyer) AUTH_PASSWORD -> SUCCESS_PAYMENT -> (PART_)CANCEL_PAYMENT.
 */
export class KakaoPayFake extends FakeProvider {
  readonly orders = new Map<string, KakaoOrder>();

  constructor(
    readonly secretKey = 'DEV_SECRET_fake_kakao',
    readonly cid = 'TC0ONETIME',
  ) {
    super();
  }

  /** The buyer approved in Kakao's window: where Kakao sends them back (approval_url + pg_token). */
  authorize(tid: string): string {
    const o = this.orders.get(tid);
    if (!o) throw new Error(`no kakao order ${tid}`);
    o.status = 'AUTH_PASSWORD';
    o.pg_token = token(10);
    const url = new URL(o.approval_url);
    url.searchParams.set('pg_token', o.pg_token);
    return url.toString();
  }

  private error(reply: FastifyReply, status: number, code: number, message: string) {
    return reply.status(status).send({
      error_code: code,
      error_message: message,
      extras: { method_result_code: String(code), method_result_message: message },
    });
  }

  private guard(request: FastifyRequest, reply: FastifyReply, operation: string): Record<string, any> | null {
    if (request.headers.authorization !== `SECRET_KEY ${this.secretKey}`) {
      void this.error(reply, 401, -401, 'invalid secret key');
      return null;
    }
    const forced = this.takeForced(operation);
    if (forced) {
      void this.error(
        reply,
        forced.status ?? 400,
        Number(forced.code),
        forced.message ?? `forced ${forced.code}`,
      );
      return null;
    }
    const body = (request.body ?? {}) as Record<string, any>;
    if (body.cid !== this.cid) {
      void this.error(reply, 400, -2, 'invalid cid');
      return null;
    }
    return body;
  }

  private view(o: KakaoOrder) {
    return {
      tid: o.tid,
      cid: o.cid,
      status: o.status,
      partner_order_id: o.partner_order_id,
      partner_user_id: o.partner_user_id,
      item_name: o.item_name,
      amount: { total: o.total, tax_free: 0, vat: Math.floor(o.total / 11), point: 0, discount: 0 },
      canceled_amount: { total: o.canceled, tax_free: 0, vat: 0, point: 0, discount: 0 },
      cancel_available_amount: { total: o.total - o.canceled, tax_free: 0, vat: 0, point: 0, discount: 0 },
      approved_at: o.approved_at,
      created_at: o.created_at,
    };
  }

  protected register(app: FastifyInstance): void {
    app.post('/online/v1/payment/ready', async (request, reply) => {
      const body = this.guard(request, reply, 'ready');
      if (!body) return reply;
      const missing = REQUIRED_READY.find((k) => body[k] === undefined || body[k] === '');
      if (missing) return this.error(reply, 400, -2, `${missing} is required`);
      if (String(body.partner_order_id).length > 100 || String(body.item_name).length > 100)
        return this.error(reply, 400, -2, 'too long');
      if (!Number.isInteger(body.total_amount) || body.total_amount <= 0)
        return this.error(reply, 400, -2, 'invalid total_amount');
      const tid = `T${token(10).slice(0, 19)}`;
      const now = new Date().toISOString();
      this.orders.set(tid, {
        tid,
        cid: body.cid,
        partner_order_id: body.partner_order_id,
        partner_user_id: body.partner_user_id,
        item_name: body.item_name,
        status: 'READY',
        total: body.total_amount,
        canceled: 0,
        approval_url: body.approval_url,
        pg_token: null,
        aid: null,
        approved_at: null,
        created_at: now,
      });
      await this.delay();
      return {
        tid,
        next_redirect_pc_url: `${this.url}/online/v1/payment/checkout/${tid}`,
        next_redirect_mobile_url: `${this.url}/online/v1/payment/checkout/${tid}`,
        next_redirect_app_url: `${this.url}/online/v1/payment/checkout/${tid}`,
        created_at: now,
      };
    });

    app.post('/online/v1/payment/approve', async (request, reply) => {
      const body = this.guard(request, reply, 'approve');
      if (!body) return reply;
      const o = this.orders.get(String(body.tid));
      if (!o) return this.error(reply, 400, -780, 'approve failed: no such tid');
      if (o.partner_order_id !== body.partner_order_id || o.partner_user_id !== body.partner_user_id) {
        return this.error(reply, 400, -780, 'partner_order_id or partner_user_id differs from ready');
      }
      await this.confirmArrived();
      if (o.status === 'SUCCESS_PAYMENT' || o.status.includes('CANCEL'))
        return this.error(reply, 400, -702, 'payment already done');
      if (o.status !== 'AUTH_PASSWORD' || !o.pg_token || body.pg_token !== o.pg_token)
        return this.error(reply, 400, -780, 'invalid pg_token');
      if (this.knobs.chargeAmountOverride !== null) {
        o.total = this.knobs.chargeAmountOverride;
        this.knobs.chargeAmountOverride = null;
      }
      o.status = 'SUCCESS_PAYMENT';
      o.aid = `A${token(10).slice(0, 19)}`;
      o.approved_at = new Date().toISOString();
      this.recordCharge();
      this.sendWebhooks({ tid: o.tid, partner_order_id: o.partner_order_id, status: o.status });
      if (await this.afterCharge(request, reply)) return reply;
      const view = this.view(o);
      return {
        aid: o.aid,
        tid: o.tid,
        cid: o.cid,
        partner_order_id: o.partner_order_id,
        partner_user_id: o.partner_user_id,
        payment_method_type: 'MONEY',
        item_name: o.item_name,
        quantity: 1,
        amount: view.amount,
        created_at: o.created_at,
        approved_at: o.approved_at,
      };
    });

    app.post('/online/v1/payment/order', async (request, reply) => {
      const body = this.guard(request, reply, 'order');
      if (!body) return reply;
      this.lookupArrived();
      const o = this.orders.get(String(body.tid));
      await this.lookupAnswered();
      if (!o) return this.error(reply, 404, -780, 'no such tid');
      return this.view(o);
    });

    app.post('/online/v1/payment/cancel', async (request, reply) => {
      const body = this.guard(request, reply, 'cancel');
      if (!body) return reply;
      const o = this.orders.get(String(body.tid));
      if (!o) return this.error(reply, 400, -780, 'no such tid');
      if (
        !Number.isInteger(body.cancel_amount) ||
        body.cancel_amount <= 0 ||
        body.cancel_tax_free_amount === undefined
      ) {
        return this.error(reply, 400, -2, 'cancel_amount and cancel_tax_free_amount are required');
      }
      if (o.status !== 'SUCCESS_PAYMENT' && o.status !== 'PART_CANCEL_PAYMENT')
        return this.error(reply, 400, -721, 'not cancelable');
      if (body.cancel_amount > o.total - o.canceled)
        return this.error(reply, 400, -723, 'cancel amount exceeds the cancelable amount');
      o.canceled += body.cancel_amount;
      o.status = o.canceled === o.total ? 'CANCEL_PAYMENT' : 'PART_CANCEL_PAYMENT';
      this.sendWebhooks({ tid: o.tid, partner_order_id: o.partner_order_id, status: o.status });
      if (await this.afterCancel(request, reply)) return reply;
      const view = this.view(o);
      return {
        ...view,
        approved_cancel_amount: { total: body.cancel_amount },
        canceled_at: new Date().toISOString(),
      };
    });
  }
}
