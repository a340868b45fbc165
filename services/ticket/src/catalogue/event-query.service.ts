import { AppError, type ServiceContext } from '@tiketi/platform';
import type { TicketConfig } from '../ticket.config';
import type { CatalogueCache } from './catalogue.cache';
import {
  findEventSummary,
  isoOrNull,
  iso,
  listEvents,
  listSections,
  MAX_PAGE_SIZE,
} from './event.repository';
import type { EventDetail, EventListQuery, EventSummary } from './event.schemas';
import type { Layout } from './layout.schemas';

/** What the public sees by default: published events that are not over or cancelled. */
const PUBLIC_DEFAULT = ['scheduled', 'on_sale', 'sold_out', 'sale_closed'];
const PUBLIC_ALLOWED = [...PUBLIC_DEFAULT, 'ended', 'cancelled'];
const ADMIN_DEFAULT = ['draft', ...PUBLIC_ALLOWED];

/** Reads of the catalogue; the public ones go through the cache. */
export class EventQueryService {
  constructor(
    private readonly ctx: ServiceContext<TicketConfig>,
    private readonly cache: CatalogueCache,
  ) {}

  async list(
    query: EventListQuery,
    admin: boolean,
  ): Promise<{ items: EventSummary[]; total: number; page: number; limit: number }> {
    const page = query.page ?? 1;
    const limit = Math.min(query.limit ?? 20, MAX_PAGE_SIZE);
    if (!admin && query.status === 'draft') return { items: [], total: 0, page, limit };
    const filter = { ...query, page, limit, statuses: admin ? ADMIN_DEFAULT : PUBLIC_DEFAULT };
    if (!admin && query.status && !PUBLIC_ALLOWED.includes(query.status))
      return { items: [], total: 0, page, limit };
    const load = async () => ({ ...(await listEvents(this.ctx.db, filter)), page, limit });
    return admin ? load() : this.cache.list(filter, load);
  }

  async get(id: string, admin: boolean): Promise<EventDetail> {
    const load = async (): Promise<EventDetail | null> => {
      const found = await findEventSummary(this.ctx.db, id);
      if (!found) return null;
      const { raw, ...summary } = found;
      const sections = await listSections(this.ctx.db, id);
      return {
        ...summary,
        description: raw.description,
        venueId: raw.venue_id,
        venueName: raw.venue_name,
        seatLimit: raw.seat_limit,
        holdMinutes: raw.hold_minutes,
        refundPolicyId: raw.refund_policy_id,
        layoutVersion: raw.layout_version,
        publishedAt: isoOrNull(raw.published_at),
        cancelledAt: isoOrNull(raw.cancelled_at),
        createdAt: iso(raw.created_at),
        updatedAt: iso(raw.updated_at),
        sections: sections.map((s) => ({
          id: s.id,
          name: s.name,
          price: s.price,
          color: s.color,
          kind: s.kind,
          capacity: s.capacity,
          seatsTotal: s.seatsTotal,
          seatsAvailable: s.seatsAvailable,
        })),
        ...(admin
          ? {
              layout: (typeof raw.layout === 'string' ? JSON.parse(raw.layout) : raw.layout) as Layout | null,
            }
          : {}),
      };
    };
    const event = admin ? await load() : await this.cache.event(id, load);
    if (!event || (!admin && event.status === 'draft'))
      throw AppError.notFound('EVENT_NOT_FOUND', 'Event not found');
    return event;
  }
}
