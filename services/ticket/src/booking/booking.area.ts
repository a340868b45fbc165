import { ServiceClient, type ServiceContext } from '@tiketi/platform';
import type { TicketArea, TicketShared } from '../ticket.area';
import type { TicketConfig } from '../ticket.config';
import { startRealtime, type RealtimeServer } from '../realtime/realtime.server';
import { SeatUpdateBatcher } from '../realtime/seat-updates.batcher';
import { bookingMigration } from './booking.migrations';
import { seatQuotaMigration } from './seat-quota.migrations';
import { holdFunctionMigration } from './hold-function.migrations';
import { HoldGroups } from './hold.groups';
import { createBookingMetrics } from './booking.metrics';
import { bookingRoutes } from './booking.routes';
import { internalRoutes } from './internal.routes';
import { SeatMapCache } from './seat-map.cache';
import { BookableEventCache } from './bookable-event.cache';
import { startWorkers, type Workers } from './booking.workers';
import { startEventCancelledConsumer } from './event-cancel.service';
import type { BookingRuntime } from './booking.runtime';

/**
 * Hold statements under way at once. More in flight means smaller groups, so more commits for the
 * same holds; fewer means a hold waits longer for the group before it. PGlite runs one statement
 * at a time anyway. Half the pool leaves the rest to confirms, reads and the workers.
 */
function holdGroupsInFlight(config: TicketConfig): number {
  return config.DATABASE_URL ? Math.max(1, Math.min(4, Math.floor(config.DATABASE_POOL_MAX / 2))) : 1;
}
/** Holds per statement at most: a few tens of kilobytes of parameters. */
const HOLD_GROUP_MAX = 64;

export interface BookingInstance {
  runtime: BookingRuntime;
  realtime: RealtimeServer;
  /** Set once start() ran. */
  workers: Workers | null;
}

// Keyed by context: two ticket services in one process (tests, replicas) never share state.
const instances = new WeakMap<ServiceContext<any>, BookingInstance>();

/** The booking runtime of one ticket-service instance (admin area, tests). */
export function bookingInstance(ctx: ServiceContext<any>): BookingInstance {
  const instance = instances.get(ctx);
  if (!instance) throw new Error('the booking area has not been registered on this service');
  return instance;
}

export const bookingArea: TicketArea = {
  name: 'booking',
  migrations: {
    '0200_booking': bookingMigration,
    '0201_booking_seat_quota': seatQuotaMigration,
    '0202_booking_hold_function': holdFunctionMigration,
  },
  async routes(app, ctx: ServiceContext<TicketConfig>, shared: TicketShared) {
    const realtime = await startRealtime(app, ctx);
    // Replace the methods rather than the object: other areas may hold a reference to it.
    shared.realtime.toEvent = realtime.toEvent;
    shared.realtime.toUser = realtime.toUser;
    shared.realtime.toUsers = realtime.toUsers;
    const batcher = new SeatUpdateBatcher(() => shared.realtime);
    const metrics = createBookingMetrics(ctx.metrics);
    const runtime: BookingRuntime = {
      ctx,
      shared,
      seatMap: new SeatMapCache({ db: ctx.db, coordination: () => ctx.coordination, log: ctx.log }),
      events: new BookableEventCache(ctx.db),
      batcher,
      payments: new ServiceClient(ctx.config.PAYMENT_URL, ctx.config.INTERNAL_TOKEN, 'payment'),
      metrics,
      coordination: () => ctx.coordination,
      pendingReleases: [],
      claiming: new Set(),
      holdGroups: new HoldGroups(ctx.db, {
        maxInFlight: holdGroupsInFlight(ctx.config),
        maxGroup: HOLD_GROUP_MAX,
        onGroup: (size) => metrics.holdGroupSize.observe(size),
      }),
    };
    instances.set(ctx, { runtime, realtime, workers: null });
    ctx.onClose(() => batcher.close());
    await bookingRoutes(app, runtime);
    await internalRoutes(app, runtime);
  },
  async start(ctx) {
    const instance = bookingInstance(ctx);
    instance.workers = await startWorkers(instance.runtime);
    ctx.onClose(() => instance.workers?.stop());
    ctx.onClose(await startEventCancelledConsumer(instance.runtime));
  },
};
