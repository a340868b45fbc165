import { api } from './client';
import type {
  AdminReservation,
  AdminUser,
  CheckInResult,
  EventFigures,
  VenueTemplate,
  AuditEntry,
  BookingMail,
  Dashboard,
  EventDetail,
  EventList,
  LiveOps,
  Payment,
  QueueFigures,
  QueueSettings,
  Reservation,
  StatsDashboard,
} from './types';

export interface EventInput {
  title: string;
  description?: string;
  category: string;
  artist?: string;
  venueName: string;
  venueAddress?: string;
  startsAt: string;
  endsAt: string;
  saleStartsAt: string;
  saleEndsAt: string;
  seatLimit?: number;
  holdMinutes?: number;
  refundPolicyId?: string;
  layout?: unknown;
}

/** An operator's notice to an event's buyers, and how far its mail has got. */
export interface Announcement {
  id: string;
  subject: string;
  message: string;
  recipients: number;
  mailed: number;
  createdAt: string;
}

/** An edit of an event that may already have buyers. */
export interface EventUpdate extends Partial<EventInput> {
  /** A fix of a mistake, not a move: no change mail, no fee-free cancellation. */
  correction?: boolean;
}

const e = encodeURIComponent;

export const adminApi = {
  dashboard: () => api<Dashboard>('/api/admin/dashboard'),
  statsDashboard: () => api<StatsDashboard>('/api/stats/dashboard'),
  liveOps: () => api<LiveOps>('/api/admin/dashboard/live'),
  events: (query: Record<string, string | number | undefined>) => api<EventList>('/api/events', { query }),
  event: (id: string) => api<{ event: EventDetail }>(`/api/events/${e(id)}`).then((r) => r.event),
  createEvent: (input: EventInput) =>
    api<{ event: EventDetail }>('/api/events', { method: 'POST', body: input }).then((r) => r.event),
  updateEvent: (id: string, input: EventUpdate) =>
    api<{ event: EventDetail }>(`/api/events/${e(id)}`, { method: 'PATCH', body: input }).then(
      (r) => r.event,
    ),
  publish: (id: string) =>
    api<{ event: EventDetail }>(`/api/events/${e(id)}/publish`, { method: 'POST', body: {} }),
  cancelEvent: (id: string, reason: string) =>
    api<{ event: EventDetail }>(`/api/events/${e(id)}/cancel`, { method: 'POST', body: { reason } }),
  deleteEvent: (id: string) => api<null>(`/api/events/${e(id)}`, { method: 'DELETE' }),
  uploadPoster: (id: string, file: File) => {
    const form = new FormData();
    form.append('poster', file);
    return api<{ event?: EventDetail; posterUrl?: string }>(`/api/events/${e(id)}/poster`, {
      method: 'POST',
      form,
    });
  },
  queue: (id: string) => api<QueueFigures>(`/api/admin/events/${e(id)}/queue`),
  /** Buyers who asked to be mailed before the sale opens: the demand the waiting room will meet. */
  alerts: (id: string) =>
    api<{ asked: number; mailed: number; leadMinutes: number; waitingForReturns: number }>(
      `/api/admin/events/${e(id)}/alerts`,
    ),
  announcements: (id: string) =>
    api<{ items: Announcement[] }>(`/api/admin/events/${e(id)}/announcements`).then((r) => r.items),
  announce: (id: string, notice: { subject: string; message: string }) =>
    api<{ announcement: Announcement }>(`/api/admin/events/${e(id)}/announcements`, {
      method: 'POST',
      body: notice,
    }).then((r) => r.announcement),
  saveQueue: (id: string, settings: QueueSettings) =>
    api<QueueFigures>(`/api/admin/events/${e(id)}/queue`, { method: 'PUT', body: settings }),
  reservations: (query: Record<string, string | number | undefined>) =>
    api<{ items: AdminReservation[]; total: number }>('/api/admin/reservations', { query }),
  reservation: (id: string) =>
    api<{ items: AdminReservation[] }>('/api/admin/reservations', { query: { q: id, limit: 1 } }).then(
      (r) => r.items.find((i) => i.id === id) ?? null,
    ),
  reservationMails: (id: string) => api<{ items: BookingMail[] }>(`/api/admin/reservations/${e(id)}/mails`),
  resendConfirmation: (id: string) =>
    api<{ mail: BookingMail }>(`/api/admin/reservations/${e(id)}/mails/resend`, { method: 'POST' }),
  audit: (query: { targetType?: string; targetId?: string; action?: string; limit?: number }) =>
    api<{ items: AuditEntry[]; total: number }>('/api/admin/audit', { query }),
  /** An operator's refund of a payment: with no amount, everything it still holds (a kept fee, say). */
  refundPayment: (paymentId: string, reason: string) =>
    api<{ payment: Payment }>('/api/payments/refund', { method: 'POST', body: { paymentId, reason } }),
  cancelReservation: (id: string, reason: string, refund: 'full' | 'policy') =>
    api<{ reservation: Reservation }>(`/api/admin/reservations/${e(id)}`, {
      method: 'PATCH',
      body: { status: 'cancelled', reason, refund },
    }),
  sales: (query: { from?: string; to?: string; granularity: 'day' | 'hour'; eventId?: string }) =>
    api<{ series: Array<{ bucket: string; revenue: number; refunds: number; count: number }> }>(
      '/api/stats/sales',
      { query },
    ),
  statsEvents: () =>
    api<{
      items: EventFigures[];
    }>('/api/stats/events'),
  venues: () => api<{ items: VenueTemplate[] }>('/api/venues').then((r) => r.items),
  checkIn: (code: string, eventId?: string) =>
    api<CheckInResult>('/api/admin/entry/check-in', {
      method: 'POST',
      body: { code, ...(eventId ? { eventId } : {}) },
    }),
  attendance: (eventId: string) =>
    api<{ eventId: string; tickets: number; admitted: number; seats: number; seatsAdmitted: number }>(
      `/api/admin/entry/events/${e(eventId)}`,
    ),
  users: (query: { q?: string; role?: string; page: number; limit: number }) =>
    api<{ items: AdminUser[]; total: number }>('/api/admin/users', { query }),
  setRole: (id: string, role: AdminUser['role']) =>
    api<{ user: AdminUser }>(`/api/admin/users/${e(id)}`, { method: 'PATCH', body: { role } }).then(
      (r) => r.user,
    ),
  statsUsers: (query: { from: string; to: string }) =>
    api<{ total: number; newToday: number; series: Array<{ bucket: string; count: number }> }>(
      '/api/stats/users',
      { query },
    ),
};
