import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { randomBytes } from 'node:crypto';
import { preparedStatement } from '@tiketi/platform';
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

interface SandboxRow {
  payment_key: string;
  order_id: string;
  amount: number;
  status: string;
  cancelled_amount: number;
  approved_at: Date | null;
}

const SANDBOX = sql.table('payment.sandbox_payments');

/**
 * The built-in provider for local use: it keeps its own ledger (table sandbox_payments) and follows
 * Toss's flow: checkout page -> redirect with paymentKey -> confirm -> cancel.
 */
export class SandboxAdapter implements ProviderAdapter {
  readonly method = 'sandbox' as const;
  readonly name = 'Sandbox (test payments)';

  constructor(
    private readonly db: Kysely<any>,
    private readonly checkoutBaseUrl: string,
  ) {}

  async prepare(input: PrepareInput): Promise<PrepareResult> {
    // Prepared, as the three statements every sandbox checkout runs (prepare, authorize, confirm).
    await sql`${preparedStatement('sandbox_prepare')}
      insert into ${SANDBOX} (payment_key, order_id, amount, order_name, success_url, fail_url, status)
      values (${`sbx_${randomBytes(16).toString('hex')}`}, ${input.orderId}, ${input.amount}, ${input.orderName},
        ${input.successUrl}, ${input.failUrl}, 'READY')`.execute(this.db);
    return {
      checkout: {
        type: 'redirect',
        url: `${this.checkoutBaseUrl}/api/payments/sandbox/checkout/${input.orderId}`,
      },
    };
  }

  /** The checkout page's "Pay" button: the buyer authorised; returns the paymentKey for the redirect. */
  async authorize(
    orderId: string,
  ): Promise<{ paymentKey: string; amount: number; successUrl: string } | null> {
    const { rows } = await sql<{
      payment_key: string;
      amount: number;
      success_url: string;
    }>`${preparedStatement('sandbox_authorize')}
      update ${SANDBOX} set status = 'IN_PROGRESS'
      where order_id = ${orderId} and status in ('READY', 'IN_PROGRESS')
      returning payment_key, amount, success_url`.execute(this.db);
    const row = rows[0];
    return row ? { paymentKey: row.payment_key, amount: row.amount, successUrl: row.success_url } : null;
  }

  async abort(orderId: string): Promise<{ failUrl: string } | null> {
    const row = await this.db
      .updateTable('sandbox_payments')
      .set({ status: 'ABORTED' })
      .where('order_id', '=', orderId)
      .where('status', 'in', ['READY', 'IN_PROGRESS'])
      .returning(['fail_url'])
      .executeTakeFirst();
    return row ? { failUrl: row.fail_url } : null;
  }

  async order(orderId: string): Promise<{ orderName: string; amount: number; status: string } | null> {
    const row = await this.db
      .selectFrom('sandbox_payments')
      .select(['order_name', 'amount', 'status'])
      .where('order_id', '=', orderId)
      .executeTakeFirst();
    return row ? { orderName: row.order_name, amount: row.amount, status: row.status } : null;
  }

  private normalise(row: SandboxRow): ProviderPayment {
    const map: Record<string, ProviderPayment['status']> = {
      DONE: 'paid',
      PARTIAL_CANCELED: 'partially_cancelled',
      CANCELED: 'cancelled',
      ABORTED: 'failed',
    };
    return {
      status: map[row.status] ?? 'in_progress',
      providerKey: row.payment_key,
      orderId: row.order_id,
      totalAmount: row.amount,
      cancelledAmount: row.cancelled_amount,
      currency: 'KRW',
      approvedAt: row.approved_at ? new Date(row.approved_at).toISOString() : null,
    };
  }

  async confirm(input: ConfirmInput): Promise<ProviderPayment> {
    const { rows } = await sql<SandboxRow>`${preparedStatement('sandbox_confirm')}
      update ${SANDBOX} set status = 'DONE', approved_at = now()
      where payment_key = ${input.providerKey} and order_id = ${input.orderId} and status = 'IN_PROGRESS'
      returning payment_key, order_id, amount, status, cancelled_amount, approved_at`.execute(this.db);
    const row = rows[0];
    if (row) {
      if (row.amount !== input.amount) {
        // The checkout's amount differs from the confirm's: as Toss, refuse and leave it unpaid.
        await this.db
          .updateTable('sandbox_payments')
          .set({ status: 'IN_PROGRESS', approved_at: null })
          .where('payment_key', '=', row.payment_key)
          .execute();
        throw new ProviderError('declined', 'INVALID_REQUEST', 'amount differs from the checkout', 400);
      }
      return this.normalise(row as SandboxRow);
    }
    const existing = await this.db
      .selectFrom('sandbox_payments')
      .selectAll()
      .where('payment_key', '=', input.providerKey)
      .executeTakeFirst();
    if (!existing || existing.order_id !== input.orderId)
      throw new ProviderError('declined', 'NOT_FOUND_PAYMENT_SESSION', 'no such checkout', 404);
    if (existing.status === 'DONE')
      throw new ProviderError('unknown', 'ALREADY_PROCESSED_PAYMENT', 'already confirmed', 400);
    throw new ProviderError('declined', 'NOT_FOUND_PAYMENT_SESSION', `checkout is ${existing.status}`, 404);
  }

  async lookup(input: LookupInput): Promise<ProviderPayment | null> {
    const row = await this.db
      .selectFrom('sandbox_payments')
      .selectAll()
      .where('order_id', '=', input.orderId)
      .executeTakeFirst();
    if (!row || row.status === 'READY') return null;
    return this.normalise(row as SandboxRow);
  }

  async cancel(input: CancelInput): Promise<ProviderPayment> {
    const row = await this.db
      .updateTable('sandbox_payments')
      .set({
        cancelled_amount: sql`cancelled_amount + ${input.amount}`,
        status: sql`case when cancelled_amount + ${input.amount} >= amount then 'CANCELED' else 'PARTIAL_CANCELED' end`,
      })
      .where('payment_key', '=', input.providerKey)
      .where('status', 'in', ['DONE', 'PARTIAL_CANCELED'])
      .where(sql<boolean>`cancelled_amount + ${input.amount} <= amount`)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new ProviderError('declined', 'NOT_CANCELABLE_AMOUNT', 'nothing left to cancel', 403);
    return this.normalise(row as SandboxRow);
  }
}
