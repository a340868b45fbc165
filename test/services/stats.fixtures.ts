import { newId, type EventEnvelope } from '@tiketi/platform';
import type { EventDataByType, EventType } from '@tiketi/contracts';

/** Builds an envelope as a producer's outbox would (the stats tests feed the bus directly). */
export function envelope<T extends EventType>(
  type: T,
  data: EventDataByType[T],
  occurredAt?: string,
): EventEnvelope<EventDataByType[T]> {
  const at = occurredAt ?? (data as { occurredAt?: string }).occurredAt ?? new Date().toISOString();
  const source = type.startsWith('user.') ? 'auth' : type.startsWith('payment.') ? 'payment' : 'ticket';
  return { id: newId('evn'), type, source, occurredAt: at, data };
}

export interface ReservationShape {
  reservationId: string;
  eventId: string;
  userId: string;
  seatCount: number;
  amount: number;
}

export const reservationFacts = (r: ReservationShape) => ({
  held: (at: string, expiresAt = at) =>
    envelope('reservation.held', {
      ...r,
      occurredAt: at,
      seatIds: Array.from({ length: r.seatCount }, () => newId('seat')),
      expiresAt,
    }),
  confirmed: (at: string, paymentId?: string) =>
    envelope('reservation.confirmed', { ...r, occurredAt: at, paymentId }),
  cancelled: (at: string) => envelope('reservation.cancelled', { ...r, occurredAt: at, reason: 'buyer' }),
  expired: (at: string) => envelope('reservation.expired', { ...r, occurredAt: at }),
  refunded: (at: string, amount: number, seatIds?: string[]) =>
    envelope('reservation.refunded', {
      ...r,
      occurredAt: at,
      amount,
      partial: seatIds !== undefined,
      seatIds,
    }),
});

export const paymentFacts = (r: ReservationShape, paymentId: string, method: string) => ({
  paid: (at: string) =>
    envelope('payment.paid', {
      paymentId,
      reservationId: r.reservationId,
      eventId: r.eventId,
      userId: r.userId,
      method,
      amount: r.amount,
      occurredAt: at,
      paidAt: at,
    }),
  refunded: (at: string, amount: number, refundedTotal: number, partial = false) =>
    envelope('payment.refunded', {
      paymentId,
      reservationId: r.reservationId,
      eventId: r.eventId,
      userId: r.userId,
      method,
      amount,
      occurredAt: at,
      refundedTotal,
      fee: 0,
      status: partial ? 'partially_refunded' : 'refunded',
    }),
});
