import { AppError, newId, type AuthUser, type ServiceContext } from '@tiketi/platform';
import type { TicketConfig } from '../ticket.config';
import { recordAudit } from '../catalogue/catalogue.events';
import * as repo from './announcements.repository';

export interface AnnouncementView {
  id: string;
  subject: string;
  message: string;
  /** Paid bookings it was owed to when sent. */
  recipients: number;
  /** Of those, mailed so far (the relay's pace spreads a big event's over minutes). */
  mailed: number;
  createdAt: string;
}

const view = (a: repo.AnnouncementRow): AnnouncementView => ({
  id: a.id,
  subject: a.subject,
  message: a.message,
  recipients: a.recipients,
  mailed: a.mailed,
  createdAt: a.createdAt.toISOString(),
});

/**
 * An operator's notice to everyone holding a paid booking of an event ("공지": gates open late,
 * bring ID): kept, audited, and mailed by the booking-mail worker to each booking once, in its
 * order of urgency (after confirmations and refunds, before reminders).
 */
export class AnnouncementService {
  constructor(
    private readonly ctx: ServiceContext<TicketConfig>,
    /** Tells the mail worker there is mail to send now. */
    private readonly mailOwed: () => void,
  ) {}

  async announce(
    actor: AuthUser,
    eventId: string,
    input: { subject: string; message: string },
  ): Promise<AnnouncementView> {
    const { db, clock } = this.ctx;
    const now = clock.now();
    const event = await repo.noticeEvent(db, eventId);
    if (!event || event.status === 'draft') throw AppError.notFound('EVENT_NOT_FOUND', 'Event not found');
    // A show under way still has an audience to tell ("the second half starts late"); one over has none.
    const status = event.endsAt <= now ? 'ended' : event.status;
    if (status === 'cancelled' || status === 'ended')
      throw AppError.conflict('EVENT_OVER', `A ${status} event's buyers are not sent notices`, { status });
    const subject = input.subject.trim();
    const message = input.message.trim();
    if (!subject || !message)
      throw AppError.invalid('NOTICE_EMPTY', 'A notice needs a subject and a message', {
        path: subject ? 'body.message' : 'body.subject',
      });
    const id = newId('ann');
    const recipients = await db.transaction().execute(async (trx) => {
      const owed = await repo.announce(trx, { id, eventId, subject, message, actorId: actor.id }, now);
      await recordAudit(trx, actor, 'event.announce', 'event', eventId, {
        after: { subject, recipients: owed },
      });
      return owed;
    });
    this.mailOwed();
    return view({ id, eventId, subject, message, recipients, createdAt: now, mailed: 0 });
  }

  async list(eventId: string): Promise<AnnouncementView[]> {
    const event = await repo.noticeEvent(this.ctx.db, eventId);
    if (!event) throw AppError.notFound('EVENT_NOT_FOUND', 'Event not found');
    return (await repo.announcementsOf(this.ctx.db, eventId)).map(view);
  }
}
