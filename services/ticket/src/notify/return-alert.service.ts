import { AppError, type AuthUser, type ServiceContext } from '@tiketi/platform';
import type { TicketConfig } from '../ticket.config';
import * as repo from './return-alerts.repository';

export interface ReturnAlertView {
  eventId: string;
  title: string;
  eventStatus: string;
  startsAt: string;
  venueName: string;
  createdAt: string;
  /** When the mail saying seats came back was sent; null until then (it is sent once). */
  mailedAt: string | null;
}

const view = (a: repo.ReturnAlertRow): ReturnAlertView => ({
  eventId: a.event.id,
  title: a.event.title,
  eventStatus: a.event.status,
  startsAt: a.event.startsAt.toISOString(),
  venueName: a.event.venueName,
  createdAt: a.createdAt.toISOString(),
  mailedAt: a.mailedAt?.toISOString() ?? null,
});

/**
 * Seat-return alerts ("취소표 알림"): on a sold-out event a buyer asks to be mailed when seats come
 * back (a refund, a hold that ran out). The mail goes once, while seats are there; the booking-mail
 * worker sends it. At most SALE_ALERTS_PER_USER of them per buyer, counted apart from sale alerts.
 */
export class ReturnAlertService {
  constructor(private readonly ctx: ServiceContext<TicketConfig>) {}

  async add(user: AuthUser, eventId: string): Promise<{ alert: ReturnAlertView; created: boolean }> {
    const { db, clock, config } = this.ctx;
    const event = await repo.eventForAlert(db, eventId);
    if (!event || event.status === 'draft') throw AppError.notFound('EVENT_NOT_FOUND', 'Event not found');
    const status = { status: event.status };
    if (event.status === 'cancelled')
      throw AppError.conflict('EVENT_CANCELLED', 'This event was cancelled', status);
    if (event.status === 'scheduled')
      throw AppError.conflict(
        'SALE_NOT_OPEN',
        'The sale has not opened: ask for the sale alert instead',
        status,
      );
    if (event.status === 'on_sale')
      throw AppError.conflict('SEATS_AVAILABLE', 'Seats of this event are on sale now', status);
    if (event.status !== 'sold_out')
      throw AppError.conflict('SALE_CLOSED', 'The sale of this event is over', status);
    if (!user.email) throw AppError.unprocessable('ADDRESS_REQUIRED', 'This account has no address to mail');
    const outcome = await repo.addReturnAlert(
      db,
      { eventId, userId: user.id, email: user.email, name: user.name ?? '' },
      clock.now(),
      config.SALE_ALERTS_PER_USER,
    );
    if (outcome === 'limit')
      throw AppError.conflict(
        'TOO_MANY_ALERTS',
        `At most ${config.SALE_ALERTS_PER_USER} seat-return alerts at once`,
        {
          limit: config.SALE_ALERTS_PER_USER,
        },
      );
    return { alert: view((await repo.returnAlertOf(db, eventId, user.id))!), created: outcome === 'created' };
  }

  async remove(user: AuthUser, eventId: string): Promise<void> {
    await repo.removeReturnAlerts(this.ctx.db, { eventId, userId: user.id });
  }

  async get(user: AuthUser, eventId: string): Promise<ReturnAlertView | null> {
    const alert = await repo.returnAlertOf(this.ctx.db, eventId, user.id);
    return alert ? view(alert) : null;
  }

  async list(user: AuthUser): Promise<ReturnAlertView[]> {
    return (await repo.returnAlertsOf(this.ctx.db, user.id)).map(view);
  }

  async count(eventId: string): Promise<number> {
    return repo.returnAlertCount(this.ctx.db, eventId);
  }
}
