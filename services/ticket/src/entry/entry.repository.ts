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

/** A seat's pass, as the booking's pass page and a companion's page show it. */
export interface SeatPassRow {
  seat_id: string;
  label: string;
  entry_code: string | null;
  checked_in_at: Date | null;
}

/** The seats a booking's pass can still admit (sold to it, not refunded), in layout order, with their codes. */
export async function seatPasses(db: Db, reservationId: string): Promise<SeatPassRow[]> {
  return (await db
    .selectFrom('reservation_seats as rs')
    .innerJoin('seats as s', 's.id', 'rs.seat_id')
    .select(['rs.seat_id', 'rs.label', 'rs.entry_code', 'rs.checked_in_at'])
    .where('rs.reservation_id', '=', reservationId)
    .where('rs.active', '=', true)
    .where('rs.refunded', '=', false)
    .orderBy('s.sort')
    .execute()) as SeatPassRow[];
}

/** Gives each seat without a code its own, once: a second request (another tab) keeps the first. */
export async function ensureSeatCodes(
  db: Db,
  seats: Array<{ seat_id: string }>,
  reservationId: string,
  fresh: () => string,
): Promise<void> {
  for (const seat of seats)
    await db
      .updateTable('reservation_seats')
      .set({ entry_code: fresh() })
      .where('reservation_id', '=', reservationId)
      .where('seat_id', '=', seat.seat_id)
      .where('entry_code', 'is', null)
      .execute();
}

/**
 * A seat's pass given a new code (sent to the wrong person): the old one admits nobody from then.
 * Only a seat still to enter; false when there is none such.
 */
export async function reissueSeatCode(
  db: Db,
  reservationId: string,
  seatId: string,
  fresh: string,
): Promise<boolean> {
  const row = await db
    .updateTable('reservation_seats')
    .set({ entry_code: fresh })
    .where('reservation_id', '=', reservationId)
    .where('seat_id', '=', seatId)
    .where('active', '=', true)
    .where('refunded', '=', false)
    .where('checked_in_at', 'is', null)
    .returning('seat_id')
    .executeTakeFirst();
  return !!row;
}

/** The booking a seat's code belongs to, and that seat (undefined for an unknown code). */
export async function entryBySeatCode(
  db: Db,
  code: string,
): Promise<(EntryRow & { seat: SeatPassRow & { active: boolean; refunded: boolean } }) | undefined> {
  const seat = await db
    .selectFrom('reservation_seats')
    .select(['reservation_id', 'seat_id', 'label', 'entry_code', 'checked_in_at', 'active', 'refunded'])
    .where('entry_code', '=', code)
    .executeTakeFirst();
  if (!seat) return undefined;
  const row = await entryById(db, seat.reservation_id as string);
  if (!row) return undefined;
  const { reservation_id: _, ...rest } = seat;
  return {
    ...row,
    seat: {
      ...(rest as SeatPassRow & { active: boolean; refunded: boolean }),
      active: Boolean(seat.active),
      refunded: Boolean(seat.refunded),
    },
  };
}

class NothingAdmitted extends Error {}

/**
 * Admits seats of a booking: every seat not yet in (the booking's pass), or the one seat a seat's
 * pass names. One transaction that first takes the booking's row, marking it used at its first
 * admission: of two gates scanning at once one admits and the other finds the seats in, and a
 * refund's claim (the same row) and an admission cannot both pass, so nobody walks in on a
 * ticket whose money is on its way back. A cancelled event's tickets admit nobody, though their
 * refunds may not all have run yet. Returns the seat ids admitted; none means nothing changed
 * (the caller explains why).
 */
export async function checkIn(
  db: Db,
  /** A seat's pass names its seat and the code it was scanned with (a code reissued since admits nobody). */
  target: { reservationId: string; seatId?: string; seatCode?: string },
  eventId: string | undefined,
  actorId: string,
  at: Date,
): Promise<string[]> {
  try {
    return await db.transaction().execute(async (trx) => {
      let q = trx
        .updateTable('reservations')
        .set((eb) => ({
          checked_in_at: eb.fn.coalesce('checked_in_at', eb.val(at)),
          checked_in_by: eb.fn.coalesce('checked_in_by', eb.val(actorId)),
          updated_at: at,
        }))
        .where('id', '=', target.reservationId)
        .where('status', 'in', ['confirmed', 'partially_refunded'])
        .where('refund_claim', 'is', null)
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
      if (!(await q.returning('id').executeTakeFirst())) throw new NothingAdmitted();
      let seats = trx
        .updateTable('reservation_seats')
        .set({ checked_in_at: at, checked_in_by: actorId })
        .where('reservation_id', '=', target.reservationId)
        .where('active', '=', true)
        .where('refunded', '=', false)
        .where('checked_in_at', 'is', null);
      if (target.seatId) seats = seats.where('seat_id', '=', target.seatId);
      if (target.seatCode) seats = seats.where('entry_code', '=', target.seatCode);
      const admitted = (await seats.returning('seat_id').execute()).map((r) => r.seat_id as string);
      // Nothing left to admit: the booking's first-admission mark must not move either.
      if (admitted.length === 0) throw new NothingAdmitted();
      return admitted;
    });
  } catch (err) {
    if (err instanceof NothingAdmitted) return [];
    throw err;
  }
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
        .count<number>(eb.case().when('rs.checked_in_at', 'is not', null).then(eb.ref('rs.seat_id')).end())
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
