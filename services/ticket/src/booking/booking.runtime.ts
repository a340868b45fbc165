import type { Kysely, Transaction } from 'kysely';
import { enqueueEvent, type Coordination, type ServiceClient, type ServiceContext } from '@tiketi/platform';
import type { EventDataByType } from '@tiketi/contracts';
import type { TicketConfig } from '../ticket.config';
import type { TicketShared } from '../ticket.area';
import type { SeatUpdateBatcher } from '../realtime/seat-updates.batcher';
import type { SeatChange, SeatMapCache } from './seat-map.cache';
import type { BookingMetrics } from './booking.metrics';

/** Everything booking code needs, built once per service instance by the area. */
export interface BookingRuntime {
  ctx: ServiceContext<TicketConfig>;
  shared: TicketShared;
  seatMap: SeatMapCache;
  batcher: SeatUpdateBatcher;
  payments: ServiceClient;
  metrics: BookingMetrics;
  coordination(): Coordination;
}

/** What a committed transaction must tell the world; applied only after the commit. */
export interface Effects {
  seatChanges: Map<string, SeatChange[]>;
  holdUpdates: Array<{ userId: string; reservationId: string; status: string; expiresAt: string }>;
  releases: Array<{ keys: string[]; owner: string }>;
  events: number;
}

export function newEffects(): Effects {
  return { seatChanges: new Map(), holdUpdates: [], releases: [], events: 0 };
}

export function addSeatChanges(fx: Effects, eventId: string, seatIds: string[], status: string): void {
  if (seatIds.length === 0) return;
  const list = fx.seatChanges.get(eventId) ?? [];
  for (const seatId of seatIds) list.push({ seatId, status });
  fx.seatChanges.set(eventId, list);
}

export async function emit<T extends keyof EventDataByType>(trx: Kysely<any> | Transaction<any>, fx: Effects, type: T, data: EventDataByType[T]): Promise<void> {
  await enqueueEvent(trx, 'ticket', 'ticket', type, data);
  fx.events += 1;
}

/** Runs `fn` in one transaction, then publishes its effects (events, seat map, sockets, Redis). */
export async function inTransaction<T>(rt: BookingRuntime, fn: (trx: Transaction<any>, fx: Effects) => Promise<T>): Promise<T> {
  const fx = newEffects();
  const result = await rt.ctx.db.transaction().execute((trx) => fn(trx, fx));
  await applyEffects(rt, fx);
  return result;
}

export async function applyEffects(rt: BookingRuntime, fx: Effects): Promise<void> {
  if (fx.events > 0) rt.ctx.relay?.poke();
  for (const { keys, owner } of fx.releases) {
    // A key left behind only turns buyers away until its TTL; PostgreSQL still decides.
    await rt
      .coordination()
      .releaseIfOwner(keys, owner)
      .catch((err: unknown) => rt.ctx.log.warn({ err, owner }, 'could not release seat holds in coordination'));
  }
  for (const [eventId, changes] of fx.seatChanges) {
    const version = await rt.seatMap.apply(eventId, changes);
    rt.batcher.add(eventId, version, changes);
    for (const listener of rt.shared.seatsChanged) {
      try {
        await listener(eventId);
      } catch (err) {
        rt.ctx.log.warn({ err, eventId }, 'seatsChanged listener failed');
      }
    }
  }
  for (const u of fx.holdUpdates) {
    rt.shared.realtime.toUser(u.userId, 'hold:update', { reservationId: u.reservationId, status: u.status, expiresAt: u.expiresAt });
  }
}
