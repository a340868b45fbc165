import type { Kysely } from 'kysely';
import { AppError, newId, type AuthUser, type ServiceContext } from '@tiketi/platform';
import type { EventStatus } from '@tiketi/contracts';
import type { TicketConfig } from '../ticket.config';
import type { CatalogueCache } from './catalogue.cache';
import type { CatalogueMetrics } from './catalogue.metrics';
import { emitEventChanged, recordAudit } from './catalogue.events';
import { deleteEvent, findEvent, insertEvent, updateEvent, type EventRow } from './event.repository';
import type { CreateEventBody, UpdateEventBody } from './event.schemas';
import { deriveStatus, LIVE_STATUSES, publishedStatus } from './event.status';
import { expandLayout, type ExpandedLayout } from './layout.service';
import {
  countAvailable,
  countSeatsByStatus,
  createSeatMap,
  hasAvailable,
  refreshSeatStatistics,
} from './seat.repository';
import { replaceSeatMap } from './seat-map.repository';
import { findVenue } from './venue.repository';

interface Dates {
  startsAt: Date;
  endsAt: Date;
  saleStartsAt: Date;
  saleEndsAt: Date;
}

function checkDates(d: Dates): void {
  const bad = (path: string, message: string) =>
    AppError.invalid('INVALID_DATES', message, { path, issues: [{ path, message }] });
  if (d.endsAt <= d.startsAt) throw bad('body.endsAt', 'endsAt must be after startsAt');
  if (d.saleEndsAt <= d.saleStartsAt) throw bad('body.saleEndsAt', 'saleEndsAt must be after saleStartsAt');
  if (d.saleEndsAt > d.endsAt) throw bad('body.saleEndsAt', 'the sale must end by the end of the event');
}

const datesOf = (row: EventRow): Dates => ({
  startsAt: new Date(row.starts_at),
  endsAt: new Date(row.ends_at),
  saleStartsAt: new Date(row.sale_starts_at),
  saleEndsAt: new Date(row.sale_ends_at),
});

/** Admin writes to events: every change is one transaction with its outbox events and audit record. */
export class EventService {
  constructor(
    private readonly ctx: ServiceContext<TicketConfig>,
    private readonly cache: CatalogueCache,
    private readonly metrics?: CatalogueMetrics,
  ) {}

  private get db(): Kysely<any> {
    return this.ctx.db;
  }

  private async afterCommit(eventId: string, seatsChanged = false): Promise<void> {
    this.ctx.relay?.poke();
    await this.cache.invalidate(eventId);
    if (seatsChanged)
      await refreshSeatStatistics(this.db).catch((err: unknown) =>
        // Only the planner's estimates are at stake; autovacuum refreshes them later anyway.
        this.ctx.log.warn({ err, eventId }, 'seat statistics not refreshed'),
      );
  }

  private async layoutFrom(body: { venueId?: string; layout?: unknown }) {
    const venue = body.venueId ? await findVenue(this.db, body.venueId) : null;
    if (body.venueId && !venue)
      throw AppError.invalid('VENUE_NOT_FOUND', 'No venue template with this id', { path: 'body.venueId' });
    let expanded: ExpandedLayout | null = null;
    if (body.layout !== undefined) expanded = expandLayout(body.layout, 'body.layout');
    else if (venue) expanded = expandLayout(venue.layout, 'venue.layout');
    return { venue, expanded };
  }

  async create(actor: AuthUser, body: CreateEventBody): Promise<string> {
    const { venue, expanded } = await this.layoutFrom(body);
    const venueName = body.venueName ?? venue?.name;
    if (!venueName) {
      throw AppError.invalid('VALIDATION_FAILED', 'venueName or venueId is required', {
        path: 'body.venueName',
        issues: [{ path: 'body.venueName', message: 'required' }],
      });
    }
    const dates = {
      startsAt: new Date(body.startsAt),
      endsAt: new Date(body.endsAt),
      saleStartsAt: new Date(body.saleStartsAt),
      saleEndsAt: new Date(body.saleEndsAt),
    };
    checkDates(dates);
    const id = newId('evt');
    await this.db.transaction().execute(async (trx) => {
      await insertEvent(trx, {
        id,
        title: body.title.trim(),
        description: body.description ?? '',
        category: body.category,
        artist: body.artist?.trim() ?? '',
        venue_id: venue?.id ?? null,
        venue_name: venueName.trim(),
        venue_address: body.venueAddress ?? venue?.address ?? '',
        starts_at: dates.startsAt,
        ends_at: dates.endsAt,
        sale_starts_at: dates.saleStartsAt,
        sale_ends_at: dates.saleEndsAt,
        seat_limit: body.seatLimit ?? 4,
        hold_minutes: body.holdMinutes ?? 10,
        refund_policy_id: body.refundPolicyId ?? 'standard',
        status: 'draft',
        layout: expanded ? JSON.stringify(expanded.layout) : null,
        layout_version: expanded ? 1 : 0,
        seats_total: expanded?.seatsTotal ?? 0,
      });
      if (expanded) await createSeatMap(trx, id, expanded.sections);
      await recordAudit(trx, actor, 'event.create', 'event', id, {
        after: { title: body.title, seatsTotal: expanded?.seatsTotal ?? 0 },
      });
    });
    await this.afterCommit(id, expanded !== null);
    return id;
  }

  async update(actor: AuthUser, id: string, body: UpdateEventBody): Promise<void> {
    const layoutChange = body.layout !== undefined || body.venueId !== undefined;
    const { venue, expanded } = layoutChange ? await this.layoutFrom(body) : { venue: null, expanded: null };
    const now = this.ctx.clock.now();
    await this.db
      .transaction()
      .execute(async (trx) => {
        const row = await findEvent(trx, id, { forUpdate: true });
        if (!row) throw AppError.notFound('EVENT_NOT_FOUND', 'Event not found');
        if (row.status === 'cancelled' || row.status === 'ended') {
          throw AppError.conflict('EVENT_NOT_EDITABLE', `A ${row.status} event cannot be edited`, {
            status: row.status,
          });
        }
        const current = datesOf(row);
        const dates = {
          startsAt: body.startsAt ? new Date(body.startsAt) : current.startsAt,
          endsAt: body.endsAt ? new Date(body.endsAt) : current.endsAt,
          saleStartsAt: body.saleStartsAt ? new Date(body.saleStartsAt) : current.saleStartsAt,
          saleEndsAt: body.saleEndsAt ? new Date(body.saleEndsAt) : current.saleEndsAt,
        };
        checkDates(dates);
        const values: Record<string, unknown> = {
          ...(body.title !== undefined && { title: body.title.trim() }),
          ...(body.description !== undefined && { description: body.description }),
          ...(body.category !== undefined && { category: body.category }),
          ...(body.artist !== undefined && { artist: body.artist.trim() }),
          ...(body.venueName !== undefined && { venue_name: body.venueName.trim() }),
          ...(body.venueAddress !== undefined && { venue_address: body.venueAddress }),
          ...(body.seatLimit !== undefined && { seat_limit: body.seatLimit }),
          ...(body.holdMinutes !== undefined && { hold_minutes: body.holdMinutes }),
          ...(body.refundPolicyId !== undefined && { refund_policy_id: body.refundPolicyId }),
          starts_at: dates.startsAt,
          ends_at: dates.endsAt,
          sale_starts_at: dates.saleStartsAt,
          sale_ends_at: dates.saleEndsAt,
        };
        if (venue) {
          values.venue_id = venue.id;
          if (body.venueName === undefined) values.venue_name = venue.name;
          if (body.venueAddress === undefined) values.venue_address = venue.address;
        }
        if (expanded) {
          const total = await replaceSeatMap(trx, id, expanded.sections);
          values.layout = JSON.stringify(expanded.layout);
          values.layout_version = row.layout_version + 1;
          values.seats_total = total;
        }
        const available = await countAvailable(trx, id);
        const status = deriveStatus({ status: row.status as EventStatus, ...dates, available }, now);
        values.status = status;
        await updateEvent(trx, id, values);
        const after = {
          ...row,
          ...values,
          status,
          starts_at: dates.startsAt,
          seats_total: (values.seats_total as number | undefined) ?? row.seats_total,
        };
        // Buyers hear of a new time or place (the notify area mails those with paid bookings, and
        // payment waives the cancellation fee); an operator's correction of a mistake is no move.
        const moved =
          !body.correction &&
          (dates.startsAt.getTime() !== current.startsAt.getTime() ||
            (values.venue_name !== undefined && values.venue_name !== row.venue_name));
        const previously = moved
          ? { startsAt: current.startsAt.toISOString(), venueName: row.venue_name }
          : undefined;
        if (row.status !== 'draft')
          await emitEventChanged(trx, 'event.updated', after as EventRow, available, previously);
        await recordAudit(trx, actor, 'event.update', 'event', id, {
          before: { status: row.status },
          after: { ...body, layout: body.layout ? '(layout)' : undefined, status },
        });
      })
      .catch((err: unknown) => {
        // Seats that were ever part of a reservation stay referenced by it: block them instead.
        if ((err as { code?: string }).code === '23503') {
          throw AppError.conflict(
            'LAYOUT_SEATS_IN_USE',
            'The new layout removes seats that have reservations on record; block them instead',
          );
        }
        throw err;
      });
    await this.afterCommit(id, expanded !== null);
  }

  async remove(actor: AuthUser, id: string): Promise<void> {
    try {
      await this.db.transaction().execute(async (trx) => {
        const row = await findEvent(trx, id, { forUpdate: true });
        if (!row) throw AppError.notFound('EVENT_NOT_FOUND', 'Event not found');
        const counts = await countSeatsByStatus(trx, id);
        if ((counts.sold ?? 0) + (counts.held ?? 0) > 0) {
          throw AppError.conflict(
            'EVENT_HAS_SALES',
            'Seats of this event are sold or held; cancel the event instead',
            { sold: counts.sold ?? 0, held: counts.held ?? 0 },
          );
        }
        await deleteEvent(trx, id);
        if (row.status !== 'draft')
          await emitEventChanged(trx, 'event.updated', { ...row, status: 'deleted' });
        await recordAudit(trx, actor, 'event.delete', 'event', id, {
          before: { title: row.title, status: row.status },
        });
      });
    } catch (err) {
      // Booking's rows referencing the event (past reservations) make it history: cancel instead.
      if ((err as { code?: string }).code === '23503') {
        throw AppError.conflict('EVENT_HAS_SALES', 'This event has reservations; cancel the event instead');
      }
      throw err;
    }
    await this.afterCommit(id);
  }

  async publish(actor: AuthUser, id: string): Promise<void> {
    const now = this.ctx.clock.now();
    await this.db.transaction().execute(async (trx) => {
      const row = await findEvent(trx, id, { forUpdate: true });
      if (!row) throw AppError.notFound('EVENT_NOT_FOUND', 'Event not found');
      if (row.status !== 'draft')
        throw AppError.conflict(
          'INVALID_STATUS_TRANSITION',
          `Only a draft can be published (status is ${row.status})`,
          { status: row.status },
        );
      if (row.seats_total === 0)
        throw AppError.conflict('EVENT_HAS_NO_SEATS', 'Give the event a seat map before publishing it');
      const available = await countAvailable(trx, id);
      const dates = datesOf(row);
      if (now >= dates.endsAt) throw AppError.conflict('EVENT_IN_PAST', 'The event has already ended');
      const status = publishedStatus({ ...dates, available }, now);
      await updateEvent(trx, id, { status, published_at: now });
      await emitEventChanged(trx, 'event.published', { ...row, status }, available);
      await recordAudit(trx, actor, 'event.publish', 'event', id, {
        before: { status: row.status },
        after: { status },
      });
    });
    await this.afterCommit(id);
  }

  async cancel(actor: AuthUser, id: string, reason?: string): Promise<void> {
    const now = this.ctx.clock.now();
    await this.db.transaction().execute(async (trx) => {
      const row = await findEvent(trx, id, { forUpdate: true });
      if (!row) throw AppError.notFound('EVENT_NOT_FOUND', 'Event not found');
      if (row.status === 'cancelled')
        throw AppError.conflict('INVALID_STATUS_TRANSITION', 'The event is already cancelled', {
          status: row.status,
        });
      await updateEvent(trx, id, { status: 'cancelled', cancelled_at: now });
      // Followers of this fact: booking cancels the event's pending holds (seats back) and refuses
      // to confirm any of them from now on; payment refunds every payment of the event in full.
      await emitEventChanged(trx, 'event.cancelled', { ...row, status: 'cancelled' });
      await recordAudit(trx, actor, 'event.cancel', 'event', id, {
        before: { status: row.status },
        after: { status: 'cancelled', reason },
      });
    });
    await this.afterCommit(id);
  }

  /**
   * Seats changed (booking held, sold or returned some): set or clear sold_out. Reads without a
   * lock first; only a real change takes the row lock, and the update is conditional on the status
   * read, so concurrent calls never double-act.
   */
  async seatsChanged(eventId: string): Promise<void> {
    const row = await findEvent(this.db, eventId);
    if (row && (row.status === 'on_sale' || row.status === 'sold_out')) {
      // Under a sale this runs back to back: ask whether a seat is left (an index probe), and count
      // them only when the event comes back on sale (a count reads every seat of a 50,000-seat map).
      const anyLeft = await hasAvailable(this.db, eventId);
      // Only the sold-out flag moves here; time-driven transitions are the scheduler's.
      const status = anyLeft ? 'on_sale' : 'sold_out';
      if (status !== row.status) {
        const available = anyLeft ? await countAvailable(this.db, eventId) : 0;
        await this.db.transaction().execute(async (trx) => {
          if (await updateEvent(trx, eventId, { status }, row.status)) {
            await emitEventChanged(trx, 'event.updated', { ...row, status }, available);
            this.metrics?.transitions.inc({ to: status, cause: 'seats' });
          }
        });
        this.ctx.relay?.poke();
      }
    }
    await this.cache.invalidate(eventId);
  }
}

export { LIVE_STATUSES };
