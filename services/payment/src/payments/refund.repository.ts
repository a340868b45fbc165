import { sql, type Kysely, type Transaction } from 'kysely';
import { parseJson, type RefundRow } from './payment.model';

type Db = Kysely<any> | Transaction<any>;

/** Refunds and the refund policies events may use; Kysely only. */
export class RefundRepository {
  constructor(private readonly db: Kysely<any>) {}

  async insert(values: Record<string, unknown>, db: Db): Promise<RefundRow> {
    const row = await db.insertInto('refunds').values(values).returningAll().executeTakeFirstOrThrow();
    return { ...row, seat_ids: parseJson(row.seat_ids) } as RefundRow;
  }

  async byId(id: string): Promise<Pick<RefundRow, 'id' | 'payment_id' | 'status'> | null> {
    const row = await this.db
      .selectFrom('refunds')
      .select(['id', 'payment_id', 'status'])
      .where('id', '=', id)
      .executeTakeFirst();
    return (row as Pick<RefundRow, 'id' | 'payment_id' | 'status'> | undefined) ?? null;
  }

  /** A payment's refunds that gave money back, oldest first (a statement lists them). */
  async done(
    paymentId: string,
  ): Promise<Array<Pick<RefundRow, 'id' | 'amount' | 'fee' | 'full' | 'seat_ids'> & { completed_at: Date }>> {
    const rows = await this.db
      .selectFrom('refunds')
      .select(['id', 'amount', 'fee', 'full', 'seat_ids', 'completed_at'])
      .where('payment_id', '=', paymentId)
      .where('status', '=', 'done')
      .orderBy('completed_at')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: r.id as string,
      amount: Number(r.amount),
      fee: Number(r.fee),
      full: Boolean(r.full),
      seat_ids: parseJson<string[] | null>(r.seat_ids),
      completed_at: new Date(r.completed_at as string),
    }));
  }

  async pending(paymentId: string): Promise<RefundRow | null> {
    const row = await this.db
      .selectFrom('refunds')
      .selectAll()
      .where('payment_id', '=', paymentId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return row ? ({ ...row, seat_ids: parseJson(row.seat_ids) } as RefundRow) : null;
  }

  /** A refund stopped before the provider was asked leaves no row: nothing was tried. */
  async discard(id: string, db: Db): Promise<void> {
    await db.deleteFrom('refunds').where('id', '=', id).where('status', '=', 'pending').execute();
  }

  async finish(id: string, status: 'done' | 'failed', db: Db): Promise<boolean> {
    const res = await finishRefundStatement(db, id, status).executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async policy(id: string): Promise<{ id: string; name: string; rules: any } | null> {
    const row = await this.db
      .selectFrom('refund_policies')
      .select(['id', 'name', 'rules'])
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? { id: row.id, name: row.name, rules: parseJson(row.rules) } : null;
  }

  async policies(): Promise<Array<{ id: string; name: string; rules: any }>> {
    const rows = await this.db
      .selectFrom('refund_policies')
      .select(['id', 'name', 'rules'])
      .orderBy('id')
      .execute();
    return rows.map((r) => ({ id: r.id, name: r.name, rules: parseJson(r.rules) }));
  }

  async upsertPolicy(id: string, name: string, rules: unknown): Promise<void> {
    await this.db
      .insertInto('refund_policies')
      .values({ id, name, rules: JSON.stringify(rules) })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({ name, rules: JSON.stringify(rules), updated_at: sql`now()` }),
      )
      .execute();
  }
}

/** RefundRepository.finish's statement (exported so a test can read its plan). */
export function finishRefundStatement(db: Db, id: string, status: 'done' | 'failed') {
  return (
    db
      .updateTable('refunds')
      .set({ status, completed_at: sql`now()` })
      .where('id', '=', id)
      // status || '': the id is the only way in. Written plainly, the one-pending-refund index
      // matches too, and an event's cancellation (every refund pending at once, the planner's
      // sample showing none) had each refund walk every refund under way to find itself.
      .where(sql<string>`status || ''`, '=', 'pending')
  );
}
