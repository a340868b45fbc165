import { AppError, type AuthUser, type ServiceContext } from '@tiketi/platform';
import type { TicketConfig } from '../ticket.config';
import { reservationNotFound as notFound } from '../booking/reservation.service';
import * as repo from './entry.repository';
import type { EntryPass, SeatPass } from './entry.schemas';
import { ADMITTING as VALID, newEntryCode, normaliseEntryCode } from './entry.code';

const eventOf = (row: repo.EntryRow) => ({
  id: row.event_id,
  title: row.event_title,
  startsAt: row.event_starts_at.toISOString(),
  venueName: row.venue_name,
});

/**
 * The passes a paid booking shows: the booking's own and each seat's, the page a companion opens
 * from a seat's link, and a seat's new code when its link went astray.
 */
export class PassService {
  constructor(private readonly ctx: ServiceContext<TicketConfig>) {}

  /**
   * The buyer's passes for a paid booking of an event that has not ended: the booking's code (it
   * admits every seat not yet in) and each seat's (a companion's, sent on or shown apart), made on
   * first request. A hold, a refunded booking or a cancelled event has none.
   */
  async pass(user: AuthUser, reservationId: string): Promise<EntryPass> {
    const row = await repo.entryById(this.ctx.db, reservationId);
    if (!row || (row.user_id !== user.id && user.role !== 'admin')) throw notFound();
    this.assertPassable(row);
    let seats = await repo.seatPasses(this.ctx.db, row.id);
    if (seats.some((s) => !s.entry_code)) {
      await repo.ensureSeatCodes(
        this.ctx.db,
        seats.filter((s) => !s.entry_code),
        row.id,
        newEntryCode,
      );
      seats = await repo.seatPasses(this.ctx.db, row.id);
    }
    const code = row.entry_code ?? (await repo.ensureEntryCode(this.ctx.db, row.id, newEntryCode()));
    return {
      code,
      reservationId: row.id,
      event: eventOf(row),
      seats: seats.map((s) => s.label),
      seatPasses: seats.map((s) => ({
        seatId: s.seat_id,
        label: s.label,
        code: s.entry_code!,
        checkedInAt: s.checked_in_at?.toISOString() ?? null,
      })),
      checkedInAt: row.checked_in_at?.toISOString() ?? null,
    };
  }

  /**
   * A new code for one seat's pass, when its link went to the wrong person: the old code then
   * shows nothing and admits nobody. The booking's owner (or an operator) only, for a seat not yet
   * in; 409 SEAT_ALREADY_IN once the gate admitted it.
   */
  async reissueSeatPass(user: AuthUser, reservationId: string, seatId: string): Promise<EntryPass> {
    const row = await repo.entryById(this.ctx.db, reservationId);
    if (!row || (row.user_id !== user.id && user.role !== 'admin')) throw notFound();
    this.assertPassable(row);
    const seat = (await repo.seatPasses(this.ctx.db, row.id)).find((s) => s.seat_id === seatId);
    if (!seat) throw AppError.notFound('SEAT_NOT_FOUND', 'This booking has no such seat to enter');
    if (!(await repo.reissueSeatCode(this.ctx.db, row.id, seatId, newEntryCode())))
      throw AppError.conflict('SEAT_ALREADY_IN', 'This seat was already admitted at the gate', {
        checkedInAt: seat.checked_in_at?.toISOString() ?? null,
      });
    return this.pass(user, reservationId);
  }

  /**
   * One seat's pass, for whoever holds its code (a companion the buyer sent it to): the event, the
   * seat and the code to show at the gate; nothing of the buyer. 404 PASS_NOT_FOUND for a code that
   * is no seat's; 409 PASS_UNAVAILABLE once the seat or its booking was refunded, or the event
   * cancelled or over.
   */
  async seatPass(code: string): Promise<SeatPass> {
    const row = await repo.entryBySeatCode(this.ctx.db, normaliseEntryCode(code));
    if (!row) throw AppError.notFound('PASS_NOT_FOUND', 'No seat pass has this code');
    this.assertPassable(row);
    if (!row.seat.active || row.seat.refunded)
      throw AppError.conflict('PASS_UNAVAILABLE', 'This seat was refunded', { status: 'seat_refunded' });
    return {
      code: row.seat.entry_code!,
      event: eventOf(row),
      seat: row.seat.label,
      checkedInAt: row.seat.checked_in_at?.toISOString() ?? null,
    };
  }

  private assertPassable(row: repo.EntryRow): void {
    if (!VALID.has(row.status) || row.event_status === 'cancelled')
      throw AppError.conflict(
        'PASS_UNAVAILABLE',
        'Only a paid booking of an event still to come has an entry pass',
        {
          status: row.event_status === 'cancelled' ? 'event_cancelled' : row.status,
        },
      );
    if (row.event_ends_at <= this.ctx.clock.now())
      throw AppError.conflict('PASS_UNAVAILABLE', 'The event has ended', { status: 'event_ended' });
  }
}
