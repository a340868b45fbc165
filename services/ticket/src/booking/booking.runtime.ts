import type { Kysely, Transaction } from 'kysely';
import {
  enqueueEvent,
  enqueueEvents,
  type Coordination,
  type ServiceClient,
  type ServiceContext,
} from '@tiketi/platform';
import type { EventDataByType } from '@tiketi/contracts';
import type { TicketConfig } from '../ticket.config';
import type { TicketShared } from '../ticket.area';
import type { SeatUpdateBatcher } from '../realtime/seat-updates.batcher';
import type { SeatChange, SeatMapCache } from './seat-map.cache';
import type { BookingMetrics } from './booking.metrics';
import type { BookableEventCache } from './bookable-event.cache';
import type { HoldGroups } from './hold.groups';

/** Everything booking code needs, built once per service instance by the area. */
export interface BookingRuntime {
  ctx: ServiceContext<TicketConfig>;
  shared: TicketShared;
  seatMap: SeatMapCache;
  /** Events as the hold and seat-map routes need them, cached for a moment (a hint; holds re-check in SQL). */
  events: BookableEventCache;
  batcher: SeatUpdateBatcher;
  payments: ServiceClient;
  metrics: BookingMetrics;
  coordination(): Coordination;
  /** Seat keys whose release failed (Redis away): retried by the sweeper so they do not turn buyers away until their TTL. */
  pendingReleases: Array<{ keys: string[]; owner: string }>;
  /** Seats of holds in flight in this process (claimed, not yet in the seat map): best available skips them. */
  claiming: Set<string>;
  /** Where holds go to PostgreSQL, together with the holds that arrive at the same time. */
  holdGroups: HoldGroups;
}

const MAX_PENDING_RELEASES = 100_000;
/** A sold seat keeps its fast-path key (turning buyers away before PostgreSQL) until refunded. */
export const SOLD_KEY_TTL_MS = 7 * 24 * 3_600_000;

/** What a committed transaction must tell the world; applied only after the commit. */
export interface Effects {
  seatChanges: Map<string, SeatChange[]>;
  holdUpdates: Array<{ userId: string; reservationId: string; status: string; expiresAt: string }>;
  releases: Array<{ keys: string[]; owner: string }>;
  /** Keys of seats just sold: their TTL is extended to SOLD_KEY_TTL_MS. */
  sold: Array<{ keys: string[]; owner: string }>;
  /** Buyers whose purchase was just confirmed: their waiting-room session ends. */
  purchases: Array<{ eventId: string; userId: string }>;
  events: number;
}

export function newEffects(): Effects {
  return { seatChanges: new Map(), holdUpdates: [], releases: [], sold: [], purchases: [], events: 0 };
}

export function addSeatChanges(fx: Effects, eventId: string, seatIds: string[], status: string): void {
  if (seatIds.length === 0) return;
  const list = fx.seatChanges.get(eventId) ?? [];
  for (const seatId of seatIds) list.push({ seatId, status });
  fx.seatChanges.set(eventId, list);
}

export async function emit<T extends keyof EventDataByType>(
  trx: Kysely<any> | Transaction<any>,
  fx: Effects,
  type: T,
  data: EventDataByType[T],
): Promise<void> {
  await enqueueEvent(trx, 'ticket', 'ticket', type, data);
  fx.events += 1;
}

/** `emit` for many events of one type, in one statement. */
export async function emitMany<T extends keyof EventDataByType>(
  trx: Kysely<any> | Transaction<any>,
  fx: Effects,
  type: T,
  data: Array<EventDataByType[T]>,
): Promise<void> {
  if (data.length === 0) return;
  await enqueueEvents(trx, 'ticket', 'ticket', type, data);
  fx.events += data.length;
}

/** Runs `fn` in one transaction, then publishes its effects (events, seat map, sockets, Redis). */
export async function inTransaction<T>(
  rt: BookingRuntime,
  fn: (trx: Transaction<any>, fx: Effects) => Promise<T>,
): Promise<T> {
  const fx = newEffects();
  const result = await rt.ctx.db.transaction().execute((trx) => fn(trx, fx));
  await applyEffects(rt, fx);
  return result;
}

export async function applyEffects(rt: BookingRuntime, fx: Effects): Promise<void> {
  if (fx.events > 0) rt.ctx.relay?.poke();
  // At once, not one round trip after another: a sweep's batch releases hundreds of holds.
  await Promise.all(
    fx.releases.map((release) =>
      rt
        .coordination()
        .releaseIfOwner(release.keys, release.owner)
        .catch((err: unknown) => {
          // PostgreSQL already returned the seats; the sweeper retries so the fast path catches up.
          rt.ctx.log.warn(
            { err: (err as Error).message, owner: release.owner },
            'could not release seat holds in coordination; will retry',
          );
          if (rt.pendingReleases.length < MAX_PENDING_RELEASES) rt.pendingReleases.push(release);
        }),
    ),
  );
  // Released claims go first, so a seat the map shows available is claimable at once. A sold seat's
  // claim and the map's change are independent (the seat stays claimed by its reservation either
  // way), so they share one round trip: a confirmation waited for two in a row.
  const sold = fx.sold.map(({ keys, owner }) =>
    // claimAll by the same owner refreshes the TTL; a key taken meanwhile is left alone.
    rt
      .coordination()
      .claimAll(keys, owner, SOLD_KEY_TTL_MS)
      .catch(() => undefined),
  );
  const changed = (async () => {
    for (const [eventId, changes] of fx.seatChanges) {
      const version = await rt.seatMap.apply(eventId, changes);
      rt.batcher.add(eventId, version, changes);
      // sold_out and the catalogue's counts follow shortly; the buyer's answer does not wait for them.
      void notifySeatsChanged(rt, eventId);
    }
  })();
  const sessions = fx.purchases.map((p) => rt.shared.queueGate.purchased(p.eventId, p.userId));
  await Promise.all([...sold, changed, ...sessions]);
  for (const u of fx.holdUpdates) {
    rt.shared.realtime.toUser(u.userId, 'hold:update', {
      reservationId: u.reservationId,
      status: u.status,
      expiresAt: u.expiresAt,
    });
  }
}

/** Retries releases that failed while coordination was away; returns how many are still pending. */
export async function retryPendingReleases(rt: BookingRuntime): Promise<number> {
  while (rt.pendingReleases.length > 0) {
    const next = rt.pendingReleases[0]!;
    try {
      await rt.coordination().releaseIfOwner(next.keys, next.owner);
    } catch {
      break;
    }
    rt.pendingReleases.shift();
  }
  return rt.pendingReleases.length;
}

interface ListenerRuns {
  running: Promise<void> | null;
  queued: Promise<void> | null;
  lastStartedAt: number;
}
const listenerRuns = new WeakMap<BookingRuntime, Map<string, ListenerRuns>>();
/**
 * Runs of the seatsChanged listeners start at least this far apart per event. Each run reads the
 * event, asks whether a seat is left and drops the catalogue's cached copies of the event (whose
 * next read recounts its sections); under a sale they ran back to back. The sold-out flag and the
 * catalogue's counts may be this much behind; the seat map itself is live.
 */
const SEATS_CHANGED_GAP_MS = 100;

/**
 * Calls every seatsChanged listener for the event after our commit. Under a flash sale hundreds
 * of holds commit at once: they share one run that starts after all of them committed instead
 * of each recounting the event (at most one run in flight and one queued per event, and runs at
 * least SEATS_CHANGED_GAP_MS apart).
 */
function notifySeatsChanged(rt: BookingRuntime, eventId: string): Promise<void> {
  let byEvent = listenerRuns.get(rt);
  if (!byEvent) listenerRuns.set(rt, (byEvent = new Map()));
  let runs = byEvent.get(eventId);
  if (!runs) byEvent.set(eventId, (runs = { running: null, queued: null, lastStartedAt: 0 }));
  const state = runs;
  const events = byEvent;
  const runOnce = async () => {
    for (const listener of rt.shared.seatsChanged) {
      try {
        await listener(eventId);
      } catch (err) {
        rt.ctx.log.warn({ err, eventId }, 'seatsChanged listener failed');
      }
    }
  };
  const idle = () => !state.running && !state.queued;
  const start = (): Promise<void> => {
    state.lastStartedAt = Date.now();
    const p = runOnce().finally(() => {
      if (state.running === p) state.running = null;
      // Remembered until the gap has passed (the next change waits it out), then forgotten.
      if (idle())
        setTimeout(() => {
          if (idle() && events.get(eventId) === state) events.delete(eventId);
        }, SEATS_CHANGED_GAP_MS).unref();
    });
    state.running = p;
    return p;
  };
  const gapLeft = () =>
    new Promise<void>((resolve) =>
      setTimeout(resolve, Math.max(0, state.lastStartedAt + SEATS_CHANGED_GAP_MS - Date.now())),
    );
  if (idle() && Date.now() - state.lastStartedAt >= SEATS_CHANGED_GAP_MS) return start();
  // A run in flight may have read the counts before our commit: queue exactly one more after it.
  state.queued ??= (state.running ?? Promise.resolve()).then(gapLeft).then(() => {
    state.queued = null;
    return start();
  });
  return state.queued;
}
