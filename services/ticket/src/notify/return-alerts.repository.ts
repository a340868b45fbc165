import { sql, type Kysely } from 'kysely';
import { newId } from '@tiketi/platform';
import { owe } from './booking-mails.repository';
import { deleteAlerts, eventForAlert, type AlertableEvent, type NewAlert } from './sale-alerts.repository';

type Db = Kysely<any>;
const PAGE = 500;

export { eventForAlert };

export interface ReturnAlertRow {
  id: string;
  event: AlertableEvent;
  createdAt: Date;
  /** When the mail saying seats came back was sent; null until then. */
  mailedAt: Date | null;
}

/** Kept once mailed, so the buyer's list shows it; asked again, it makes way for a new one. */
function returnAlerts(db: Db) {
  return db
    .selectFrom('return_alerts as a')
    .innerJoin('events as e', 'e.id', 'a.event_id')
    .leftJoin('booking_mails as m', (join) =>
      join.onRef('m.alert_id', '=', 'a.id').on('m.kind', '=', 'seats_back').on('m.status', '=', 'sent'),
    )
    .select([
      'a.id as alert_id',
      'e.id',
      'e.title',
      'e.status',
      'e.sale_starts_at',
      'e.starts_at',
      'e.venue_name',
      'a.created_at',
      'm.sent_at',
    ]);
}

const toAlert = (row: any): ReturnAlertRow => ({
  id: row.alert_id,
  event: {
    id: row.id,
    title: row.title,
    status: row.status,
    saleStartsAt: new Date(row.sale_starts_at),
    startsAt: new Date(row.starts_at),
    venueName: row.venue_name,
  },
  createdAt: new Date(row.created_at),
  mailedAt: row.sent_at ? new Date(row.sent_at) : null,
});

export async function returnAlertOf(
  db: Db,
  eventId: string,
  userId: string,
): Promise<ReturnAlertRow | undefined> {
  const row = await returnAlerts(db)
    .where('a.event_id', '=', eventId)
    .where('a.user_id', '=', userId)
    .executeTakeFirst();
  return row && toAlert(row);
}

/** A buyer's seat-return alerts, the soonest event first. */
export async function returnAlertsOf(db: Db, userId: string): Promise<ReturnAlertRow[]> {
  const rows = await returnAlerts(db)
    .where('a.user_id', '=', userId)
    .orderBy('e.starts_at')
    .orderBy('e.id')
    .execute();
  return rows.map(toAlert);
}

/**
 * The buyer's seat-return alert for the event, unless they already have `limit` of them:
 * `created`, `exists` (not mailed yet: its address brought up to date) or `limit`. One already
 * mailed makes way for a new one (a buyer who missed the seats asks again). Counted and added
 * under a lock of the buyer's own, as sale alerts are.
 */
export async function addReturnAlert(
  db: Db,
  alert: NewAlert,
  now: Date,
  limit: number,
): Promise<'created' | 'exists' | 'limit'> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`return_alerts:${alert.userId}`}))`.execute(trx);
    const existing = await returnAlertOf(trx, alert.eventId, alert.userId);
    if (existing && !existing.mailedAt) {
      await trx
        .updateTable('return_alerts')
        .set({ user_email: alert.email, user_name: alert.name })
        .where('id', '=', existing.id)
        .execute();
      return 'exists';
    }
    if (existing) await trx.deleteFrom('return_alerts').where('id', '=', existing.id).execute();
    const { count } = await trx
      .selectFrom('return_alerts')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('user_id', '=', alert.userId)
      .executeTakeFirstOrThrow();
    if (Number(count) >= limit) return 'limit';
    await trx
      .insertInto('return_alerts')
      .values({
        id: newId('ralrt'),
        event_id: alert.eventId,
        user_id: alert.userId,
        user_email: alert.email,
        user_name: alert.name,
        created_at: now,
      })
      .execute();
    return 'created';
  });
}

/** Removes the alert and its mail not sent yet; what was mailed stays on record. */
export async function removeReturnAlerts(db: Db, by: { eventId?: string; userId: string }): Promise<number> {
  const which = by.eventId
    ? sql`user_id = ${by.userId} and event_id = ${by.eventId}`
    : sql`user_id = ${by.userId}`;
  return deleteAlerts(db, 'return_alerts', which);
}

/**
 * Seats of the event came back (a fact said it is on sale again): owes a mail to every alert
 * neither mailed nor owed already, keyed by alert and fact, so a repeated fact owes nothing more.
 * The mail is sent only if seats are there when its turn comes (a late or repeated fact tells
 * nobody of seats that are gone); one not sent is owed again by the next such fact. In pages, so
 * thousands of fans never make one statement.
 */
export async function oweReturnAlerts(
  db: Db,
  back: { factId: string; eventId: string },
  now: Date,
): Promise<number> {
  let owed = 0;
  let after = '';
  for (;;) {
    const page = await db
      .selectFrom('return_alerts as a')
      .select('a.id')
      .where('a.event_id', '=', back.eventId)
      .where('a.id', '>', after)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('booking_mails as m')
              .select('m.id')
              .whereRef('m.alert_id', '=', 'a.id')
              .where('m.status', 'in', ['pending', 'sent']),
          ),
        ),
      )
      .orderBy('a.id')
      .limit(PAGE)
      .execute();
    if (page.length === 0) return owed;
    owed += await owe(
      db,
      page.map((r) => ({
        factId: `seats-back:${r.id}:${back.factId}`,
        kind: 'seats_back' as const,
        alertId: r.id as string,
      })),
      now,
    );
    after = page.at(-1)!.id as string;
    if (page.length < PAGE) return owed;
  }
}

export interface ReturnAlertForMail {
  email: string;
  name: string;
  event: AlertableEvent;
  /** Seats that can be held now. */
  available: number;
}

export async function returnAlertForMail(db: Db, alertId: string): Promise<ReturnAlertForMail | undefined> {
  const row = await db
    .selectFrom('return_alerts as a')
    .select(['a.event_id', 'a.user_email', 'a.user_name'])
    .select((eb) =>
      eb
        .selectFrom('seats as s')
        .select(eb.fn.countAll<string>().as('n'))
        .whereRef('s.event_id', '=', 'a.event_id')
        .where('s.status', '=', 'available')
        .as('available'),
    )
    .where('a.id', '=', alertId)
    .executeTakeFirst();
  if (!row) return undefined;
  const event = await eventForAlert(db, row.event_id as string);
  return (
    event && { email: row.user_email, name: row.user_name, event, available: Number(row.available ?? 0) }
  );
}

/** Alerts of events whose sale is over (closed, ended or called off) for a day go. */
export async function pruneReturnAlerts(db: Db, before: Date): Promise<number> {
  const r = await db
    .deleteFrom('return_alerts')
    .where(
      'event_id',
      'in',
      db
        .selectFrom('events')
        .select('id')
        .where((w) => w.or([w('sale_ends_at', '<', before), w('status', '=', 'cancelled')])),
    )
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** How many buyers wait for seats of the event to come back (the operator's view of demand). */
export async function returnAlertCount(db: Db, eventId: string): Promise<number> {
  const row = await db
    .selectFrom('return_alerts')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('event_id', '=', eventId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
