import { sql, type Kysely, type Transaction } from 'kysely';
import { preparedStatement } from '@tiketi/platform';
import {
  toPayment,
  type HistoryFilter,
  type NewPayment,
  type PaymentRow,
  type PaymentStatus,
} from './payment.model';

type Db = Kysely<any> | Transaction<any>;

const PAYMENTS = sql.table('payment.payments');
const PAYMENTS_CANCELLED = sql.table('payment.cancelled_events');
const OUTBOX = sql.table('payment.outbox');

/** Kysely only; every state change is a compare-and-set on `status`. */
export class PaymentRepository {
  constructor(private readonly db: Kysely<any>) {}

  transaction<T>(fn: (trx: Transaction<any>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }

  /**
   * A new payment, `ready` for its checkout (prepared: one per checkout), with a copy of the
   * event's refund policy (`fallback`, as JSON, where the event's is not known here); null, and
   * nothing written, when the event was cancelled.
   */
  async insertReady(
    v: Omit<NewPayment, 'policy'>,
    policy: { id: string; fallback: string },
  ): Promise<PaymentRow | null> {
    const { rows } = await sql`${preparedStatement('payment_insert_ready')}
      insert into ${PAYMENTS} (id, order_id, reservation_id, event_id, user_id, method, status, amount, currency,
        order_name, seats, policy, event_starts_at, booked_at, success_url, fail_url)
      select ${v.id}, ${v.order_id}, ${v.reservation_id}, ${v.event_id}, ${v.user_id}, ${v.method}, 'ready',
        ${v.amount}, ${v.currency}, ${v.order_name}, ${v.seats}::jsonb,
        coalesce(
          (select jsonb_build_object('id', r.id, 'name', r.name, 'rules', r.rules)
            from ${sql.table('payment.refund_policies')} r where r.id = ${policy.id}),
          ${policy.fallback}::jsonb
        ),
        ${v.event_starts_at}, ${v.booked_at}, ${v.success_url}, ${v.fail_url}
      where not exists (select 1 from ${PAYMENTS_CANCELLED} c where c.event_id = ${v.event_id})
      returning *`.execute(this.db);
    return rows[0] ? toPayment(rows[0]) : null;
  }

  async byId(id: string, db: Db = this.db): Promise<PaymentRow | null> {
    const row = await db.selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toPayment(row) : null;
  }

  async byOrderId(orderId: string): Promise<PaymentRow | null> {
    const row = await this.db
      .selectFrom('payments')
      .selectAll()
      .where('order_id', '=', orderId)
      .executeTakeFirst();
    return row ? toPayment(row) : null;
  }

  /** The payment of an order and whether its event was cancelled, in one round trip (a confirm needs both). */
  async byOrderIdWithEvent(
    orderId: string,
  ): Promise<{ payment: PaymentRow; eventCancelled: boolean } | null> {
    // Prepared, as the other statements of a confirm: each runs once per checkout.
    const { rows } = await sql<Record<string, unknown>>`${preparedStatement('payment_by_order')}
      select p.*, exists (select 1 from ${PAYMENTS_CANCELLED} c where c.event_id = p.event_id) as event_cancelled
      from ${PAYMENTS} p where p.order_id = ${orderId}`.execute(this.db);
    const row = rows[0];
    if (!row) return null;
    const { event_cancelled, ...payment } = row;
    return { payment: toPayment(payment), eventCancelled: Boolean(event_cancelled) };
  }

  /**
   * A confirm's usual case in one statement: the ready payment of this order, the buyer's own
   * (any, for an admin's null), of the amount asked (when given), with the provider key its method
   * needs, its event not cancelled, moves to pending. Null when any of that is not so: the caller
   * then reads the payment and answers as the case requires.
   */
  async startAttemptByOrder(args: StartAttemptByOrder): Promise<PaymentRow | null> {
    const { rows } = await startAttemptByOrderStatement(args).execute(this.db);
    return rows[0] ? toPayment(rows[0]) : null;
  }

  /** A confirm's attempt starts: ready (or a retried state) -> pending, with the provider's key. */
  async startAttempt(
    id: string,
    from: PaymentStatus,
    providerKey: string,
    idempotencyKey: string,
  ): Promise<PaymentRow | null> {
    const { rows } = await startAttemptStatement(id, from, providerKey, idempotencyKey).execute(this.db);
    return rows[0] ? toPayment(rows[0]) : null;
  }

  /**
   * An attempt -> paid, and the outbox row of its payment.paid, in one prepared statement: the
   * event is written only when the row moved. `open` moves ready, pending or needs_reconciliation;
   * `closed` moves failed or cancelled (a charge the provider reports for an attempt we had closed)
   * and clears its failure.
   */
  async markPaid(
    id: string,
    from: 'open' | 'closed',
    /** reservation_confirmed_at: set when ticket confirmed the reservation before this statement (kept if already set). */
    values: { paid_at: Date; provider_payment_key: string | null; reservation_confirmed_at: Date | null },
    event: { id: string; type: string; payload: string },
  ): Promise<PaymentRow | null> {
    const closed = from === 'closed';
    // Two fixed texts, so the open one (every checkout) can stay prepared.
    const { rows } = await sql`${closed ? sql`` : preparedStatement('payment_mark_paid')}
      with moved as (
        update ${PAYMENTS} set paid_at = ${values.paid_at}, provider_payment_key = ${values.provider_payment_key},
          reservation_confirmed_at = coalesce(reservation_confirmed_at, ${values.reservation_confirmed_at}::timestamptz),
          status = 'paid', updated_at = now()${closed ? sql`, failure_code = null, failure_message = null` : sql``}
        -- status || '': the id is the only way in (see startAttemptStatement).
        where id = ${id}
          and status || '' in ${closed ? sql`('failed', 'cancelled')` : sql`('ready', 'pending', 'needs_reconciliation')`}
        returning *
      ),
      event_out as (
        insert into ${OUTBOX} (id, type, payload)
        select ${event.id}, ${event.type}, ${event.payload}::jsonb from moved
        returning id
      )
      select * from moved`.execute(this.db);
    return rows[0] ? toPayment(rows[0]) : null;
  }

  async byReservation(reservationId: string): Promise<PaymentRow[]> {
    const rows = await this.db
      .selectFrom('payments')
      .selectAll()
      .where('reservation_id', '=', reservationId)
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map(toPayment);
  }

  /** Moves a payment from one of `from` to `to`; null when someone else moved it first. */
  async transition(
    id: string,
    from: PaymentStatus[],
    to: PaymentStatus,
    patch: Record<string, unknown> = {},
    db: Db = this.db,
  ): Promise<PaymentRow | null> {
    const row = await transitionStatement(db, id, from, to, patch).executeTakeFirst();
    return row ? toPayment(row) : null;
  }

  /**
   * A refund's first step: to refund_pending only while the payment still is as `p` was read (its
   * status refundable, nothing refunded since). A refund planned on an older read (an event's
   * cancellation working through its list, an operator's page) would otherwise give a seat or an
   * amount back that another refund just gave. `refunded` is a start only for returning a kept
   * fee (refundPayment decides that).
   */
  async startRefund(
    p: Pick<PaymentRow, 'id' | 'refunded_amount' | 'refunded_seat_ids'>,
    db: Db = this.db,
  ): Promise<PaymentRow | null> {
    const row = await transitionStatement(
      db,
      p.id,
      ['paid', 'partially_refunded', 'refunded'],
      'refund_pending',
    )
      .where('refunded_amount', '=', p.refunded_amount)
      .where('refunded_seat_ids', '=', sql<string>`${JSON.stringify(p.refunded_seat_ids)}::jsonb`)
      .executeTakeFirst();
    return row ? toPayment(row) : null;
  }

  /** Records that the reservation is confirmed; returns the payment as it now is. */
  async markReservationConfirmed(id: string, at: Date): Promise<PaymentRow | null> {
    const { rows } = await sql`${preparedStatement('payment_reservation_confirmed')}
      update ${PAYMENTS} set reservation_confirmed_at = ${at} where id = ${id} returning *`.execute(this.db);
    return rows[0] ? toPayment(rows[0]) : null;
  }

  async update(id: string, patch: Record<string, unknown>, db: Db = this.db): Promise<void> {
    await db.updateTable('payments').set(patch).where('id', '=', id).execute();
  }

  async history(filter: HistoryFilter): Promise<PaymentRow[]> {
    let q = this.db.selectFrom('payments').selectAll();
    if (filter.userId) q = q.where('user_id', '=', filter.userId);
    if (filter.eventId) q = q.where('event_id', '=', filter.eventId);
    if (filter.method) q = q.where('method', '=', filter.method);
    if (filter.status) q = q.where('status', '=', filter.status);
    const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
    return rows.map(toPayment);
  }

  /**
   * Payments the reconciler must look at: a page in id order after `afterId` (ids sort by creation,
   * so a row the pass itself touched keeps its place and the pages end).
   */
  async needingAttention(
    stuckBefore: Date,
    quietBefore: Date,
    abandonedBefore: Date,
    limit = 50,
    afterId?: string,
  ): Promise<PaymentRow[]> {
    let query = this.db.selectFrom('payments').selectAll();
    if (afterId !== undefined) query = query.where('id', '>', afterId);
    const rows = await query
      .where((eb) =>
        eb.or([
          eb('status', '=', 'needs_reconciliation'),
          eb.and([eb('status', '=', 'pending'), eb('updated_at', '<', stuckBefore)]),
          eb.and([eb('status', '=', 'refund_pending'), eb('updated_at', '<', quietBefore)]),
          eb.and([
            eb('status', '=', 'paid'),
            eb('reservation_confirmed_at', 'is', null),
            eb('updated_at', '<', quietBefore),
          ]),
          eb.and([eb('status', '=', 'ready'), eb('created_at', '<', abandonedBefore)]),
        ]),
      )
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toPayment);
  }

  /** A stuck confirm is re-sent by whoever moves it first: the claim refreshes updated_at, so a second claimer finds it no longer stuck. */
  async claimStuckPending(id: string, stuckBefore: Date): Promise<PaymentRow | null> {
    const row = await claimStuckPendingStatement(this.db, id, stuckBefore).executeTakeFirst();
    return row ? toPayment(row) : null;
  }
}

export interface StartAttemptByOrder {
  orderId: string;
  userId: string | null;
  amount: number | null;
  keys: { paymentKey: string | null; pgToken: string | null; paymentId: string | null };
}

/** A confirm's first statement on its own (exported so a test can read its plan). */
export function startAttemptByOrderStatement({ orderId, userId, amount, keys }: StartAttemptByOrder) {
  // The key the payment's method needs, from what the provider's return gave.
  const providerKey = sql`case p.method when 'kakaopay' then ${keys.pgToken}::text
    when 'naverpay' then ${keys.paymentId}::text else ${keys.paymentKey}::text end`;
  return sql<Record<string, unknown>>`${preparedStatement('payment_start_attempt_by_order')}
    update ${PAYMENTS} p set provider_payment_key = ${providerKey},
      confirm_idempotency_key = coalesce(p.confirm_idempotency_key, p.id || '-confirm'),
      status = 'pending', updated_at = now()
    -- status || '': the order is the only way in. Written plainly, the ready-payments partial index
    -- matches too; when the planner's sample of the table shows few ready payments (a fresh table,
    -- or one sampled before a sale) it walks every ready payment to find this one, and a sale's
    -- confirms read 7,600-10,600 buffers each, and growing, where the order's index reads a handful.
    where p.order_id = ${orderId} and p.status || '' = 'ready'
      and (${userId}::text is null or p.user_id = ${userId}::text)
      and (${amount}::int is null or p.amount = ${amount}::int)
      and ${providerKey} is not null
      and not exists (select 1 from ${PAYMENTS_CANCELLED} c where c.event_id = p.event_id)
    returning p.*`;
}

/** PaymentRepository.startAttempt's statement (exported so a test can read its plan). */
export function startAttemptStatement(
  id: string,
  from: PaymentStatus,
  providerKey: string,
  idempotencyKey: string,
) {
  // status || '': the id is the only way in. Written plainly, a ready payment matches the
  // ready-payments index, a pending one the attention index, as well as the key.
  return sql`${preparedStatement('payment_start_attempt')}
    update ${PAYMENTS} set provider_payment_key = ${providerKey}, confirm_idempotency_key = ${idempotencyKey},
      status = 'pending', updated_at = now()
    where id = ${id} and status || '' = ${from}
    returning *`;
}

/** PaymentRepository.transition's statement (exported so a test can read its plan). */
export function transitionStatement(
  db: Db,
  id: string,
  from: PaymentStatus[],
  to: PaymentStatus,
  patch: Record<string, unknown> = {},
) {
  return (
    db
      .updateTable('payments')
      .set({ ...patch, status: to, updated_at: sql`now()` })
      .where('id', '=', id)
      // status || '': the id is the only way in. Written plainly, a move from one status matches
      // the attention index (status, updated_at) as well as the key; when an event's cancellation
      // turns its paid payments refund_pending all at once (the table sampled before, with none),
      // settling each refund walked every refund under way.
      .where(sql<string>`status || ''`, 'in', from)
      .returningAll()
  );
}

/** The reconciler's claim of one stuck payment (exported so a test can read its plan). */
export function claimStuckPendingStatement(db: Kysely<any>, id: string, stuckBefore: Date) {
  return (
    db
      .updateTable('payments')
      .set({ updated_at: sql`now()` })
      .where('id', '=', id)
      // status || '': the id is the only way in. Written plainly, the attention index (status,
      // updated_at) matches too, and the reconciler, claiming each stuck payment in turn, walked
      // every stuck payment for each: the most work when a provider outage left the most behind.
      .where(sql`status || ''`, '=', 'pending')
      .where('updated_at', '<', stuckBefore)
      .returningAll()
  );
}
