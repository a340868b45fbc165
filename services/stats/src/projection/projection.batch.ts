import { sql, type Kysely, type Transaction } from 'kysely';
import {
  mergeReservations,
  upsertAdmissions,
  type AdmissionFact,
  type PaymentFact,
  type ReservationFact,
  type SalesDelta,
} from './projection.repository';

type Db = Kysely<any> | Transaction<any>;

/**
 * The writes of many facts that can share statements: reservation merges, payments and the sales
 * they add, waiting-room admissions (a room lets thousands in each second). Each of these read
 * models merges commutatively (ranks, greatest/least, sums), so
 * writing a batch's facts together gives the rows that writing them one by one gives, in a few
 * statements instead of one to three per fact.
 */
export class ProjectionWrites {
  private readonly reservations: ReservationFact[] = [];
  private readonly payments: Array<{ payment: PaymentFact; sale: SalesDelta }> = [];
  private readonly sales: SalesDelta[] = [];
  /** By event and buyer, the earliest: one statement may touch a row once. */
  private readonly admissions = new Map<string, AdmissionFact>();

  reservation(fact: ReservationFact): void {
    this.reservations.push(fact);
  }

  /** A payment counts its sale once, the first time its id is seen. */
  payment(payment: PaymentFact, sale: SalesDelta): void {
    this.payments.push({ payment, sale });
  }

  sale(delta: SalesDelta): void {
    this.sales.push(delta);
  }

  admission(fact: AdmissionFact): void {
    const key = `${fact.eventId}|${fact.userId}`;
    const known = this.admissions.get(key);
    if (!known || fact.at < known.at) this.admissions.set(key, fact);
  }

  async flush(db: Db): Promise<void> {
    const sales = [...this.sales];
    if (this.payments.length > 0) {
      // DO NOTHING takes the first of several rows with one id, as one-by-one inserts would.
      const inserted = await db
        .insertInto('payments')
        .values(
          this.payments.map(({ payment: p }) => ({
            payment_id: p.paymentId,
            reservation_id: p.reservationId,
            event_id: p.eventId,
            method: p.method,
            amount: p.amount,
            paid_at: p.paidAt,
          })),
        )
        .onConflict((oc) => oc.column('payment_id').doNothing())
        .returning('payment_id')
        .execute();
      const fresh = new Set(inserted.map((r) => r.payment_id as string));
      for (const { payment, sale } of this.payments) {
        if (fresh.delete(payment.paymentId)) sales.push(sale);
      }
    }
    await addSalesMany(db, sales);
    await mergeReservations(db, this.reservations);
    await upsertAdmissions(db, [...this.admissions.values()]);
    this.admissions.clear();
    this.reservations.length = 0;
    this.payments.length = 0;
    this.sales.length = 0;
  }
}

/** Sums the deltas per (hour, event, method) first: one statement may touch a row only once. */
async function addSalesMany(db: Db, deltas: SalesDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  const sums = new Map<string, SalesDelta>();
  for (const d of deltas) {
    const key = `${d.hour.toISOString()}|${d.eventId}|${d.method}`;
    const sum = sums.get(key);
    if (!sum) sums.set(key, { ...d });
    else {
      sum.revenue += d.revenue;
      sum.sales += d.sales;
      sum.refunds += d.refunds;
      sum.refundCount += d.refundCount;
    }
  }
  const s = sql.table('stats.sales_hourly');
  const rows = [...sums.values()].map(
    (d) =>
      sql`(${d.hour}, ${d.eventId}, ${d.method}, ${d.revenue}, ${d.sales}, ${d.refunds}, ${d.refundCount})`,
  );
  await sql`insert into ${s} (hour, event_id, method, revenue, sales, refunds, refund_count)
    values ${sql.join(rows)}
    on conflict (hour, event_id, method) do update set revenue = ${s}.revenue + excluded.revenue, sales = ${s}.sales + excluded.sales,
      refunds = ${s}.refunds + excluded.refunds, refund_count = ${s}.refund_count + excluded.refund_count`.execute(
    db,
  );
}
