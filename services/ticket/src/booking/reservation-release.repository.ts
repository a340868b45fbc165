import { sql, type Kysely } from 'kysely';
import type { ReservationRow, ReservationSeatRow } from './reservation.model';

/** Kysely bound to the ticket schema: a transaction opened from ctx.db. */
type Db = Kysely<any>;

/** Pending reservations past due whose payment lease (if any) has run out, claimed for this replica. */
export async function claimExpired(trx: Db, now: Date, limit: number): Promise<ReservationRow[]> {
  return trx
    .selectFrom('reservations')
    .selectAll()
    .where('status', '=', 'pending')
    .where('expires_at', '<=', now)
    .where((eb) => eb.or([eb('payment_lease_until', 'is', null), eb('payment_lease_until', '<=', now)]))
    .orderBy('expires_at')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute() as Promise<ReservationRow[]>;
}

/** Pending reservations of an event, locked; rows another transaction holds are skipped. */
export async function claimPendingOfEvent(
  trx: Db,
  eventId: string,
  limit: number,
): Promise<ReservationRow[]> {
  return trx
    .selectFrom('reservations')
    .selectAll()
    .where('event_id', '=', eventId)
    .where('status', '=', 'pending')
    .orderBy('created_at')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute() as Promise<ReservationRow[]>;
}

/** Every active seat of these reservations made inactive; the seats come back. */
export async function deactivateSeatsOf(trx: Db, reservationIds: string[]): Promise<ReservationSeatRow[]> {
  if (reservationIds.length === 0) return [];
  return trx
    .updateTable('reservation_seats')
    .set({ active: false })
    .where('reservation_id', 'in', reservationIds)
    .where('active', '=', true)
    .returningAll()
    .execute() as Promise<ReservationSeatRow[]>;
}

export interface QuotaReturn {
  eventId: string;
  userId: string;
  seats: number;
}

/**
 * Released seats back to each buyer's count for the event. The rows are locked in key order first,
 * so two batches (two replicas' sweeps) sharing buyers cannot lock them crosswise and deadlock.
 */
export async function returnSeatQuotas(trx: Db, returns: QuotaReturn[]): Promise<void> {
  const byKey = new Map<string, QuotaReturn>();
  for (const r of returns) {
    if (r.seats <= 0) continue;
    const key = `${r.eventId}\u0000${r.userId}`;
    const seen = byKey.get(key);
    byKey.set(key, seen ? { ...seen, seats: seen.seats + r.seats } : r);
  }
  const sorted = [...byKey.values()].sort((a, b) =>
    a.eventId === b.eventId ? (a.userId < b.userId ? -1 : 1) : a.eventId < b.eventId ? -1 : 1,
  );
  if (sorted.length === 0) return;
  const values = sql.join(sorted.map((r) => sql`(${r.eventId}, ${r.userId}, ${r.seats}::int)`));
  if (sorted.length > 1)
    await sql`
      select 1 from ${sql.table('ticket.user_event_seats')} q
      join (values ${values}) as w(event_id, user_id, seats)
        on q.event_id = w.event_id and q.user_id = w.user_id
      order by q.event_id, q.user_id
      for update of q
    `.execute(trx);
  await sql`
    update ${sql.table('ticket.user_event_seats')} q set seats = greatest(q.seats - w.seats, 0)
    from (values ${values}) as w(event_id, user_id, seats)
    where q.event_id = w.event_id and q.user_id = w.user_id
  `.execute(trx);
}
