import { sql, type Kysely } from 'kysely';
import { owe } from './booking-mails.repository';
import { paidBookingPages } from './owed-mails.repository';

type Db = Kysely<any>;

export interface AnnouncementRow {
  id: string;
  eventId: string;
  subject: string;
  message: string;
  recipients: number;
  createdAt: Date;
  /** Mails of it sent so far. */
  mailed: number;
}

/**
 * Keeps the notice and owes it to every paid booking of the event, once per booking (its fact id
 * is the notice's and the booking's), in pages; in the caller's transaction, so a notice is owed
 * to all its buyers or to none. Returns how many bookings it was owed to.
 */
export async function announce(
  db: Db,
  a: { id: string; eventId: string; subject: string; message: string; actorId: string },
  now: Date,
): Promise<number> {
  let owed = 0;
  for await (const page of paidBookingPages(db, a.eventId)) {
    owed += await owe(
      db,
      page.map((id) => ({
        factId: `announcement:${a.id}:${id}`,
        reservationId: id,
        kind: 'announcement' as const,
        announcementId: a.id,
      })),
      now,
    );
  }
  await db
    .insertInto('event_announcements')
    .values({
      id: a.id,
      event_id: a.eventId,
      subject: a.subject,
      message: a.message,
      actor_id: a.actorId,
      recipients: owed,
      created_at: now,
    })
    .execute();
  return owed;
}

/** What a notice needs of its event: whether it is over (cancelled, or past its end). */
export async function noticeEvent(
  db: Db,
  eventId: string,
): Promise<{ status: string; endsAt: Date } | undefined> {
  const row = await db
    .selectFrom('events')
    .select(['status', 'ends_at'])
    .where('id', '=', eventId)
    .executeTakeFirst();
  return row && { status: row.status as string, endsAt: new Date(row.ends_at as string) };
}

export async function announcementById(
  db: Db,
  id: string,
): Promise<{ subject: string; message: string } | undefined> {
  return (await db
    .selectFrom('event_announcements')
    .select(['subject', 'message'])
    .where('id', '=', id)
    .executeTakeFirst()) as { subject: string; message: string } | undefined;
}

/** An event's notices, the newest first, with how many of their mails went out. */
export async function announcementsOf(db: Db, eventId: string): Promise<AnnouncementRow[]> {
  const rows = await db
    .selectFrom('event_announcements as a')
    .select(['a.id', 'a.event_id', 'a.subject', 'a.message', 'a.recipients', 'a.created_at'])
    .select((eb) =>
      eb
        .selectFrom('booking_mails as m')
        .select(eb.fn.countAll<string>().as('n'))
        .where('m.kind', '=', 'announcement')
        .where('m.status', '=', 'sent')
        .where(sql<string>`m.details->>'announcementId'`, '=', eb.ref('a.id'))
        .as('mailed'),
    )
    .where('a.event_id', '=', eventId)
    .orderBy('a.created_at', 'desc')
    .execute();
  return rows.map((r) => ({
    id: r.id as string,
    eventId: r.event_id as string,
    subject: r.subject as string,
    message: r.message as string,
    recipients: Number(r.recipients),
    createdAt: new Date(r.created_at as string),
    mailed: Number(r.mailed ?? 0),
  }));
}
