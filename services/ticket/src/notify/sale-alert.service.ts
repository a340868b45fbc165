import { AppError, type AuthUser, type ServiceContext } from '@tiketi/platform';
import type { TicketConfig } from '../ticket.config';
import * as repo from './sale-alerts.repository';
import { returnAlertCount } from './return-alerts.repository';

export interface SaleAlertView {
  eventId: string;
  title: string;
  eventStatus: string;
  saleStartsAt: string;
  startsAt: string;
  venueName: string;
  createdAt: string;
  /** When the alert for the sale's present opening time was mailed; null until then. */
  mailedAt: string | null;
  /** How long before the opening the mail goes. */
  leadMinutes: number;
}

const view = (a: repo.SaleAlertRow, leadMinutes: number): SaleAlertView => ({
  eventId: a.event.id,
  title: a.event.title,
  eventStatus: a.event.status,
  saleStartsAt: a.event.saleStartsAt.toISOString(),
  startsAt: a.event.startsAt.toISOString(),
  venueName: a.event.venueName,
  createdAt: a.createdAt.toISOString(),
  mailedAt: a.mailedAt?.toISOString() ?? null,
  leadMinutes,
});

/**
 * Sale-opening alerts: a buyer asks, on an event whose sale has not opened, to be mailed before it
 * does (`SALE_ALERT_LEAD_MINUTES`). The mail itself is the booking-mail worker's.
 */
export class SaleAlertService {
  constructor(
    private readonly ctx: ServiceContext<TicketConfig>,
    /** Tells the mail worker to look for alerts due now (one asked inside the lead time). */
    private readonly alertsChanged: () => void,
  ) {}

  private view(alert: repo.SaleAlertRow): SaleAlertView {
    return view(alert, this.ctx.config.SALE_ALERT_LEAD_MINUTES);
  }

  async add(user: AuthUser, eventId: string): Promise<{ alert: SaleAlertView; created: boolean }> {
    const { db, clock, config } = this.ctx;
    const event = await repo.eventForAlert(db, eventId);
    if (!event || event.status === 'draft') throw AppError.notFound('EVENT_NOT_FOUND', 'Event not found');
    if (event.status === 'cancelled') throw AppError.conflict('EVENT_CANCELLED', 'This event was cancelled');
    if (event.status !== 'scheduled' || event.saleStartsAt <= clock.now()) {
      throw AppError.conflict('SALE_ALREADY_OPEN', 'The sale of this event has already opened', {
        status: event.status,
        saleStartsAt: event.saleStartsAt.toISOString(),
      });
    }
    if (!user.email) throw AppError.unprocessable('ADDRESS_REQUIRED', 'This account has no address to mail');
    const outcome = await repo.addAlert(
      db,
      { eventId, userId: user.id, email: user.email, name: user.name ?? '' },
      clock.now(),
      config.SALE_ALERTS_PER_USER,
    );
    if (outcome === 'limit') {
      throw AppError.conflict(
        'TOO_MANY_ALERTS',
        `At most ${config.SALE_ALERTS_PER_USER} sale alerts at once`,
        {
          limit: config.SALE_ALERTS_PER_USER,
        },
      );
    }
    if (event.saleStartsAt.getTime() - clock.now().getTime() <= config.SALE_ALERT_LEAD_MINUTES * 60_000)
      this.alertsChanged();
    return { alert: this.view((await repo.alertOf(db, eventId, user.id))!), created: outcome === 'created' };
  }

  async remove(user: AuthUser, eventId: string): Promise<void> {
    await repo.removeAlert(this.ctx.db, eventId, user.id);
  }

  async get(user: AuthUser, eventId: string): Promise<SaleAlertView | null> {
    const alert = await repo.alertOf(this.ctx.db, eventId, user.id);
    return alert ? this.view(alert) : null;
  }

  /**
   * The operator's view: how many buyers are waiting to hear of the sale, and of seats coming back
   * once it sold out (a measure of demand).
   */
  async figures(
    eventId: string,
  ): Promise<{ asked: number; mailed: number; leadMinutes: number; waitingForReturns: number }> {
    const event = await repo.eventForAlert(this.ctx.db, eventId);
    if (!event) throw AppError.notFound('EVENT_NOT_FOUND', 'Event not found');
    return {
      ...(await repo.alertFigures(this.ctx.db, eventId)),
      leadMinutes: this.ctx.config.SALE_ALERT_LEAD_MINUTES,
      waitingForReturns: await returnAlertCount(this.ctx.db, eventId),
    };
  }

  async list(user: AuthUser): Promise<SaleAlertView[]> {
    return (await repo.alertsOf(this.ctx.db, user.id)).map((a) => this.view(a));
  }
}
