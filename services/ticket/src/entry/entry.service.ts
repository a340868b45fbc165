import { AppError, ServiceClient, type AuthUser, type ServiceContext } from '@tiketi/platform';
import type { TicketConfig } from '../ticket.config';
import { reservationNotFound as notFound } from '../booking/reservation.service';
import * as repo from './entry.repository';
import type { Attendance, CheckInResult } from './entry.schemas';
import { ADMITTING as VALID, normaliseEntryCode } from './entry.code';

/** What the payment service says of a refund (GET /internal/refunds/:id). */
interface RefundState {
  refund: { id: string; status: 'pending' | 'done' | 'failed' };
}

export class EntryService {
  private readonly payments: ServiceClient;

  readonly internalToken: string;

  constructor(private readonly ctx: ServiceContext<TicketConfig>) {
    this.internalToken = ctx.config.INTERNAL_TOKEN;
    this.payments = new ServiceClient(ctx.config.PAYMENT_URL, ctx.config.INTERNAL_TOKEN, 'payment');
  }

  /**
   * The payment service claims a reservation for a refund before it asks the provider (see
   * claimForRefund): 409 TICKET_USED when the gate got there first and the refund may not take a
   * used ticket.
   */
  async claimForRefund(reservationId: string, refundId: string, usedTicketOk: boolean): Promise<void> {
    const now = this.ctx.clock.now();
    if (await repo.claimForRefund(this.ctx.db, reservationId, refundId, usedTicketOk, now)) return;
    const row = await repo.entryById(this.ctx.db, reservationId);
    if (!row) throw notFound();
    throw AppError.conflict(
      'TICKET_USED',
      'This ticket was used at the entrance and can no longer be cancelled',
      {
        checkedInAt: row.checked_in_at?.toISOString() ?? null,
      },
    );
  }

  async releaseRefundClaim(reservationId: string, refundId: string): Promise<void> {
    await repo.releaseRefundClaim(this.ctx.db, reservationId, refundId);
  }

  /**
   * A claim whose refund failed (the provider refused it) and whose release never arrived must
   * not keep its holder out: ask payment, and end the claim when its refund is over without
   * money back. True when the claim was ended. A refund still under way, done but not yet
   * reported, or unknown because payment is unreachable keeps the gate closed.
   */
  private async endFailedClaim(reservationId: string, refundId: string): Promise<boolean> {
    let state: RefundState['refund']['status'] | 'unknown';
    try {
      state = (
        await this.payments.call<RefundState>(`/internal/refunds/${encodeURIComponent(refundId)}`, {
          timeoutMs: 2_000,
        })
      ).refund.status;
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'REFUND_NOT_FOUND') {
        this.ctx.log.warn(
          { err, reservationId, refundId },
          'refund claim left in place: payment did not say',
        );
        return false;
      }
      state = 'unknown';
    }
    if (state !== 'failed' && state !== 'unknown') return false;
    return repo.releaseRefundClaim(this.ctx.db, reservationId, refundId);
  }

  /** Paid tickets of an event and how many the gate has admitted (the gate page's counter). */
  async attendance(eventId: string): Promise<Attendance> {
    if (!(await repo.eventExists(this.ctx.db, eventId)))
      throw AppError.notFound('EVENT_NOT_FOUND', 'Event not found');
    return { eventId, ...(await repo.attendance(this.ctx.db, eventId)) };
  }

  /**
   * The gate: a valid pass (of the event the gate is for, when it names one) admits its seats
   * once: the booking's pass every seat not yet in, a seat's pass its seat. Every refusal says
   * why, so the staff can tell a used ticket from a refunded one.
   */
  async checkIn(actor: AuthUser, input: { code: string; eventId?: string }): Promise<CheckInResult> {
    const code = normaliseEntryCode(input.code);
    const now = this.ctx.clock.now();
    const found = await this.ticketFound(code);
    const target = {
      reservationId: found.row.id,
      seatId: found.seat?.seat_id,
      seatCode: found.seat ? code : undefined,
    };
    let admitted = await repo.checkIn(this.ctx.db, target, input.eventId, actor.id, now);
    let { row, seat } = admitted.length > 0 ? found : await this.ticketFound(code);
    const unused = async () =>
      seat
        ? seat.active && !seat.refunded && !seat.checked_in_at
        : (await repo.seatPasses(this.ctx.db, row.id)).some((s) => !s.checked_in_at);
    // Only a ticket the gate would admit but for its claim is worth asking payment about.
    const admissible = async () =>
      (!input.eventId || row.event_id === input.eventId) &&
      row.event_status !== 'cancelled' &&
      VALID.has(row.status) &&
      (await unused());
    if (admitted.length === 0 && row.refund_claim && (await admissible())) {
      if (await this.endFailedClaim(row.id, row.refund_claim)) {
        admitted = await repo.checkIn(this.ctx.db, target, input.eventId, actor.id, now);
        ({ row, seat } = await this.ticketFound(code));
      }
    }
    const event = { id: row.event_id, title: row.event_title, startsAt: row.event_starts_at.toISOString() };
    if (admitted.length === 0) {
      if (input.eventId && row.event_id !== input.eventId)
        throw AppError.conflict('WRONG_EVENT', `This ticket is for another event: ${row.event_title}`, {
          event,
        });
      if (row.event_status === 'cancelled')
        throw AppError.conflict('EVENT_CANCELLED', 'This event was cancelled: its tickets admit nobody', {
          status: row.status,
          event,
        });
      if (!VALID.has(row.status) || (seat && (!seat.active || seat.refunded)))
        throw AppError.conflict('TICKET_NOT_VALID', 'This ticket was cancelled or refunded', {
          status: seat && VALID.has(row.status) ? 'seat_refunded' : row.status,
          event,
        });
      if (row.refund_claim && (await unused()))
        throw AppError.conflict(
          'REFUND_IN_PROGRESS',
          'A refund of this ticket is under way: it does not admit',
          {
            status: row.status,
            event,
          },
        );
      throw AppError.conflict('ALREADY_CHECKED_IN', 'This ticket was already used', {
        checkedInAt: (seat ? seat.checked_in_at : row.checked_in_at)?.toISOString() ?? null,
        event,
      });
    }
    const labels = (await repo.seatPasses(this.ctx.db, row.id)).filter((s) => admitted.includes(s.seat_id));
    return {
      reservationId: row.id,
      holder: row.user_name,
      event,
      seats: labels.map((s) => s.label),
      checkedInAt: now.toISOString(),
    };
  }

  /**
   * The ticket a code is, or 404 TICKET_NOT_FOUND: also when a seat's code a scan looked up a
   * moment ago was reissued since (it is no ticket any more).
   */
  private async ticketFound(
    code: string,
  ): Promise<NonNullable<Awaited<ReturnType<EntryService['ticketOf']>>>> {
    const found = await this.ticketOf(code);
    if (!found) throw AppError.notFound('TICKET_NOT_FOUND', 'No ticket has this code');
    return found;
  }

  /** A code is a booking's pass or one seat's. */
  private async ticketOf(
    code: string,
  ): Promise<
    { row: repo.EntryRow; seat?: repo.SeatPassRow & { active: boolean; refunded: boolean } } | undefined
  > {
    const booking = await repo.entryByCode(this.ctx.db, code);
    if (booking) return { row: booking };
    const bySeat = await repo.entryBySeatCode(this.ctx.db, code);
    if (!bySeat) return undefined;
    const { seat, ...row } = bySeat;
    return { row, seat };
  }
}
