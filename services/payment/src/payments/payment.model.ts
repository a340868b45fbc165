/** A payment as the payment schema stores it, and its refunds. */
export type PaymentStatus =
  | 'ready'
  | 'pending'
  | 'paid'
  | 'refund_pending'
  | 'refunded'
  | 'partially_refunded'
  | 'failed'
  | 'cancelled'
  | 'needs_reconciliation';

export interface SeatSnapshot {
  id: string;
  label: string;
  price: number;
}

export interface PaymentRow {
  id: string;
  order_id: string;
  reservation_id: string;
  event_id: string;
  user_id: string;
  method: string;
  status: PaymentStatus;
  amount: number;
  currency: string;
  refunded_amount: number;
  fee_amount: number;
  order_name: string;
  seats: SeatSnapshot[];
  refunded_seat_ids: string[];
  policy: { id: string; name: string; rules: any };
  event_starts_at: Date;
  booked_at: Date;
  success_url: string;
  fail_url: string;
  provider_ref: string | null;
  provider_payment_key: string | null;
  confirm_idempotency_key: string | null;
  failure_code: string | null;
  failure_message: string | null;
  paid_at: Date | null;
  reservation_confirmed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** What a new payment is written with; `seats` and `policy` as JSON text. */
export type NewPayment = Pick<
  PaymentRow,
  | 'id'
  | 'order_id'
  | 'reservation_id'
  | 'event_id'
  | 'user_id'
  | 'method'
  | 'amount'
  | 'currency'
  | 'order_name'
  | 'event_starts_at'
  | 'booked_at'
  | 'success_url'
  | 'fail_url'
> & { seats: string; policy: string };

export interface RefundRow {
  id: string;
  payment_id: string;
  status: 'pending' | 'done' | 'failed';
  amount: number;
  fee: number;
  full: boolean;
  seat_ids: string[] | null;
  reason: string;
  actor_id: string | null;
  idempotency_key: string;
  /** The refund may take a ticket the gate already admitted (not a buyer's own). */
  used_ticket_ok: boolean;
  created_at: Date;
  completed_at: Date | null;
}

export const parseJson = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

export function toPayment(row: any): PaymentRow {
  return {
    ...row,
    seats: parseJson(row.seats),
    refunded_seat_ids: parseJson(row.refunded_seat_ids),
    policy: parseJson(row.policy),
    event_starts_at: new Date(row.event_starts_at),
    booked_at: new Date(row.booked_at),
    paid_at: row.paid_at ? new Date(row.paid_at) : null,
    created_at: new Date(row.created_at),
    updated_at: new Date(row.updated_at),
  };
}

export interface HistoryFilter {
  userId?: string;
  eventId?: string;
  method?: string;
  status?: string;
  limit: number;
}
