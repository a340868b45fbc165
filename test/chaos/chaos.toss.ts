import type { ProviderLedgerEntry } from '../../bench/lib/invariants';
import type { ApiResult, SaleClient } from '../../bench/lib/sale';
import type { TossFake } from '../../services/payment/src/providers/fakes';

export const TOSS_KEYS = { secret: 'test_sk_chaos_secret', client: 'test_ck_chaos_client' };

/** A buyer's Toss purchase: the SDK window is the fake's authorize(); returns the confirm body. */
export async function tossCheckout(
  client: SaleClient,
  fake: TossFake,
  token: string,
  reservationId: string,
): Promise<{ orderId: string; paymentKey: string; amount: number }> {
  const created = await client.api('POST', '/api/payments/create', {
    token,
    body: { reservationId, method: 'toss' },
  });
  if (created.status !== 201)
    throw new Error(`toss payment not created: ${created.status} ${JSON.stringify(created.body)}`);
  const { orderId, amount } = created.body.checkout as { orderId: string; amount: number };
  return fake.authorize(orderId, amount);
}

export function tossConfirm(
  client: SaleClient,
  token: string,
  body: { orderId: string; paymentKey: string; amount: number },
): Promise<ApiResult> {
  return client.confirm(token, body);
}

/** What the fake provider holds: money taken and given back per order, for the invariant checker. */
export function tossLedger(fake: TossFake): ProviderLedgerEntry[] {
  return [...fake.payments.values()].map((p) => {
    const charged = p.approvedAt ? p.totalAmount : 0;
    return { orderId: p.orderId, charged, cancelled: charged - (charged ? p.balanceAmount : 0) };
  });
}
