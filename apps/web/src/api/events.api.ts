import { api } from './client';
import type { EventDetail, EventList, SeatMap } from './types';

export interface EventQuery {
  q?: string;
  category?: string;
  venue?: string;
  from?: string;
  to?: string;
  status?: string;
  sort?: string;
  page?: number;
  limit?: number;
}

export const eventsApi = {
  list: (query: EventQuery, signal?: AbortSignal) =>
    api<EventList>('/api/events', { query: { ...query }, signal }),
  get: (id: string) =>
    api<{ event: EventDetail }>(`/api/events/${encodeURIComponent(id)}`).then((r) => r.event),
  seats: (id: string) => api<SeatMap>(`/api/events/${encodeURIComponent(id)}/seats`),
};

/** Events the public may see have a poster url relative to the API; keep absolute ones unchanged. */
export function posterSrc(url: string | null | undefined): string | undefined {
  if (!url) return undefined;
  return url;
}

export function venueOf(e: { venue?: string | null; venueName?: string | null }): string {
  return e.venueName ?? e.venue ?? '';
}
