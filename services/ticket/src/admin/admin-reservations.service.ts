import type { Transaction } from 'kysely';
import { AppError, enqueueEvent, type AuthUser, type ServiceContext } from '@tiketi/platform';
import type { EventDataByType, ReservationStatus } from '@tiketi/contracts';
import type { TicketConfig } from '../ticket.config';
import { bookingInstance } from '../booking/booking.area';
import { cancelReservation } from '../booking/reservation-payment.service';
import * as repo from './admin-reservations.repository';

export interface AdminReservationItem {
  id: string;
  user: { id: string; email: string; name: string };
  event: { id: string; title: string };
  seats: Array<{
    id: string;
    label: string;
    section: string;
    row: string;
    number: number;
    price: number;
    refunded: boolean;
    /** When the gate admitted this seat (by the booking's pass or the seat's own). */
    checkedInAt: string | null;
  }>;
  amount: number;
  refundedAmount: number;
  status: ReservationStatus;
  paymentMethod: string | null;
  paymentId: string | null;
  createdAt: string;
}

export interface ListInput {
  status?: ReservationStatus;
  eventId?: string;
  q?: string;
  from?: string;
  to?: string;
}

const DAY_MS = 86_400_000;

/** A Seoul date (`2026-11-25`, the whole day) or an ISO instant. */
function bound(value: string | undefined, end: boolean, name: string): Date | undefined {
  if (!value) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const start = Date.parse(`${value}T00:00:00+09:00`);
    if (!Number.isNaN(start)) return new Date(end ? start + DAY_MS - 1 : start);
  } else if (!Number.isNaN(Date.parse(value))) {
    return new Date(Date.parse(value));
  }
  throw AppError.invalid('INVALID_RANGE', `\`${name}\` must be a date (YYYY-MM-DD) or an ISO date-time`, {
    details: { [name]: value },
  });
}

function toFilter(input: ListInput): repo.AdminReservationFilter {
  const from = bound(input.from, false, 'from');
  const to = bound(input.to, true, 'to');
  if (from && to && from > to) throw AppError.invalid('INVALID_RANGE', '`from` must not be after `to`');
  return { status: input.status, eventId: input.eventId, q: input.q, from, to };
}

const iso = (v: Date | string) => (v instanceof Date ? v : new Date(v)).toISOString();

export class AdminReservationsService {
  constructor(private readonly ctx: ServiceContext<TicketConfig>) {}

  private async items(rows: repo.AdminReservationRow[]): Promise<AdminReservationItem[]> {
    const seats = await repo.seatsOf(
      this.ctx.db,
      rows.map((r) => r.id),
    );
    const byReservation = new Map<string, repo.AdminSeatRow[]>();
    for (const s of seats)
      byReservation.set(s.reservation_id, [...(byReservation.get(s.reservation_id) ?? []), s]);
    return rows.map((r) => ({
      id: r.id,
      user: { id: r.user_id, email: r.user_email, name: r.user_name },
      event: { id: r.event_id, title: r.event_title },
      seats: (byReservation.get(r.id) ?? []).map((s) => ({
        id: s.seat_id,
        label: s.label,
        section: s.section,
        row: s.row_label,
        number: s.number,
        price: s.price,
        refunded: s.refunded,
        checkedInAt: s.checked_in_at ? iso(s.checked_in_at) : null,
      })),
      amount: r.amount,
      refundedAmount: r.refunded_amount,
      status: r.status,
      paymentMethod: r.method,
      paymentId: r.payment_id,
      createdAt: iso(r.created_at),
    }));
  }

  async list(
    input: ListInput,
    page: number,
    limit: number,
  ): Promise<{ items: AdminReservationItem[]; total: number }> {
    const filter = toFilter(input);
    const { rows, total } = await repo.pageOfReservations(this.ctx.db, filter, {
      offset: (page - 1) * limit,
      limit,
    });
    return { items: await this.items(rows), total };
  }

  /** Every matching reservation, newest first, fetched a page at a time. */
  async *all(input: ListInput, pageSize = 500): AsyncGenerator<AdminReservationItem[]> {
    const filter = toFilter(input);
    for (let offset = 0; ; offset += pageSize) {
      const rows = await repo.listReservations(this.ctx.db, filter, { offset, limit: pageSize });
      if (rows.length > 0) yield await this.items(rows);
      if (rows.length < pageSize) return;
    }
  }

  async get(id: string): Promise<AdminReservationItem> {
    const [row] = await repo.listReservations(this.ctx.db, { id }, { offset: 0, limit: 1 });
    if (!row) throw AppError.notFound('RESERVATION_NOT_FOUND', 'Reservation not found');
    return (await this.items([row]))[0]!;
  }

  /**
   * The only status an operator may set is `cancelled`: a hold is released at once, a paid
   * reservation is refunded through the payment service (which reports back to booking). Any
   * other target (confirmed without a payment, expired, refunded by hand) would make the
   * reservation disagree with seats or money, so it is refused.
   */
  async changeStatus(
    id: string,
    input: { status: ReservationStatus; reason: string; refund?: 'full' | 'policy' },
    actor: AuthUser,
    requestId?: string,
  ): Promise<AdminReservationItem> {
    const before = await this.get(id);
    if (input.status !== 'cancelled') {
      throw AppError.conflict(
        'STATUS_CHANGE_REFUSED',
        `A reservation cannot be set to ${input.status} by hand; only cancelled is allowed`,
        {
          details: { from: before.status, to: input.status },
        },
      );
    }
    const refund = input.refund ?? 'full';
    const occurredAt = this.ctx.clock.now().toISOString();
    // The audit record is written inside the transaction that changes the reservation, so there is
    // never a cancellation without its record (nor a record of one that rolled back).
    const within = async (
      trx: Transaction<any>,
      row: { status: ReservationStatus; refunded_amount: number },
    ) => {
      const audit: EventDataByType['audit.recorded'] = {
        actorId: actor.id,
        ...(actor.email ? { actorEmail: actor.email } : {}),
        action: 'reservation.cancel',
        targetType: 'reservation',
        targetId: id,
        before: { status: before.status, refundedAmount: before.refundedAmount },
        after: { status: row.status, refundedAmount: row.refunded_amount, reason: input.reason, refund },
        occurredAt,
      };
      await enqueueEvent(trx, 'ticket', 'ticket', 'audit.recorded', audit);
    };
    await cancelReservation(
      bookingInstance(this.ctx).runtime,
      id,
      { actorId: actor.id, reason: input.reason, refund, within },
      requestId,
    );
    this.ctx.relay?.poke();
    return this.get(id);
  }
}
