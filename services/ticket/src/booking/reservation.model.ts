import type { ReservationStatus } from '@tiketi/contracts';

/** Statuses in which a reservation's seats are taken (the partial unique index's "active"). */
export const ACTIVE_STATUSES: ReservationStatus[] = ['pending', 'confirmed'];

export interface ReservationRow {
  id: string;
  event_id: string;
  user_id: string;
  user_email: string;
  user_name: string;
  status: ReservationStatus;
  amount: number;
  refunded_amount: number;
  currency: string;
  seat_count: number;
  expires_at: Date | string;
  payment_id: string | null;
  payment_lease_until: Date | string | null;
  cancel_reason: string | null;
  confirmed_at: Date | string | null;
  closed_at: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
  /** Set when the venue's gate admitted its pass (entry area). */
  checked_in_at?: Date | string | null;
}

export interface ReservationSeatRow {
  reservation_id: string;
  seat_id: string;
  event_id: string;
  price: number;
  label: string;
  section: string;
  row_label: string;
  number: number;
  active: boolean;
  refunded: boolean;
}

export interface ReservationSeatView {
  id: string;
  label: string;
  section: string;
  row: string;
  number: number;
  price: number;
  refunded?: boolean;
}

export interface ReservationView {
  id: string;
  eventId: string;
  userId: string;
  status: ReservationStatus;
  seats: ReservationSeatView[];
  amount: number;
  refundedAmount: number;
  currency: string;
  expiresAt: string;
  createdAt: string;
  paymentId: string | null;
  checkedInAt: string | null;
}

export interface EventSummary {
  id: string;
  title: string;
  startsAt: string;
  venueName: string;
  status: string;
  refundPolicyId: string;
}

export function iso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

export function toReservationView(row: ReservationRow, seats: ReservationSeatRow[]): ReservationView {
  return {
    id: row.id,
    eventId: row.event_id,
    userId: row.user_id,
    status: row.status,
    seats: seats.map((s) => ({
      id: s.seat_id,
      label: s.label,
      section: s.section,
      row: s.row_label,
      number: s.number,
      price: s.price,
      ...(s.refunded ? { refunded: true } : {}),
    })),
    amount: row.amount,
    refundedAmount: row.refunded_amount,
    currency: row.currency,
    expiresAt: iso(row.expires_at),
    createdAt: iso(row.created_at),
    paymentId: row.payment_id,
    checkedInAt: row.checked_in_at ? iso(row.checked_in_at) : null,
  };
}

/** Seat-key of the Redis fast path: one key per seat, its value the holding reservation id. */
export function seatHoldKey(eventId: string, seatId: string): string {
  return `ticket:hold:${eventId}:${seatId}`;
}
