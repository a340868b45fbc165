import type { EventEnvelope, MailMessage, Mailer, ServiceContext } from '@tiketi/platform';
import { EventTypes, type EventDataByType } from '@tiketi/contracts';
import type { TicketConfig } from '../ticket.config';
import {
  changedMail,
  confirmedMail,
  refundedMail,
  reminderMail,
  saleOpenMail,
  seatsBackMail,
} from './booking-mail';
import { forgetClosedAccount } from './closed-accounts.consumer';
import { mailMetrics } from './mail.metrics';
import { oweEventChanged, oweReminders } from './owed-mails.repository';
import * as repo from './booking-mails.repository';
import * as alerts from './sale-alerts.repository';
import { oweReturnAlerts, pruneReturnAlerts, returnAlertForMail } from './return-alerts.repository';
import { announcementMail } from './announcement.mail';
import { announcementById } from './announcements.repository';

export const BOOKING_MAIL_GROUP = 'ticket.booking-mail';
const LEASE_MS = 60_000;
/** Tries over about four hours (30 s doubling, at most an hour apart) before a mail is given up. */
const MAX_ATTEMPTS = 8;
const SENT_KEPT_MS = 30 * 86_400_000;
/** How often paid bookings of events coming up are looked for (reminders are owed once each). */
const REMINDER_SCAN_MS = 5 * 60_000;
const PAID = new Set(['confirmed', 'partially_refunded']);
/** How often alerts of sales opening soon are looked for (each is owed once per opening time). */
const ALERT_SCAN_MS = 60_000;
/** An alert is kept a day past its sale's opening (the buyer's list shows it was mailed). */
const ALERT_KEPT_MS = 86_400_000;
/** Events whose alerts are still worth sending: before the sale, or late while it is on. */
const ALERTABLE = new Set(['scheduled', 'on_sale']);
/** Events whose returned seats can still be booked (sold_out may be a moment stale). */
const SELLING = new Set(['on_sale', 'sold_out']);

export function retryDelayMs(attempts: number): number {
  return Math.min(3_600_000, 30_000 * 2 ** Math.max(0, attempts - 1));
}

export interface BookingMailWorker {
  /** Sends every mail due now; returns how many went out. */
  sweep(): Promise<number>;
  /** An alert was asked for: the next sweep looks for alerts due at once, not within the minute. */
  alertsChanged(): void;
  stop(): Promise<void>;
}

const workers = new WeakMap<ServiceContext<any>, BookingMailWorker>();

/** The mail worker of one ticket-service instance (tests). */
export function bookingMailWorker(ctx: ServiceContext<any>): BookingMailWorker {
  const worker = workers.get(ctx);
  if (!worker) throw new Error('the notify area has not started on this service');
  return worker;
}

function owedFor(event: EventEnvelope): repo.OwedMail {
  if (event.type === EventTypes.reservationConfirmed) {
    const data = event.data as EventDataByType['reservation.confirmed'];
    return { factId: event.id, reservationId: data.reservationId, kind: 'confirmed' };
  }
  const data = event.data as EventDataByType['reservation.refunded'];
  return {
    factId: event.id,
    reservationId: data.reservationId,
    kind: 'refunded',
    refundAmount: data.amount,
    refundSeatIds: data.seatIds ?? [],
  };
}

/**
 * Mails buyers when a booking is paid, when money goes back, and before the event. Facts from the bus become rows of
 * `booking_mails` (one per fact, however often it arrives); this worker sends the rows that are
 * due, each from the booking as it is when sent, and gives a refused one another try later. A
 * mail relay that is down delays mail, never the bus or the sale.
 */
export async function startBookingMailWorker(
  ctx: ServiceContext<TicketConfig>,
  mailer: Mailer,
  intervalMs = 5_000,
): Promise<BookingMailWorker> {
  // Relays cap senders (a few to a few tens a second), and a sell-out's thousands of confirmations
  // would otherwise be composed in the seconds the sale needs the CPU most: sent at this pace
  // instead, the last of them goes out minutes later.
  const spacingMs = 1000 / ctx.config.BOOKING_MAIL_PER_SECOND;
  // A claimed batch is sent within half its lease at this pace: no other replica takes it meanwhile.
  const batch = Math.max(
    1,
    Math.min(20, Math.floor((ctx.config.BOOKING_MAIL_PER_SECOND * LEASE_MS) / 2_000)),
  );
  let lastSendAt = 0;
  const paced = async () => {
    const wait = lastSendAt + spacingMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    lastSendAt = performance.now();
  };
  const outcomes = mailMetrics(ctx);
  let stopped = false;
  let running: Promise<number> | null = null;
  let lastPruneAt = 0;

  const skip = async (mail: repo.ClaimedMail, result: 'no_address' | 'skipped', why: string) => {
    outcomes.inc({ kind: mail.kind, result });
    await repo.markRefused(ctx.db, mail.id, why, null);
  };

  /** The message as things are now, or null once it has been recorded as not to be sent. */
  const messageFor = async (mail: repo.ClaimedMail, now: Date): Promise<MailMessage | null> => {
    const web = ctx.config.PUBLIC_WEB_URL;
    if (mail.kind === 'sale_open') {
      const alert = await alerts.saleAlertForMail(ctx.db, mail.alertId!);
      if (
        !alert ||
        !ALERTABLE.has(alert.event.status) ||
        alert.event.saleStartsAt.getTime() !== mail.saleStartsAt!.getTime()
      ) {
        // Withdrawn, called off, sold out or moved since it was owed (a moved opening is owed anew).
        await skip(mail, 'skipped', 'not sent: the alert or its event changed');
        return null;
      }
      return saleOpenMail(alert, web, now);
    }
    if (mail.kind === 'seats_back') {
      const alert = await returnAlertForMail(ctx.db, mail.alertId!);
      if (!alert || !SELLING.has(alert.event.status) || alert.available === 0) {
        // Withdrawn, over, or the seats went again before this mail's turn: the next return owes it anew.
        await skip(mail, 'skipped', 'not sent: no seat to be had now');
        return null;
      }
      return seatsBackMail(alert, web, now);
    }
    const booking = await repo.bookingForMail(ctx.db, mail.reservationId!);
    if (!booking?.userEmail) {
      await skip(mail, 'no_address', 'the booking has no address to mail');
      return null;
    }
    // A reminder or a change is news only before the show; a notice is until it ends ("the second
    // half starts late").
    const newsUntil = mail.kind === 'announcement' ? booking.eventEndsAt : booking.eventStartsAt;
    if (
      (mail.kind === 'reminder' || mail.kind === 'changed' || mail.kind === 'announcement') &&
      (!PAID.has(booking.status) || booking.eventStatus === 'cancelled' || newsUntil <= now)
    ) {
      // Refunded, called off or over since it was owed: nothing to tell.
      await skip(mail, 'skipped', 'not sent: the booking or its event changed');
      return null;
    }
    if (mail.kind === 'confirmed') return confirmedMail(booking, web);
    if (mail.kind === 'reminder') return reminderMail(booking, web);
    if (mail.kind === 'changed') return changedMail(booking, mail.before!, web);
    if (mail.kind === 'announcement') {
      const notice = await announcementById(ctx.db, mail.announcementId!);
      if (notice) return announcementMail(booking, notice, web);
      await skip(mail, 'skipped', 'not sent: the notice is gone');
      return null;
    }
    return refundedMail(booking, { amount: mail.refundAmount ?? 0, seatIds: mail.refundSeatIds ?? [] }, web);
  };

  const send = async (mail: repo.ClaimedMail): Promise<boolean> => {
    // A mail not to be sent is settled without a slot (a crowd's seat-return mails, the seats gone
    // again, would spend minutes of the relay's pace on nothing); one to be sent is composed again
    // once its slot comes: composed first, it would go out as things were a pace ago.
    if (!(await messageFor(mail, ctx.clock.now()))) return false;
    await paced();
    const now = ctx.clock.now();
    const message = await messageFor(mail, now);
    if (!message) return false;
    try {
      await mailer.send(message);
    } catch (err) {
      const last = mail.attempts >= MAX_ATTEMPTS;
      outcomes.inc({ kind: mail.kind, result: last ? 'failed' : 'retry' });
      const retryAt = last ? null : new Date(now.getTime() + retryDelayMs(mail.attempts));
      await repo.markRefused(ctx.db, mail.id, (err as Error).message ?? String(err), retryAt);
      ctx.log.warn(
        { err: (err as Error).message, mailId: mail.id, attempts: mail.attempts, retryAt },
        last ? 'booking mail given up' : 'booking mail refused; will try again',
      );
      return false;
    }
    await repo.markSent(ctx.db, mail.id, ctx.clock.now());
    outcomes.inc({ kind: mail.kind, result: 'sent' });
    return true;
  };

  const reminderWindowMs = ctx.config.BOOKING_REMINDER_HOURS * 3_600_000;
  let lastReminderScanAt = Number.NEGATIVE_INFINITY;
  const alertLeadMs = ctx.config.SALE_ALERT_LEAD_MINUTES * 60_000;
  let lastAlertScanAt = Number.NEGATIVE_INFINITY;
  let alertsAsked = false;
  const sweepOnce = async (): Promise<number> => {
    let sent = 0;
    const scanAt = ctx.clock.now();
    if (reminderWindowMs > 0 && scanAt.getTime() - lastReminderScanAt >= REMINDER_SCAN_MS) {
      lastReminderScanAt = scanAt.getTime();
      // A big event's thousands of bookings are owed in pages, all in this scan.
      while ((await oweReminders(ctx.db, scanAt, reminderWindowMs)) > 0 && !stopped);
    }
    if (alertsAsked || scanAt.getTime() - lastAlertScanAt >= ALERT_SCAN_MS) {
      alertsAsked = false;
      lastAlertScanAt = scanAt.getTime();
      while ((await alerts.oweSaleAlerts(ctx.db, scanAt, alertLeadMs)) > 0 && !stopped);
    }
    for (;;) {
      const due = await repo.claimDue(ctx.db, ctx.clock.now(), LEASE_MS, batch);
      for (const mail of due) if (!stopped && (await send(mail))) sent += 1;
      if (due.length < batch || stopped) break;
    }
    const now = ctx.clock.now().getTime();
    if (now - lastPruneAt > 3_600_000) {
      lastPruneAt = now;
      await repo.pruneSent(ctx.db, new Date(now - SENT_KEPT_MS));
      await alerts.pruneAlerts(ctx.db, new Date(now - ALERT_KEPT_MS));
      await pruneReturnAlerts(ctx.db, new Date(now - ALERT_KEPT_MS));
    }
    return sent;
  };

  // One sweep at a time; asked for during a sweep, one more runs after it (and the caller gets that one).
  let queued: Promise<number> | null = null;
  const sweep = (): Promise<number> => {
    if (running) {
      queued ??= running.then(() => {
        queued = null;
        return sweep();
      });
      return queued;
    }
    running = sweepOnce()
      .catch((err: unknown) => {
        ctx.log.error({ err }, 'booking mail sweep failed');
        return 0;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };

  const timer = setInterval(() => void sweep(), intervalMs);
  timer.unref();
  // One group for every fact the notify area takes: each group reads the whole stream (a sale's
  // thousands of holds included), so another group would read it all again.
  const unsubscribe = await ctx.bus.subscribeBatch(
    {
      group: BOOKING_MAIL_GROUP,
      types: [
        EventTypes.reservationConfirmed,
        EventTypes.reservationRefunded,
        EventTypes.eventUpdated,
        EventTypes.userDeleted,
      ],
    },
    async (events) => {
      const now = ctx.clock.now();
      const bookings = events.filter(
        (e) => e.type === EventTypes.reservationConfirmed || e.type === EventTypes.reservationRefunded,
      );
      let owed = await repo.owe(ctx.db, bookings.map(owedFor), now);
      for (const e of events) {
        if (e.type === EventTypes.userDeleted) {
          await forgetClosedAccount(ctx, (e.data as EventDataByType['user.deleted']).userId);
          continue;
        }
        const data = e.data as EventDataByType['event.updated'];
        if (e.type === EventTypes.eventUpdated && data.previously)
          owed += await oweEventChanged(
            ctx.db,
            { factId: e.id, eventId: data.eventId, before: data.previously },
            now,
          );
        // On sale again: seats came back (only a sold-out event has seat-return alerts).
        if (e.type === EventTypes.eventUpdated && data.status === 'on_sale')
          owed += await oweReturnAlerts(ctx.db, { factId: e.id, eventId: data.eventId }, now);
      }
      if (owed > 0) void sweep();
    },
  );

  const worker: BookingMailWorker = {
    sweep,
    alertsChanged() {
      alertsAsked = true;
      void sweep();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await unsubscribe().catch(() => undefined);
      await running?.catch(() => undefined);
    },
  };
  workers.set(ctx, worker);
  return worker;
}
