import type { Kysely } from 'kysely';

type Db = Kysely<any>;

/** What the pass and the gate need of a reservation, with its event. */
export interface EntryRow {
  id: string;
  user_id: string;
  user_name: string;
  status: string;
  event_id: string;
  entry_code: string | null;
  checked_in_at: Date | null;
  refund_claim: string | null;
  event_title: string;
  event_starts_at: Date;
  event_ends_at: Date;
  event_status: string;
  venue_name: string;
}

const columns = [
  'r.id',
  'r.user_id',
  'r.user_name',
  'r.status',
  'r.event_id',
  'r.entry_code',
  'r.checked_in_at',
  'r.refund_claim',
  'e.title as event_title',
  'e.starts_at as event_starts_at',
  'e.ends_at as event_ends_at',
  'e.status as event_status',
  'e.venue_name',
] as const;

const withEvent = (db: Db) =>
  db.selectFrom('reservations as r').innerJoin('events as e', 'e.id', 'r.event_id').select(columns);

export async function entryById(db: Db, reservationId: string): Promise<EntryRow | undefined> {
  return (await withEvent(db).where('r.id', '=', reservationId).executeTakeFirst()) as EntryRow | undefined;
}

export async function entryByCode(db: Db, code: string): Promise<EntryRow | undefined> {
  return (await withEvent(db).where('r.entry_code', '=', code).executeTakeFirst()) as EntryRow | undefined;
}

/** Sets the code once: a second request (another tab) gets the first one back. */
export async function ensureEntryCode(db: Db, reservationId: string, fresh: string): Promise<string> {
  const row = await db
    .updateTable('reservations')
    .set((eb) => ({ entry_code: eb.fn.coalesce('entry_code', eb.val(fresh)) }))
    .where('id', '=', reservationId)
    .returning('entry_code')
    .executeTakeFirstOrThrow();
  return row.entry_code as string;
}

/**
 * Marks a valid pass used, in one statement: of two gates scanning the same code at once, one
 * admits and the other finds it used; a pass whose refund is under way is not admitted (the
 * refund's claim and this statement take the same row, so one of them finds the other's mark).
 * Null when nothing was admitted (the caller explains why).
 */
export async function checkIn(
  db: Db,
  code: string,
  eventId: string | undefined,
  actorId: string,
  at: Date,
): Promise<string | null> {
  let q = db
    .updateTable('reservations')
    .set({ checked_in_at: at, checked_in_by: actorId, updated_at: at })
    .where('entry_code', '=', code)
    .where('status', 'in', ['confirmed', 'partially_refunded'])
    .where('checked_in_at', 'is', null)
    .where('refund_claim', 'is', null)
    // A cancelled event's tickets admit nobody, though their refunds may not all have run yet.
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('events as e')
            .select('e.id')
            .whereRef('e.id', '=', 'reservations.event_id')
            .where('e.status', '=', 'cancelled'),
        ),
      ),
    );
  if (eventId) q = q.where('event_id', '=', eventId);
  const row = await q.returning('id').executeTakeFirst();
  return (row?.id as string | undefined) ?? null;
}

/**
 * A refund claims its reservation before the provider is asked: refused (false) for a ticket the
 * gate already admitted, unless the refund may take a used ticket (an operator's). The same refund claims again when it is retried; a newer refund replaces an older
 * refund's claim (payment runs one refund of a payment at a time, so the older one has ended).
 */
export async function claimForRefund(
  db: Db,
  reservationId: string,
  refundId: string,
  usedTicketOk: boolean,
  at: Date,
): Promise<boolean> {
  let q = db
    .updateTable('reservations')
    .set({ refund_claim: refundId, refund_claimed_at: at })
    .where('id', '=', reservationId);
  if (!usedTicketOk)
    q = q.where((eb) => eb.or([eb('checked_in_at', 'is', null), eb('refund_claim', '=', refundId)]));
  return !!(await q.returning('id').executeTakeFirst());
}

/** Ends a refund's claim (its refund finished or failed); another refund's claim is left alone. */
export async function releaseRefundClaim(db: Db, reservationId: string, refundId: string): Promise<boolean> {
  const row = await db
    .updateTable('reservations')
    .set({ refund_claim: null, refund_claimed_at: null })
    .where('id', '=', reservationId)
    .where('refund_claim', '=', refundId)
    .returning('id')
    .executeTakeFirst();
  return !!row;
}

/** The seats a pass admits: those sold to it and not refunded. */
export async function admittedSeats(db: Db, reservationId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('reservation_seats as rs')
    .innerJoin('seats as s', 's.id', 'rs.seat_id')
    .select('rs.label')
    .where('rs.reservation_id', '=', reservationId)
    .where('rs.active', '=', true)
    .where('rs.refunded', '=', false)
    .orderBy('s.sort')
    .execute();
  return rows.map((r) => r.label as string);
}

export async function eventExists(db: Db, eventId: string): Promise<boolean> {
  return !!(await db.selectFrom('events').select('id').where('id', '=', eventId).executeTakeFirst());
}

/** How far the gate has got with an event: paid tickets and their seats, and how many went in. */
export async function attendance(
  db: Db,
  eventId: string,
): Promise<{ tickets: number; admitted: number; seats: number; seatsAdmitted: number }> {
  const row = await db
    .selectFrom('reservations as r')
    .leftJoin('reservation_seats as rs', (j) =>
      j.onRef('rs.reservation_id', '=', 'r.id').on('rs.active', '=', true).on('rs.refunded', '=', false),
    )
    .select((eb) => [
      eb.fn.count<number>('r.id').distinct().as('tickets'),
      eb.fn
        .count<number>(eb.case().when('r.checked_in_at', 'is not', null).then(eb.ref('r.id')).end())
        .distinct()
        .as('admitted'),
      eb.fn.count<number>('rs.seat_id').as('seats'),
      eb.fn
        .count<number>(eb.case().when('r.checked_in_at', 'is not', null).then(eb.ref('rs.seat_id')).end())
        .as('seats_admitted'),
    ])
    .where('r.event_id', '=', eventId)
    .where('r.status', 'in', ['confirmed', 'partially_refunded'])
    .executeTakeFirst();
  return {
    tickets: Number(row?.tickets ?? 0),
    admitted: Number(row?.admitted ?? 0),
    seats: Number(row?.seats ?? 0),
    seatsAdmitted: Number(row?.seats_admitted ?? 0),
  };
}
