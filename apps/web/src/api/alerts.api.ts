import { api } from './client';
import type { ReturnAlert, SaleAlert } from './types';

const path = (eventId: string) => `/api/alerts/${encodeURIComponent(eventId)}`;

export const alertsApi = {
  list: () => api<{ items: SaleAlert[] }>('/api/alerts').then((r) => r.items),
  get: (eventId: string) => api<{ alert: SaleAlert | null }>(path(eventId)).then((r) => r.alert),
  add: (eventId: string) => api<{ alert: SaleAlert }>(path(eventId), { method: 'PUT' }).then((r) => r.alert),
  remove: (eventId: string) => api<void>(path(eventId), { method: 'DELETE' }),
};

const returnsPath = (eventId: string) => `${path(eventId)}/returns`;

/** Seat-return alerts ("취소표 알림") of sold-out events. */
export const returnAlertsApi = {
  list: () => api<{ items: ReturnAlert[] }>('/api/alerts/returns').then((r) => r.items),
  get: (eventId: string) => api<{ alert: ReturnAlert | null }>(returnsPath(eventId)).then((r) => r.alert),
  add: (eventId: string) =>
    api<{ alert: ReturnAlert }>(returnsPath(eventId), { method: 'PUT' }).then((r) => r.alert),
  remove: (eventId: string) => api<void>(returnsPath(eventId), { method: 'DELETE' }),
};
