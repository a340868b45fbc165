/** Mail owed to many bookings at once: an event's change of time or place, and the reminders before it. */
import { sql, type Kysely } from 'kysely';
import { owe, type EventBefore } from './booking-mails.repository';

type Db = Kysely<any>;
const PAGE = 500;

/**
 * Owes every paid booking of the event a mail about a change of its time or place, once per
 * booking and change (the change's fact id and the booking's): a redelivered fact owes nothing
 * more. A change not yet told (the relay slow or down; not one being sent this moment) is folded
 * into the new one, so the buyer gets one mail saying what the event was before both. In pages,
 * so a big event's thousands of bookings never make one statement.
 */
export async function oweEventChanged(
  db: Db,
  change: { factId: string; eventId: string; before: EventBefore },
  now: Date,
): Promise<number> {
  let owed = 0;
  for await (const page of paidBookingPages(db, change.eventId)) {
    // A fact seen again (the bus delivers at least once) owes and folds nothing: its rows are
    // kept, sent or not, so the fact stays recorded.
    const recorded = new Set(
      (
        await db
          .selectFrom('booking_mails')
          .select('reservation_id')
          .where(
            'fact_id',
            'in',
            page.map((id) => `${change.factId}:${id}`),
          )
          .execute()
      ).map((m) => m.reservation_id as string),
    );
    const fresh = page.filter((id) => !recorded.has(id));
    if (fresh.length === 0) continue;
    const untold = await db
      .updateTable('booking_mails')
      .set({ status: 'failed', claimed_until: null, last_error: 'folded into a later change' })
      .where('kind', '=', 'changed')
      .where('status', '=', 'pending')
      .where('reservation_id', 'in', fresh)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
      .returning(['reservation_id', 'details'])
      .execute();
    const earlier = new Map(
      untold.map((m) => [
        m.reservation_id as string,
        (typeof m.details === 'string' ? JSON.parse(m.details) : m.details) as EventBefore,
      ]),
    );
    owed += await owe(
      db,
      fresh.map((id) => ({
        factId: `${change.factId}:${id}`,
        reservationId: id,
        kind: 'changed' as const,
        before: earlier.get(id) ?? change.before,
      })),
      now,
    );
  }
  return owed;
}

/** An event's paid bookings, a page at a time: a big event's thousands never make one statement. */
export async function* paidBookingPages(db: Db, eventId: string): AsyncGenerator<string[]> {
  let after = '';
  for (;;) {
    const page = await db
      .selectFrom('reservations')
      .select('id')
      .where('event_id', '=', eventId)
      .where('status', 'in', ['confirmed', 'partially_refunded'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(PAGE)
      .execute();
    if (page.length > 0) yield page.map((r) => r.id as string);
    if (page.length < PAGE) return;
    after = page.at(-1)!.id as string;
  }
}

/**
 * Owes a reminder to every paid booking of an event starting within `windowMs`, once per booking
 * (its fact id is the booking's). A booking paid after the window opened got its confirmation
 * moments ago: it is not reminded. Owes at most `limit` at a time; returns how many it owed.
 */
export async function oweReminders(db: Db, now: Date, windowMs: number, limit = 500): Promise<number> {
  const opens = sql<Date>`e.starts_at - make_interval(secs => ${windowMs / 1000})`;
  const due = await db
    .selectFrom('reservations as r')
    .innerJoin('events as e', 'e.id', 'r.event_id')
    .select('r.id')
    .where('r.status', 'in', ['confirmed', 'partially_refunded'])
    .where('e.status', '!=', 'cancelled')
    .where('e.starts_at', '>', now)
    .where('e.starts_at', '<=', new Date(now.getTime() + windowMs))
    .where('r.confirmed_at', '<=', opens)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('booking_mails as m')
            .select('m.id')
            .whereRef('m.fact_id', '=', sql<string>`'reminder:' || r.id`),
        ),
      ),
    )
    .limit(limit)
    .execute();
  return owe(
    db,
    due.map((r) => ({
      factId: `reminder:${r.id}`,
      reservationId: r.id as string,
      kind: 'reminder' as const,
    })),
    now,
  );
}
