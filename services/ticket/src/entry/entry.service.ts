import { randomBytes } from 'node:crypto';
import { AppError, ServiceClient, type AuthUser, type ServiceContext } from '@tiketi/platform';
import type { TicketConfig } from '../ticket.config';
import * as repo from './entry.repository';
import type { Attendance, CheckInResult, EntryPass } from './entry.schemas';

const VALID = new Set(['confirmed', 'partially_refunded']);
const PREFIX = 'TKT-';
// Crockford's base32: upper case and digits only, which a QR code packs densely and a person can read out.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** 120 random bits: the code is the credential, so it must not be guessable from another one. */
export function newEntryCode(): string {
  const bytes = randomBytes(15);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return `${PREFIX}${out}`;
}

/** What a person types or a scanner sends: spaces, case and the prefix do not matter; look-alikes read as digits. */
export function normaliseEntryCode(input: string): string {
  const compact = input.toUpperCase().replace(/\s+/g, '');
  // Typed without its prefix (read off a screen), it is still the same code.
  const body = compact.startsWith(PREFIX) ? compact.slice(PREFIX.length) : compact;
  return PREFIX + body.replace(/[IL]/g, '1').replace(/O/g, '0');
}

const notFound = () => AppError.notFound('RESERVATION_NOT_FOUND', 'Reservation not found');

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

  /**
   * The buyer's pass for a paid booking of an event that has not ended: the code the gate checks,
   * made on first request. A hold, a refunded booking or a cancelled event has none.
   */
  async pass(user: AuthUser, reservationId: string): Promise<EntryPass> {
    const row = await repo.entryById(this.ctx.db, reservationId);
    if (!row || (row.user_id !== user.id && user.role !== 'admin')) throw notFound();
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
    const seats = await repo.admittedSeats(this.ctx.db, row.id);
    const code = row.entry_code ?? (await repo.ensureEntryCode(this.ctx.db, row.id, newEntryCode()));
    return {
      code,
      reservationId: row.id,
      event: {
        id: row.event_id,
        title: row.event_title,
        startsAt: row.event_starts_at.toISOString(),
        venueName: row.venue_name,
      },
      seats,
      checkedInAt: row.checked_in_at?.toISOString() ?? null,
    };
  }

  /** Paid tickets of an event and how many the gate has admitted (the gate page's counter). */
  async attendance(eventId: string): Promise<Attendance> {
    if (!(await repo.eventExists(this.ctx.db, eventId)))
      throw AppError.notFound('EVENT_NOT_FOUND', 'Event not found');
    return { eventId, ...(await repo.attendance(this.ctx.db, eventId)) };
  }

  /**
   * The gate: a valid, unused pass (of the event the gate is for, when it names one) is admitted
   * once. Every refusal says why, so the staff can tell a used ticket from a refunded one.
   */
  async checkIn(actor: AuthUser, input: { code: string; eventId?: string }): Promise<CheckInResult> {
    const code = normaliseEntryCode(input.code);
    const now = this.ctx.clock.now();
    let admitted = await repo.checkIn(this.ctx.db, code, input.eventId, actor.id, now);
    let row = await repo.entryByCode(this.ctx.db, code);
    if (!row) throw AppError.notFound('TICKET_NOT_FOUND', 'No ticket has this code');
    // Only a ticket the gate would admit but for its claim is worth asking payment about.
    const admissible =
      (!input.eventId || row.event_id === input.eventId) &&
      row.event_status !== 'cancelled' &&
      VALID.has(row.status) &&
      !row.checked_in_at;
    if (!admitted && admissible && row.refund_claim) {
      if (await this.endFailedClaim(row.id, row.refund_claim)) {
        admitted = await repo.checkIn(this.ctx.db, code, input.eventId, actor.id, now);
        row = (await repo.entryByCode(this.ctx.db, code))!;
      }
    }
    const event = { id: row.event_id, title: row.event_title, startsAt: row.event_starts_at.toISOString() };
    if (!admitted) {
      if (input.eventId && row.event_id !== input.eventId)
        throw AppError.conflict('WRONG_EVENT', `This ticket is for another event: ${row.event_title}`, {
          event,
        });
      if (row.event_status === 'cancelled')
        throw AppError.conflict('EVENT_CANCELLED', 'This event was cancelled: its tickets admit nobody', {
          status: row.status,
          event,
        });
      if (!VALID.has(row.status))
        throw AppError.conflict('TICKET_NOT_VALID', 'This ticket was cancelled or refunded', {
          status: row.status,
          event,
        });
      if (!row.checked_in_at && row.refund_claim)
        throw AppError.conflict(
          'REFUND_IN_PROGRESS',
          'A refund of this ticket is under way: it does not admit',
          {
            status: row.status,
            event,
          },
        );
      throw AppError.conflict('ALREADY_CHECKED_IN', 'This ticket was already used', {
        checkedInAt: row.checked_in_at?.toISOString() ?? null,
        event,
      });
    }
    return {
      reservationId: row.id,
      holder: row.user_name,
      event,
      seats: await repo.admittedSeats(this.ctx.db, row.id),
      checkedInAt: now.toISOString(),
    };
  }
}
