import { startTestService, type TestService } from '@tiketi/testing';
import { paymentService, paymentDeps, type PaymentConfig } from '@tiketi/payment';
import { KakaoPayFake, NaverPayFake, TossFake } from '../../services/payment/src/providers/fakes';
import { newId } from '@tiketi/platform';
import { TicketInternalDouble, type DoubleEvent } from './payment-ticket-double';

export const INTERNAL_TOKEN = 'payment-test-internal-token';

export interface PaymentHarness {
  svc: TestService<PaymentConfig>;
  ticket: TicketInternalDouble;
  toss: TossFake;
  kakao: KakaoPayFake;
  naver: NaverPayFake;
  env: Record<string, string>;
  close(): Promise<void>;
}

/** The three fake providers, the ticket test double, and the env that points the payment service at them. */
export async function startFakes(): Promise<
  Omit<PaymentHarness, 'svc' | 'close'> & { close(): Promise<void> }
> {
  const [toss, kakao, naver, ticket] = await Promise.all([
    new TossFake().start(),
    new KakaoPayFake().start(),
    new NaverPayFake('np_fake_partner', 'fake-client-id', 'fake-client-secret', 'fake-chain').start(),
    new TicketInternalDouble(INTERNAL_TOKEN).start(),
  ]);
  const env = {
    INTERNAL_TOKEN,
    TICKET_URL: ticket.url,
    PUBLIC_WEB_URL: 'http://web.test',
    PUBLIC_API_URL: 'http://api.test',
    PAYMENT_TOSS_BASE_URL: toss.url,
    PAYMENT_TOSS_CLIENT_KEY: toss.clientKey,
    PAYMENT_TOSS_SECRET_KEY: toss.secretKey,
    PAYMENT_KAKAOPAY_BASE_URL: kakao.url,
    PAYMENT_KAKAOPAY_SECRET_KEY: kakao.secretKey,
    PAYMENT_NAVERPAY_BASE_URL: naver.url,
    PAYMENT_NAVERPAY_PARTNER_ID: naver.partnerId,
    PAYMENT_NAVERPAY_CLIENT_ID: naver.clientId,
    PAYMENT_NAVERPAY_CLIENT_SECRET: naver.clientSecret,
    PAYMENT_NAVERPAY_CHAIN_ID: naver.chainId!,
    PAYMENT_NAVERPAY_CHECKOUT_URL: `${naver.url}/checkout`,
    PAYMENT_PROVIDER_TIMEOUT_MS: '2000',
    PAYMENT_RECONCILE_INTERVAL_MS: '100',
    PAYMENT_STUCK_PENDING_MS: '1000',
  };
  return {
    toss,
    kakao,
    naver,
    ticket,
    env,
    async close() {
      await Promise.all([toss.close(), kakao.close(), naver.close(), ticket.close()]);
    },
  };
}

export async function startHarness(extraEnv: Record<string, string> = {}): Promise<PaymentHarness> {
  const fakes = await startFakes();
  const svc = await startTestService(paymentService, { env: { ...fakes.env, ...extraEnv }, listen: true });
  return {
    ...fakes,
    svc,
    async close() {
      await svc.close();
      await fakes.close();
    },
  };
}

/** The buyer goes through the provider's window; returns the confirm body the web app would send. */
export async function buyerApproves(
  h: Omit<PaymentHarness, 'close'>,
  method: string,
  created: any,
): Promise<Record<string, unknown>> {
  const { payment, checkout } = created;
  switch (method) {
    case 'sandbox': {
      const path = new URL(checkout.url).pathname;
      const res = await h.svc.app.inject({
        method: 'POST',
        url: path,
        payload: 'action=approve',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      if (res.statusCode !== 303) throw new Error(`sandbox approve answered ${res.statusCode} ${res.body}`);
      const back = new URL(res.headers.location as string);
      return {
        orderId: back.searchParams.get('orderId'),
        paymentKey: back.searchParams.get('paymentKey'),
        amount: Number(back.searchParams.get('amount')),
      };
    }
    case 'toss': {
      const s = h.toss.authorize(checkout.orderId, checkout.amount, checkout.orderName);
      return { orderId: s.orderId, paymentKey: s.paymentKey, amount: s.amount };
    }
    case 'kakaopay': {
      const back = new URL(h.kakao.authorize(checkout.url.split('/').pop()));
      return { orderId: back.searchParams.get('orderId'), pgToken: back.searchParams.get('pg_token') };
    }
    case 'naverpay': {
      const back = new URL(h.naver.authorize(checkout.url.split('/').pop()));
      if (back.searchParams.get('resultCode') !== 'Success') throw new Error('naver did not succeed');
      return {
        orderId: back.searchParams.get('orderId') ?? payment.orderId,
        paymentId: back.searchParams.get('paymentId'),
      };
    }
    default:
      throw new Error(method);
  }
}

export function providerOf(h: Omit<PaymentHarness, 'close'>, method: string) {
  return paymentDeps(h.svc.ctx).providers.get(method)!;
}

/** What the provider itself says of a payment, looked up by what payment stored of it. */
export async function atProvider(h: Omit<PaymentHarness, 'close'>, method: string, paymentId: string) {
  const row = await h.svc.ctx.db
    .selectFrom('payments')
    .select(['order_id', 'amount', 'provider_ref', 'provider_payment_key'])
    .where('id', '=', paymentId)
    .executeTakeFirstOrThrow();
  return providerOf(h, method).lookup({
    orderId: row.order_id,
    providerRef: row.provider_ref,
    providerKey: row.provider_payment_key,
    amount: row.amount,
  });
}

/** The buyer's confirm after create and the provider's window, as the web app sends it. */
async function checkoutAndConfirm(
  h: Omit<PaymentHarness, 'close'>,
  who: { headers: { authorization: string } },
  reservationId: string,
  method: string,
  beforeConfirm?: () => void,
) {
  const created = await h.svc.app.inject({
    method: 'POST',
    url: '/api/payments/create',
    payload: { reservationId, method },
    headers: who.headers,
  });
  if (created.statusCode !== 201) throw new Error(`create answered ${created.statusCode}: ${created.body}`);
  const body = await buyerApproves(h, method, created.json());
  beforeConfirm?.();
  return h.svc.app.inject({
    method: 'POST',
    url: '/api/payments/confirm',
    payload: body,
    headers: who.headers,
  });
}

/** A buyer pays for a reservation of the ticket double: create, the provider's window, confirm. */
export async function payThrough(
  h: Omit<PaymentHarness, 'close'>,
  who: { headers: { authorization: string } },
  reservationId: string,
  method = 'sandbox',
): Promise<any> {
  const res = await checkoutAndConfirm(h, who, reservationId, method);
  if (res.statusCode !== 200) throw new Error(`confirm answered ${res.statusCode}: ${res.body}`);
  return res.json().payment;
}

/**
 * A Toss payment whose confirm took the money and lost the answer (a provider outage): the
 * buyer's confirm answers 202 and the payment waits in needs_reconciliation.
 */
export async function unknownOutcome(
  h: Omit<PaymentHarness, 'close'>,
): Promise<{ id: string; reservationId: string }> {
  const buyer = await h.svc.issuer.user('user');
  const reservation = h.ticket.addReservation(buyer.id, { prices: [40_000] });
  const res = await checkoutAndConfirm(h, buyer, reservation.id, 'toss', () => {
    h.toss.knobs.dropAfterCharge = true;
  });
  if (res.statusCode !== 202 || res.json().payment.status !== 'needs_reconciliation')
    throw new Error(`confirm answered ${res.statusCode}: ${res.body}`);
  return { id: res.json().payment.id, reservationId: reservation.id };
}

/** How many of these payments are paid with their reservations confirmed. */
export async function settledOf(
  h: Omit<PaymentHarness, 'close'>,
  payments: Array<{ id: string }>,
): Promise<number> {
  const rows = await h.svc.ctx.db
    .selectFrom('payments')
    .select(['status', 'reservation_confirmed_at'])
    .where(
      'id',
      'in',
      payments.map((p) => p.id),
    )
    .execute();
  return rows.filter((r) => r.status === 'paid' && r.reservation_confirmed_at !== null).length;
}

/** The fact ticket publishes when an operator cancels an event. */
export function publishEventCancelled(
  h: Omit<PaymentHarness, 'close'>,
  event: DoubleEvent,
  seatsTotal = 100,
): Promise<void> {
  return h.svc.bus.publish({
    id: newId('evn'),
    type: 'event.cancelled',
    source: 'ticket',
    occurredAt: new Date().toISOString(),
    data: {
      eventId: event.id,
      title: event.title,
      status: 'cancelled',
      startsAt: event.startsAt,
      seatsTotal,
    },
  });
}
