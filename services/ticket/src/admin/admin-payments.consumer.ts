import { sql, type Kysely } from 'kysely';
import type { EventEnvelope, ServiceContext } from '@tiketi/platform';
import type { EventDataByType } from '@tiketi/contracts';
import type { TicketConfig } from '../ticket.config';

const GROUP = 'ticket.admin-payments';

/**
 * Keeps reservation -> payment method from payment.paid (the latest payment of a reservation wins).
 * The upsert is idempotent on its own (a repeat writes what is there, an older fact loses to a
 * newer one), so a re-delivery needs no processed-event record: one autocommit statement for all
 * the checkouts the bus read together.
 */
export async function startAdminPaymentsConsumer(ctx: ServiceContext<TicketConfig>): Promise<void> {
  const stop = await ctx.bus.subscribeBatch({ group: GROUP, types: ['payment.paid'] }, (events) =>
    recordPaymentMethods(ctx.db, events),
  );
  ctx.onClose(stop);
}

/** The payment.paid facts read together, in one upsert. */
export async function recordPaymentMethods(db: Kysely<any>, events: EventEnvelope[]): Promise<void> {
  // One statement may touch a row once: of a reservation's facts, the one the upsert would leave.
  const latest = new Map<string, { paymentId: string; method: string; paidAt: Date }>();
  for (const event of events) {
    const d = event.data as EventDataByType['payment.paid'];
    if (!d?.reservationId || !d.paymentId || !d.method) continue;
    const paidAt = new Date(Number.isNaN(Date.parse(d.paidAt)) ? event.occurredAt : d.paidAt);
    const kept = latest.get(d.reservationId);
    if (!kept || paidAt >= kept.paidAt)
      latest.set(d.reservationId, { paymentId: d.paymentId, method: d.method, paidAt });
  }
  if (latest.size === 0) return;
  const rows = [...latest].map(
    ([reservationId, f]) => sql`(${reservationId}, ${f.paymentId}, ${f.method}, ${f.paidAt})`,
  );
  const t = sql.table('ticket.reservation_payment_methods');
  await sql`insert into ${t} (reservation_id, payment_id, method, paid_at) values ${sql.join(rows)}
    on conflict (reservation_id) do update set payment_id = excluded.payment_id, method = excluded.method, paid_at = excluded.paid_at
    where excluded.paid_at >= ${t}.paid_at`.execute(db);
}
