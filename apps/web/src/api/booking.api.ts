import { api } from './client';
import type {
  PaymentMethodInfo,
  Payment,
  Checkout,
  QueueState,
  RefundQuote,
  Reservation,
  EntryPass,
  SeatPass,
  PaymentStatement,
} from './types';

const QUEUE_KEY = (eventId: string) => `tiketi.queue.${eventId}`;

/** The admission token survives a reload of the seat map for as long as it is valid. */
export const queueTokens = {
  get(eventId: string): { token: string; expiresAt: string } | null {
    try {
      const raw = sessionStorage.getItem(QUEUE_KEY(eventId));
      if (!raw) return null;
      const value = JSON.parse(raw) as { token: string; expiresAt: string };
      if (value.expiresAt && new Date(value.expiresAt).getTime() < Date.now()) {
        sessionStorage.removeItem(QUEUE_KEY(eventId));
        return null;
      }
      return value;
    } catch {
      return null;
    }
  },
  set(eventId: string, token: string, expiresAt: string) {
    sessionStorage.setItem(QUEUE_KEY(eventId), JSON.stringify({ token, expiresAt }));
  },
  clear(eventId: string) {
    sessionStorage.removeItem(QUEUE_KEY(eventId));
  },
};

function queueHeader(eventId: string): Record<string, string> {
  const token = queueTokens.get(eventId)?.token;
  return token ? { 'x-queue-token': token } : {};
}

export const bookingApi = {
  book: (input: { eventId: string; seatIds?: string[]; quantity?: number; section?: string }) =>
    api<{ reservation: Reservation }>('/api/tickets/book', {
      method: 'POST',
      body: input,
      headers: queueHeader(input.eventId),
    }).then((r) => r.reservation),
  my: () => api<{ items: Reservation[] }>('/api/tickets/my'),
  reservation: (id: string) =>
    api<{ reservation: Reservation }>(`/api/reservations/${encodeURIComponent(id)}`).then(
      (r) => r.reservation,
    ),
  pass: (id: string) =>
    api<{ pass: EntryPass }>(`/api/reservations/${encodeURIComponent(id)}/pass`).then((r) => r.pass),
  reissueSeatPass: (id: string, seatId: string) =>
    api<{ pass: EntryPass }>(
      `/api/reservations/${encodeURIComponent(id)}/seats/${encodeURIComponent(seatId)}/pass`,
      { method: 'POST' },
    ).then((r) => r.pass),
  seatPass: (code: string) =>
    api<{ pass: SeatPass }>(`/api/passes/${encodeURIComponent(code)}`).then((r) => r.pass),
  cancel: (id: string) =>
    api<{ reservation: Reservation }>(`/api/reservations/${encodeURIComponent(id)}/cancel`, {
      method: 'POST',
      body: {},
    }).then((r) => r.reservation),
};

export const queueApi = {
  join: (eventId: string) =>
    api<QueueState>(`/api/queue/${encodeURIComponent(eventId)}/join`, { method: 'POST', body: {} }),
  status: (eventId: string) => api<QueueState>(`/api/queue/${encodeURIComponent(eventId)}/status`),
  leave: (eventId: string) =>
    api<null>(`/api/queue/${encodeURIComponent(eventId)}/leave`, { method: 'POST', body: {} }),
};

export const paymentsApi = {
  methods: () => api<{ methods: PaymentMethodInfo[] }>('/api/payments/methods').then((r) => r.methods),
  create: (reservationId: string, method: string) =>
    api<{ payment: Payment; checkout: Checkout }>('/api/payments/create', {
      method: 'POST',
      body: {
        reservationId,
        method,
        successUrl: `${location.origin}/payments/success`,
        // The fail page offers the same checkout again while the seats stay held.
        failUrl: `${location.origin}/payments/fail?reservationId=${encodeURIComponent(reservationId)}`,
      },
    }),
  confirm: (body: {
    orderId: string;
    paymentKey?: string;
    pgToken?: string;
    paymentId?: string;
    amount?: number;
  }) =>
    api<{ payment: Payment; reservation: { id: string; status: string } }>('/api/payments/confirm', {
      method: 'POST',
      body,
    }),
  refundQuote: (reservationId: string) =>
    api<RefundQuote>('/api/payments/refund-quote', { query: { reservationId } }),
  statement: (id: string) =>
    api<{ statement: PaymentStatement }>(`/api/payments/${encodeURIComponent(id)}/statement`).then(
      (r) => r.statement,
    ),
  get: (id: string) =>
    api<{ payment: Payment }>(`/api/payments/${encodeURIComponent(id)}`).then((r) => r.payment),
};
