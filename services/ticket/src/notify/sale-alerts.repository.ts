import { sql, type Kysely, type RawBuilder } from 'kysely';
import { newId } from '@tiketi/platform';
import { owe } from './booking-mails.repository';

type Db = Kysely<any>;

/** What a buyer may ask an alert for, and what the alert's mail says of the event. */
export interface AlertableEvent {
  id: string;
  title: string;
  status: string;
  saleStartsAt: Date;
  startsAt: Date;
  venueName: string;
}

export async function eventForAlert(db: Db, eventId: string): Promise<AlertableEvent | undefined> {
  const row = await db
    .selectFrom('events')
    .select(['id', 'title', 'status', 'sale_starts_at', 'starts_at', 'venue_name'])
    .where('id', '=', eventId)
    .executeTakeFirst();
  return row && toEvent(row);
}

function toEvent(row: any): AlertableEvent {
  return {
    id: row.id,
    title: row.title,
    status: row.status,
    saleStartsAt: new Date(row.sale_starts_at),
    startsAt: new Date(row.starts_at),
    venueName: row.venue_name,
  };
}

export interface SaleAlertRow {
  event: AlertableEvent;
  createdAt: Date;
  /** When the alert for the event's present opening time was mailed. */
  mailedAt: Date | null;
}

/** What `toEvent` reads, from events joined as `e`. */
const EVENT_COLUMNS = [
  'e.id',
  'e.title',
  'e.status',
  'e.sale_starts_at',
  'e.starts_at',
  'e.venue_name',
] as const;

function alerts(db: Db) {
  return db
    .selectFrom('sale_alerts as a')
    .innerJoin('events as e', 'e.id', 'a.event_id')
    .leftJoin('booking_mails as m', (join) =>
      join
        .onRef('m.alert_id', '=', 'a.id')
        .onRef('m.sale_starts_at', '=', 'e.sale_starts_at')
        .on('m.status', '=', 'sent'),
    )
    .select([...EVENT_COLUMNS, 'a.created_at', 'm.sent_at']);
}

const toAlert = (row: any): SaleAlertRow => ({
  event: toEvent(row),
  createdAt: new Date(row.created_at),
  mailedAt: row.sent_at ? new Date(row.sent_at) : null,
});

export async function alertOf(db: Db, eventId: string, userId: string): Promise<SaleAlertRow | undefined> {
  const row = await alerts(db)
    .where('a.event_id', '=', eventId)
    .where('a.user_id', '=', userId)
    .executeTakeFirst();
  return row && toAlert(row);
}

/** A buyer's alerts, the soonest opening first. */
export async function alertsOf(db: Db, userId: string): Promise<SaleAlertRow[]> {
  const rows = await alerts(db)
    .where('a.user_id', '=', userId)
    .orderBy('e.sale_starts_at')
    .orderBy('e.id')
    .execute();
  return rows.map(toAlert);
}

export interface NewAlert {
  eventId: string;
  userId: string;
  email: string;
  name: string;
}

/**
 * The buyer's alert for the event, unless they already have `limit` alerts: `created`, `exists`
 * (its address and name brought up to date) or `limit`. A buyer's alerts are counted and added
 * under a lock of their own, so taps at once on several events never pass the limit.
 */
export async function addAlert(
  db: Db,
  alert: NewAlert,
  now: Date,
  limit: number,
): Promise<'created' | 'exists' | 'limit'> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`sale_alerts:${alert.userId}`}))`.execute(trx);
    const { rows } = await sql<{ created: boolean }>`
      insert into ${sql.table('ticket.sale_alerts')} (id, event_id, user_id, user_email, user_name, created_at)
      select ${newId('alrt')}, ${alert.eventId}, ${alert.userId}, ${alert.email}, ${alert.name}, ${now}
      where (select count(*) from ${sql.table('ticket.sale_alerts')} where user_id = ${alert.userId}) < ${limit}
      on conflict (event_id, user_id) do update
        set user_email = excluded.user_email, user_name = excluded.user_name
      returning (xmax = 0) as created`.execute(trx);
    if (rows[0]) return rows[0].created ? 'created' : 'exists';
    // At the limit: an alert this buyer already has for this event still counts as theirs.
    const existing = await trx
      .selectFrom('sale_alerts')
      .select('id')
      .where('event_id', '=', alert.eventId)
      .where('user_id', '=', alert.userId)
      .executeTakeFirst();
    return existing ? 'exists' : 'limit';
  });
}

/** Removes the alert and any mail of it not yet sent; true when there was one. */
export async function removeAlert(db: Db, eventId: string, userId: string): Promise<boolean> {
  return (await deleteAlerts(db, 'sale_alerts', sql`event_id = ${eventId} and user_id = ${userId}`)) > 0;
}

/** Every alert of a closed account goes, with its unsent mail. */
export async function forgetAlertsOf(db: Db, userId: string): Promise<number> {
  return deleteAlerts(db, 'sale_alerts', sql`user_id = ${userId}`);
}

/** Deletes the alerts that match and, in the same statement, their mail not sent yet. */
export async function deleteAlerts(
  db: Db,
  table: 'sale_alerts' | 'return_alerts',
  which: RawBuilder<unknown>,
): Promise<number> {
  const { rows } = await sql<{ id: string }>`
    with gone as (
      delete from ${sql.table(`ticket.${table}`)} where ${which} returning id
    ), unsent as (
      delete from ${sql.table('ticket.booking_mails')}
      where alert_id in (select id from gone) and status = 'pending'
    )
    select id from gone`.execute(db);
  return rows.length;
}

/**
 * Owes a mail to every alert of a scheduled event whose sale opens within `leadMs`, once per
 * alert and opening time: an opening moved later is announced again. At most `limit` at a time;
 * returns how many it owed.
 */
export async function oweSaleAlerts(db: Db, now: Date, leadMs: number, limit = 500): Promise<number> {
  const due = await db
    .selectFrom('sale_alerts as a')
    .innerJoin('events as e', 'e.id', 'a.event_id')
    .leftJoin('booking_mails as m', (join) =>
      join.onRef('m.alert_id', '=', 'a.id').onRef('m.sale_starts_at', '=', 'e.sale_starts_at'),
    )
    // As text: a Date would drop the microseconds the join above compares.
    .select(['a.id', sql<string>`e.sale_starts_at::text`.as('opens')])
    .where('e.status', '=', 'scheduled')
    .where('e.sale_starts_at', '>', now)
    .where('e.sale_starts_at', '<=', new Date(now.getTime() + leadMs))
    .where('m.id', 'is', null)
    .limit(limit)
    .execute();
  return owe(
    db,
    due.map((r) => ({
      factId: `sale-open:${r.id}:${r.opens}`,
      kind: 'sale_open' as const,
      alertId: r.id as string,
      saleStartsAt: r.opens,
    })),
    now,
  );
}

export interface SaleAlertForMail {
  email: string;
  name: string;
  event: AlertableEvent;
}

export async function saleAlertForMail(db: Db, alertId: string): Promise<SaleAlertForMail | undefined> {
  const row = await db
    .selectFrom('sale_alerts as a')
    .innerJoin('events as e', 'e.id', 'a.event_id')
    .select([...EVENT_COLUMNS, 'a.user_email', 'a.user_name'])
    .where('a.id', '=', alertId)
    .executeTakeFirst();
  return row && { email: row.user_email, name: row.user_name, event: toEvent(row) };
}

/** Alerts that have done their work: the sale opened before `before`, or the event was called off. */
export async function pruneAlerts(db: Db, before: Date): Promise<number> {
  const r = await db
    .deleteFrom('sale_alerts')
    .where(
      'event_id',
      'in',
      db
        .selectFrom('events')
        .select('id')
        .where((w) => w.or([w('sale_starts_at', '<', before), w('status', '=', 'cancelled')])),
    )
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** How many buyers asked for the event's alert, and how many were mailed for its present opening. */
export async function alertFigures(db: Db, eventId: string): Promise<{ asked: number; mailed: number }> {
  const row = await alerts(db)
    .clearSelect()
    .select((eb) => [eb.fn.countAll<string>().as('asked'), eb.fn.count<string>('m.id').as('mailed')])
    .where('a.event_id', '=', eventId)
    .executeTakeFirstOrThrow();
  return { asked: Number(row.asked), mailed: Number(row.mailed) };
}
