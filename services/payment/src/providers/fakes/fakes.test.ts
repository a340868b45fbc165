import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KakaoPayFake, NaverPayFake, TossFake } from './index';
import { NaverPayAdapter } from '../naverpay.provider';
import { TossAdapter } from '../toss.provider';
import { ProviderError } from '../provider';

/** The fakes must behave like the documented APIs, or the adapter tests against them prove nothing. */
let toss: TossFake;
let kakao: KakaoPayFake;
let naver: NaverPayFake;

beforeAll(async () => {
  [toss, kakao, naver] = await Promise.all([
    new TossFake().start(),
    new KakaoPayFake().start(),
    new NaverPayFake('np_fake_partner', 'fake-client-id', 'fake-client-secret', 'chain-1').start(),
  ]);
});
afterAll(async () => {
  await Promise.all([toss?.close(), kakao?.close(), naver?.close()]);
});

const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
const post = (url: string, body: unknown, headers: Record<string, string>) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('Toss fake', () => {
  it('checks Basic auth of "secretKey:", the orderId pattern, and honours TossPayments-Test-Code', async () => {
    const s = toss.authorize('order_fake_1', 10_000);
    const wrong = await post(
      `${toss.url}/v1/payments/confirm`,
      { ...s },
      { authorization: basic('test_sk_other') },
    );
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ code: 'UNAUTHORIZED_KEY' });
    const noColon = await post(
      `${toss.url}/v1/payments/confirm`,
      { ...s },
      { authorization: `Basic ${Buffer.from(toss.secretKey).toString('base64')}` },
    );
    expect(noColon.status).toBe(401);
    const badId = await post(
      `${toss.url}/v1/payments/confirm`,
      { ...s, orderId: 'bad id!' },
      { authorization: basic(toss.secretKey) },
    );
    expect(await badId.json()).toMatchObject({ code: 'INVALID_ORDER_ID' });
    const forced = await post(
      `${toss.url}/v1/payments/confirm`,
      { ...s },
      { authorization: basic(toss.secretKey), 'TossPayments-Test-Code': 'REJECT_CARD_PAYMENT' },
    );
    expect(forced.status).toBe(403);
    expect(await forced.json()).toMatchObject({ code: 'REJECT_CARD_PAYMENT' });
    expect(toss.charges()).toBe(0);
  });

  it('replays the first answer for a repeated Idempotency-Key and refuses a second confirm without one', async () => {
    const s = toss.authorize('order_fake_2', 5_000);
    const headers = { authorization: basic(toss.secretKey), 'idempotency-key': 'key-1' };
    const first = await post(`${toss.url}/v1/payments/confirm`, s, headers);
    const replay = await post(`${toss.url}/v1/payments/confirm`, s, headers);
    expect(first.status).toBe(200);
    expect(await replay.json()).toEqual(await first.json());
    const fresh = await post(`${toss.url}/v1/payments/confirm`, s, { authorization: basic(toss.secretKey) });
    expect(await fresh.json()).toMatchObject({ code: 'ALREADY_PROCESSED_PAYMENT' });
    expect(toss.charges()).toBe(1);
  });

  it('is read by the adapter: unknown-outcome codes are not declines', async () => {
    const adapter = new TossAdapter({
      baseUrl: toss.url,
      clientKey: toss.clientKey,
      secretKey: toss.secretKey,
      http: { provider: 'toss', timeoutMs: 2_000 },
    });
    const s = toss.authorize('order_fake_3', 7_000);
    toss.knobs.forceError = { operation: 'confirm', code: 'UNKNOWN_PAYMENT_ERROR' };
    const unknown = await adapter
      .confirm({
        orderId: s.orderId,
        amount: 7_000,
        userId: 'u',
        providerRef: null,
        providerKey: s.paymentKey,
        idempotencyKey: 'k3',
      })
      .catch((e) => e);
    expect(unknown).toBeInstanceOf(ProviderError);
    expect(unknown).toMatchObject({ outcome: 'unknown', code: 'UNKNOWN_PAYMENT_ERROR' });
    toss.knobs.forceError = { operation: 'confirm', code: 'REJECT_CARD_PAYMENT' };
    const declined = await adapter
      .confirm({
        orderId: s.orderId,
        amount: 7_000,
        userId: 'u',
        providerRef: null,
        providerKey: s.paymentKey,
        idempotencyKey: 'k4',
      })
      .catch((e) => e);
    expect(declined).toMatchObject({ outcome: 'declined', code: 'REJECT_CARD_PAYMENT' });
    expect(
      await adapter.lookup({ orderId: 'order_missing', providerRef: null, providerKey: null, amount: 0 }),
    ).toBeNull();
  });
});

describe('Kakao Pay fake', () => {
  it('wants "SECRET_KEY <key>", the test cid and every ready field, and answers {error_code,error_message}', async () => {
    const unauth = await post(`${kakao.url}/online/v1/payment/ready`, {}, { authorization: 'KakaoAK nope' });
    expect(unauth.status).toBe(401);
    const missing = await post(
      `${kakao.url}/online/v1/payment/ready`,
      { cid: 'TC0ONETIME' },
      { authorization: `SECRET_KEY ${kakao.secretKey}` },
    );
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error_code: -2, error_message: expect.any(String) });
  });
});

describe('Naver Pay fake', () => {
  const reserveUrl = () => `${naver.url}/${naver.partnerId}/naverpay/payments/v2/reserve`;
  const client = () => ({ 'x-naver-client-id': naver.clientId, 'x-naver-client-secret': naver.clientSecret });
  const reserveBody = {
    modelVersion: '2',
    merchantUserKey: 'u',
    merchantPayKey: 'order_naver_1',
    productName: 'p',
    productCount: 1,
    totalPayAmount: 1000,
    taxScopeAmount: 1000,
    taxExScopeAmount: 0,
    returnUrl: 'http://web.test/r',
  };
  const adapter = (chainId = naver.chainId!) =>
    new NaverPayAdapter({
      baseUrl: naver.url,
      partnerId: naver.partnerId,
      clientId: naver.clientId,
      clientSecret: naver.clientSecret,
      chainId,
      checkoutUrl: `${naver.url}/checkout`,
      http: { provider: 'naverpay', timeoutMs: 2_000 },
    });

  it('checks the client headers and the partner path', async () => {
    const res = await post(reserveUrl(), {}, { 'x-naver-client-id': 'x', 'x-naver-client-secret': 'y' });
    expect(res.status).toBe(401);
    const other = await post(`${naver.url}/someone_else/naverpay/payments/v2/reserve`, {}, client());
    expect(other.status).toBe(404);
  });

  it('wants the configured X-NaverPay-Chain-Id on every call', async () => {
    const missing = await post(reserveUrl(), reserveBody, client());
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ code: 'AuthFail' });
    const wrong = await post(reserveUrl(), reserveBody, { ...client(), 'x-naverpay-chain-id': 'chain-2' });
    expect(wrong.status).toBe(401);
    const right = await post(reserveUrl(), reserveBody, { ...client(), 'x-naverpay-chain-id': 'chain-1' });
    expect(await right.json()).toMatchObject({ code: 'Success', body: { reserveId: expect.any(String) } });
    // The adapter sends the one it is configured with.
    await expect(
      adapter('chain-2').lookup({ orderId: 'order_x', providerRef: null, providerKey: 'nope', amount: 0 }),
    ).rejects.toMatchObject({ code: 'AuthFail' });
    expect(
      await adapter().lookup({ orderId: 'order_x', providerRef: null, providerKey: 'nope', amount: 0 }),
    ).toBeNull();
  });

  it('is read by the adapter: AlreadyComplete and a refused history inquiry are unknown outcomes, never declines', async () => {
    const a = adapter();
    const prepared = await a.prepare({
      paymentId: 'pay_1',
      orderId: 'order_naver_2',
      orderName: 'o',
      amount: 5_000,
      userId: 'u',
      successUrl: 'http://web.test/s',
      failUrl: 'http://web.test/f',
    });
    const back = new URL(naver.authorize(prepared.providerRef!));
    const paymentId = back.searchParams.get('paymentId')!;
    const input = {
      orderId: 'order_naver_2',
      amount: 5_000,
      userId: 'u',
      providerRef: prepared.providerRef!,
      providerKey: paymentId,
      idempotencyKey: 'k1',
    };
    expect(await a.confirm(input)).toMatchObject({ status: 'paid', totalAmount: 5_000 });
    const again = await a.confirm({ ...input, idempotencyKey: 'k2' }).catch((e) => e);
    expect(again).toBeInstanceOf(ProviderError);
    expect(again).toMatchObject({ outcome: 'unknown', code: 'AlreadyComplete' });
    naver.knobs.forceError = { operation: 'history', code: 'InvalidMerchant' };
    const refused = await a
      .lookup({ orderId: 'order_naver_2', providerRef: null, providerKey: paymentId, amount: 5_000 })
      .catch((e) => e);
    expect(refused).toMatchObject({ outcome: 'unknown', code: 'InvalidMerchant' });
    expect(
      await a.lookup({ orderId: 'order_naver_2', providerRef: null, providerKey: paymentId, amount: 5_000 }),
    ).toMatchObject({ status: 'paid' });
    expect(naver.charges()).toBe(1);
    expect(naver.confirmRequests()).toBe(2);
  });
});
