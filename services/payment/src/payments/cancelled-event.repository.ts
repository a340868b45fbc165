import type { ExpressionBuilder, Kysely, Transaction } from 'kysely';
import { toPayment, type PaymentRow } from './payment.model';

type Db = Kysely<any> | Transaction<any>;

/**
 * A payment still holding the buyer's money: paid, partly refunded, or refunded with a
 * cancellation fee kept (the buyer cancelled before the organiser did; the fee goes back too).
 */
const holdsMoney = (eb: ExpressionBuilder<any, 'p'>) =>
  eb.or([
    eb('p.status', 'in', ['paid', 'partially_refunded']),
    eb.and([eb('p.status', '=', 'refunded'), eb('p.refunded_amount', '<', eb.ref('p.amount'))]),
  ]);

/**
 * The events payment learnt were cancelled (event.cancelled, table cancelled_events) and the
 * payments of theirs still holding money. Kysely only.
 */
export class CancelledEventRepository {
  constructor(private readonly db: Kysely<any>) {}

  /**
   * The event's payments holding money whose refunds the provider never refused (the sweep retries
   * a refused one, with a backoff): a page in id order after `afterId`.
   */
  async refundablePayments(eventId: string, limit: number, afterId?: string): Promise<PaymentRow[]> {
    let query = this.db.selectFrom('payments as p');
    if (afterId !== undefined) query = query.where('p.id', '>', afterId);
    const rows = await query
      .selectAll('p')
      .where('p.event_id', '=', eventId)
      .where(holdsMoney)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('refunds as r')
              .select('r.id')
              .whereRef('r.payment_id', '=', 'p.id')
              .where('r.status', '=', 'failed'),
          ),
        ),
      )
      .orderBy('p.id')
      .limit(limit)
      .execute();
    return rows.map(toPayment);
  }

  /** What payment knows of ticket's events: the event.cancelled facts it consumed. */
  async record(eventId: string, cancelledAt: Date, db: Db = this.db): Promise<void> {
    await db
      .insertInto('cancelled_events')
      .values({ event_id: eventId, cancelled_at: cancelledAt })
      .onConflict((oc) => oc.column('event_id').doNothing())
      .execute();
  }

  async has(eventId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('cancelled_events')
      .select('event_id')
      .where('event_id', '=', eventId)
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Payments of cancelled events that still hold money, with how often and when a refund of each
   * was last refused (the sweep backs off from a provider that keeps refusing); never refused
   * first, so a provider refusing a few does not hold up the rest.
   *
   * Read event by event (a lateral join the planner cannot turn into a hash join): joined plainly,
   * PostgreSQL's estimate led it to read every paid payment of every event on each pass, about
   * 300 ms per 2 million payments; event by event it reads only theirs (under a millisecond, by
   * EXPLAIN ANALYZE on the same 2 million). The standing payments and those that kept a fee come
   * through their own indexes.
   */
  async paymentsHoldingMoney(
    limit = 100,
  ): Promise<Array<{ payment: PaymentRow; failedRefunds: number; lastFailedAt: Date | null }>> {
    const read = async (kind: 'standing' | 'fee_kept') => {
      const rows = await this.db
        .selectFrom('cancelled_events as c')
        .innerJoinLateral(
          (eb) => {
            const ofEvent = eb
              .selectFrom('payments as p')
              .selectAll('p')
              .whereRef('p.event_id', '=', 'c.event_id');
            const holding =
              kind === 'standing'
                ? ofEvent.where('p.status', 'in', ['paid', 'partially_refunded'])
                : ofEvent.where('p.status', '=', 'refunded').whereRef('p.refunded_amount', '<', 'p.amount');
            return holding.orderBy('p.updated_at').limit(limit).as('p');
          },
          (join) => join.onTrue(),
        )
        .selectAll('p')
        .select((eb) => [
          eb
            .selectFrom('refunds as r')
            .select((sub) => sub.fn.countAll<number>().as('n'))
            .whereRef('r.payment_id', '=', 'p.id')
            .where('r.status', '=', 'failed')
            .as('failed_refunds'),
          eb
            .selectFrom('refunds as r')
            .select((sub) => sub.fn.max('r.completed_at').as('m'))
            .whereRef('r.payment_id', '=', 'p.id')
            .where('r.status', '=', 'failed')
            .as('last_failed_at'),
        ])
        .orderBy('failed_refunds')
        .orderBy('p.updated_at')
        .limit(limit)
        .execute();
      return rows.map(({ failed_refunds, last_failed_at, ...row }) => ({
        payment: toPayment(row),
        failedRefunds: Number(failed_refunds ?? 0),
        lastFailedAt: last_failed_at ? new Date(last_failed_at as string) : null,
      }));
    };
    const held = [...(await read('standing')), ...(await read('fee_kept'))];
    return held
      .sort(
        (a, b) =>
          a.failedRefunds - b.failedRefunds ||
          a.payment.updated_at.getTime() - b.payment.updated_at.getTime(),
      )
      .slice(0, limit);
  }
}
