import { sql } from 'kysely';
import type { ServiceContext } from '@tiketi/platform';
import type { EventDataByType } from '@tiketi/contracts';
import type { TicketConfig } from '../ticket.config';

const GROUP = 'ticket.admin-payments';

/**
 * Keeps reservation -> payment method from payment.paid (the latest payment of a reservation wins).
 * The upsert is idempotent on its own (a repeat writes what is there, an older fact loses to a
 * newer one), so a re-delivery needs no processed-event record: one autocommit statement per
 * checkout instead of a transaction of four.
 */
export async function startAdminPaymentsConsumer(ctx: ServiceContext<TicketConfig>): Promise<void> {
  const stop = await ctx.bus.subscribe({ group: GROUP, types: ['payment.paid'] }, async (event) => {
    const d = event.data as EventDataByType['payment.paid'];
    if (!d?.reservationId || !d.paymentId || !d.method) return;
    const paidAt = new Date(Number.isNaN(Date.parse(d.paidAt)) ? event.occurredAt : d.paidAt);
    const t = sql.table('ticket.reservation_payment_methods');
    await sql`insert into ${t} (reservation_id, payment_id, method, paid_at) values (${d.reservationId}, ${d.paymentId}, ${d.method}, ${paidAt})
      on conflict (reservation_id) do update set payment_id = excluded.payment_id, method = excluded.method, paid_at = excluded.paid_at
      where excluded.paid_at >= ${t}.paid_at`.execute(ctx.db);
  });
  ctx.onClose(stop);
}
