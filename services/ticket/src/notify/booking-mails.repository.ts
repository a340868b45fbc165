import { sql, type Kysely } from 'kysely';
import { newId } from '@tiketi/platform';

type Db = Kysely<any>;

export type BookingMailKind =
  'confirmed' | 'refunded' | 'reminder' | 'sale_open' | 'changed' | 'seats_back' | 'announcement';

/**
 * Lower goes first: a buyer waiting on a payment's or a refund's word before the mail an event
 * sends to all its buyers at once (a change of time or place, a sale's alerts due before it opens),
 * and those before the reminders.
 */
export const MAIL_PRIORITY: Record<BookingMailKind, number> = {
  confirmed: 0,
  refunded: 0,
  changed: 1,
  // The organiser's word to an event's buyers ("gates open late") goes before reminders.
  announcement: 1,
  sale_open: 1,
  // Seats that came back go to whoever books first: this one is worth nothing late.
  seats_back: 1,
  reminder: 2,
};

/** What an event was before a change of time or place (a `changed` mail's details). */
export interface EventBefore {
  startsAt: string;
  venueName: string;
}

export type OwedMail =
  | {
      factId: string;
      reservationId: string;
      kind: 'confirmed' | 'refunded' | 'reminder' | 'changed' | 'announcement';
      refundAmount?: number;
      refundSeatIds?: string[];
      before?: EventBefore;
      announcementId?: string;
    }
  | {
      factId: string;
      kind: 'sale_open';
      alertId: string;
      /** The opening the alert is for, as PostgreSQL wrote it (to the microsecond). */
      saleStartsAt: string;
    }
  | { factId: string; kind: 'seats_back'; alertId: string };

export interface ClaimedMail {
  id: string;
  factId: string;
  kind: BookingMailKind;
  attempts: number;
  reservationId?: string;
  refundAmount?: number;
  refundSeatIds?: string[];
  alertId?: string;
  saleStartsAt?: Date;
  before?: EventBefore;
  announcementId?: string;
}

/** Records mail owed for these facts; a fact already recorded adds nothing. */
export async function owe(db: Db, mails: OwedMail[], now: Date): Promise<number> {
  if (mails.length === 0) return 0;
  const inserted = await db
    .insertInto('booking_mails')
    .values(
      mails.map((m) => ({
        id: newId('mail'),
        fact_id: m.factId,
        kind: m.kind,
        priority: MAIL_PRIORITY[m.kind],
        ...(m.kind === 'sale_open' || m.kind === 'seats_back'
          ? {
              reservation_id: null,
              alert_id: m.alertId,
              sale_starts_at: m.kind === 'sale_open' ? sql`${m.saleStartsAt}::timestamptz` : null,
              refund_amount: null,
              refund_seat_ids: null,
              details: null,
            }
          : {
              reservation_id: m.reservationId,
              alert_id: null,
              sale_starts_at: null,
              refund_amount: m.refundAmount ?? null,
              refund_seat_ids: m.refundSeatIds ? JSON.stringify(m.refundSeatIds) : null,
              details: m.before
                ? JSON.stringify(m.before)
                : m.announcementId
                  ? JSON.stringify({ announcementId: m.announcementId })
                  : null,
            }),
        next_attempt_at: now,
        created_at: now,
      })),
    )
    .onConflict((oc) => oc.column('fact_id').doNothing())
    .returning('id')
    .execute();
  return inserted.length;
}

/**
 * Takes up to `limit` due mails for `leaseMs`, most urgent kind first and then oldest first,
 * counting the attempt: of two workers
 * (replicas) sweeping at once each mail goes to one, and a worker that dies mid-send leaves its
 * mails to be taken again once the lease runs out.
 */
export async function claimDue(db: Db, now: Date, leaseMs: number, limit: number): Promise<ClaimedMail[]> {
  const until = new Date(now.getTime() + leaseMs);
  const rows = await db
    .updateTable('booking_mails')
    .set((eb) => ({ claimed_until: until, attempts: eb('attempts', '+', 1) }))
    .where(
      'id',
      'in',
      db
        .selectFrom('booking_mails')
        .select('id')
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
        .orderBy('priority')
        .orderBy('next_attempt_at')
        .limit(limit)
        .forUpdate()
        .skipLocked(),
    )
    .returning([
      'id',
      'fact_id',
      'reservation_id',
      'kind',
      'refund_amount',
      'refund_seat_ids',
      'attempts',
      'alert_id',
      'sale_starts_at',
      'priority',
      'next_attempt_at',
      'details',
    ])
    .execute();
  // In the order they were chosen: RETURNING keeps none.
  rows.sort(
    (a, b) =>
      a.priority - b.priority ||
      new Date(a.next_attempt_at).getTime() - new Date(b.next_attempt_at).getTime(),
  );
  return rows.map((r) => {
    const details = (typeof r.details === 'string' ? JSON.parse(r.details) : r.details) ?? undefined;
    return {
      id: r.id,
      factId: r.fact_id,
      reservationId: r.reservation_id ?? undefined,
      alertId: r.alert_id ?? undefined,
      saleStartsAt: r.sale_starts_at ? new Date(r.sale_starts_at) : undefined,
      before: r.kind === 'changed' ? details : undefined,
      announcementId: r.kind === 'announcement' ? details?.announcementId : undefined,
      kind: r.kind,
      refundAmount: r.refund_amount ?? undefined,
      refundSeatIds:
        (typeof r.refund_seat_ids === 'string' ? JSON.parse(r.refund_seat_ids) : r.refund_seat_ids) ??
        undefined,
      attempts: r.attempts,
    };
  });
}

export async function markSent(db: Db, id: string, now: Date): Promise<void> {
  await db
    .updateTable('booking_mails')
    .set({ status: 'sent', sent_at: now, claimed_until: null, last_error: null })
    .where('id', '=', id)
    .execute();
}

/** Another try at `retryAt`, or given up (`retryAt` null) after the last attempt. */
export async function markRefused(db: Db, id: string, error: string, retryAt: Date | null): Promise<void> {
  await db
    .updateTable('booking_mails')
    .set({
      status: retryAt ? 'pending' : 'failed',
      next_attempt_at: retryAt ?? sql`next_attempt_at`,
      claimed_until: null,
      last_error: error.slice(0, 500),
    })
    .where('id', '=', id)
    .execute();
}

/** Sent mails older than `before` go: the record of a sale is the reservation, not its mail. */
export async function pruneSent(db: Db, before: Date): Promise<number> {
  const r = await db
    .deleteFrom('booking_mails')
    .where('status', '=', 'sent')
    .where('sent_at', '<', before)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** What a booking mail says: the buyer as booked, the event, and the booking's seats. */
export interface BookingForMail {
  id: string;
  userEmail: string;
  userName: string;
  amount: number;
  refundedAmount: number;
  status: string;
  eventTitle: string;
  eventStartsAt: Date;
  eventEndsAt: Date;
  /** 'cancelled' when the organiser called the event off (its refunds say so). */
  eventStatus: string;
  venueName: string;
  seats: Array<{ id: string; label: string; refunded: boolean }>;
}

export async function bookingForMail(db: Db, reservationId: string): Promise<BookingForMail | null> {
  const row = await db
    .selectFrom('reservations as r')
    .innerJoin('events as e', 'e.id', 'r.event_id')
    .select([
      'r.id',
      'r.user_email',
      'r.user_name',
      'r.amount',
      'r.refunded_amount',
      'r.status',
      'e.title',
      'e.starts_at',
      'e.ends_at',
      'e.status as event_status',
      'e.venue_name',
    ])
    .where('r.id', '=', reservationId)
    .executeTakeFirst();
  if (!row) return null;
  const seats = await db
    .selectFrom('reservation_seats')
    .select(['seat_id', 'label', 'refunded'])
    .where('reservation_id', '=', reservationId)
    .orderBy('seat_id')
    .execute();
  return {
    id: row.id,
    userEmail: row.user_email,
    userName: row.user_name,
    amount: row.amount,
    refundedAmount: row.refunded_amount,
    status: row.status,
    eventTitle: row.title,
    eventStartsAt: new Date(row.starts_at),
    eventEndsAt: new Date(row.ends_at),
    eventStatus: row.event_status,
    venueName: row.venue_name,
    seats: seats.map((s) => ({ id: s.seat_id, label: s.label, refunded: Boolean(s.refunded) })),
  };
}

export interface BookingMailRow {
  id: string;
  kind: Exclude<BookingMailKind, 'sale_open' | 'seats_back'>;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  createdAt: Date;
  sentAt: Date | null;
  nextAttemptAt: Date;
  lastError: string | null;
}

/** A booking's mails, newest first (the operator's view). */
export async function mailsOf(db: Db, reservationId: string): Promise<BookingMailRow[]> {
  const rows = await db
    .selectFrom('booking_mails')
    .select(['id', 'kind', 'status', 'attempts', 'created_at', 'sent_at', 'next_attempt_at', 'last_error'])
    .where('reservation_id', '=', reservationId)
    .orderBy('id', 'desc')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    status: r.status,
    attempts: r.attempts,
    createdAt: new Date(r.created_at),
    sentAt: r.sent_at ? new Date(r.sent_at) : null,
    nextAttemptAt: new Date(r.next_attempt_at),
    lastError: r.last_error,
  }));
}

/** Mail due now and not yet sent, by kind: how many, and since when the oldest has waited. */
export async function dueByKind(
  db: Db,
  now: Date,
): Promise<Array<{ kind: BookingMailKind; count: number; oldest: Date }>> {
  const rows = await db
    .selectFrom('booking_mails')
    .select((eb) => ['kind', eb.fn.countAll<string>().as('count'), eb.fn.min('next_attempt_at').as('oldest')])
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .groupBy('kind')
    .execute();
  return rows.map((r) => ({ kind: r.kind, count: Number(r.count), oldest: new Date(r.oldest) }));
}
