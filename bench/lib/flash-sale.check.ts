import pg from 'pg';

/**
 * The flash sale's invariants, read straight from the ticket and payment schemas (never through
 * the services under test): no seat in two active reservations, seats sold = seats of confirmed
 * reservations, seats held = seats of pending holds, and money: what the payment books and the
 * sandbox provider's ledger kept = the confirmed reservations' amounts.
 */
export interface SaleCheck {
  ok: boolean;
  violations: string[];
  figures: Record<string, number>;
}

export async function checkSale(databaseUrl: string, eventId: string): Promise<SaleCheck> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const one = async (text: string): Promise<number> =>
    Number(Object.values((await client.query(text, [eventId])).rows[0] ?? { n: 0 })[0] ?? 0);
  try {
    const f: Record<string, number> = {
      'seats in two active reservations': await one(
        `select count(*)::int from (select seat_id from ticket.reservation_seats where event_id = $1 and active group by seat_id having count(*) > 1) d`,
      ),
      'seats sold': await one(
        `select count(*)::int from ticket.seats where event_id = $1 and status = 'sold'`,
      ),
      'seats of confirmed reservations': await one(
        `select count(*)::int from ticket.reservation_seats rs join ticket.reservations r on r.id = rs.reservation_id
         where r.event_id = $1 and r.status = 'confirmed' and rs.active`,
      ),
      'seats held': await one(
        `select count(*)::int from ticket.seats where event_id = $1 and status = 'held'`,
      ),
      'seats of pending holds': await one(
        `select count(*)::int from ticket.reservation_seats rs join ticket.reservations r on r.id = rs.reservation_id
         where r.event_id = $1 and r.status = 'pending' and rs.active`,
      ),
      'confirmed reservations': await one(
        `select count(*)::int from ticket.reservations where event_id = $1 and status = 'confirmed'`,
      ),
      'confirmed amount (KRW)': await one(
        `select coalesce(sum(amount), 0)::bigint from ticket.reservations where event_id = $1 and status = 'confirmed'`,
      ),
      'payments paid': await one(
        `select count(*)::int from payment.payments where event_id = $1 and status = 'paid'`,
      ),
      'payment books kept (KRW)': await one(
        `select coalesce(sum(amount - refunded_amount), 0)::bigint from payment.payments where event_id = $1 and status in ('paid', 'partially_refunded', 'refund_pending', 'refunded')`,
      ),
      'sandbox provider kept (KRW)': await one(
        `select coalesce(sum(s.amount - s.cancelled_amount), 0)::bigint from payment.sandbox_payments s join payment.payments p on p.order_id = s.order_id
         where p.event_id = $1 and s.status in ('DONE', 'PARTIAL_CANCELED', 'CANCELED')`,
      ),
      'confirmed without its paid payment': await one(
        `select count(*)::int from ticket.reservations r where r.event_id = $1 and r.status = 'confirmed'
         and not exists (select 1 from payment.payments p where p.id = r.payment_id and p.status = 'paid' and p.amount = r.amount)`,
      ),
      'paid payments without a confirmed reservation': await one(
        `select count(*)::int from payment.payments p where p.event_id = $1 and p.status = 'paid'
         and not exists (select 1 from ticket.reservations r where r.id = p.reservation_id and r.status = 'confirmed' and r.payment_id = p.id)`,
      ),
    };
    const violations: string[] = [];
    if (f['seats in two active reservations']! > 0)
      violations.push(`${f['seats in two active reservations']} seats in two active reservations (oversell)`);
    if (f['seats sold'] !== f['seats of confirmed reservations'])
      violations.push(
        `seats sold ${f['seats sold']} != seats of confirmed reservations ${f['seats of confirmed reservations']}`,
      );
    if (f['seats held'] !== f['seats of pending holds'])
      violations.push(
        `seats held ${f['seats held']} != seats of pending holds ${f['seats of pending holds']}`,
      );
    if (f['payment books kept (KRW)'] !== f['confirmed amount (KRW)'])
      violations.push(
        `payment books ${f['payment books kept (KRW)']} != confirmed amount ${f['confirmed amount (KRW)']}`,
      );
    if (f['sandbox provider kept (KRW)'] !== f['confirmed amount (KRW)'])
      violations.push(
        `sandbox provider ${f['sandbox provider kept (KRW)']} != confirmed amount ${f['confirmed amount (KRW)']}`,
      );
    if (f['confirmed without its paid payment']! > 0)
      violations.push(
        `${f['confirmed without its paid payment']} confirmed reservations without their paid payment`,
      );
    if (f['paid payments without a confirmed reservation']! > 0)
      violations.push(
        `${f['paid payments without a confirmed reservation']} paid payments without a confirmed reservation`,
      );
    return { ok: violations.length === 0, violations, figures: f };
  } finally {
    await client.end();
  }
}
