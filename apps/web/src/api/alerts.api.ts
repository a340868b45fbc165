import { api } from './client';
import type { SaleAlert } from './types';

const path = (eventId: string) => `/api/alerts/${encodeURIComponent(eventId)}`;

export const alertsApi = {
  list: () => api<{ items: SaleAlert[] }>('/api/alerts').then((r) => r.items),
  get: (eventId: string) => api<{ alert: SaleAlert | null }>(path(eventId)).then((r) => r.alert),
  add: (eventId: string) => api<{ alert: SaleAlert }>(path(eventId), { method: 'PUT' }).then((r) => r.alert),
  remove: (eventId: string) => api<void>(path(eventId), { method: 'DELETE' }),
};
