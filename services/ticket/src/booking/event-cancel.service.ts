import { EventTypes, type EventDataByType } from '@tiketi/contracts';
import { pendingReservationIdsOfEvent } from './reservation.queries';
import { cancelPending, cancelPendingOfEvent } from './reservation.service';
import type { BookingRuntime } from './booking.runtime';

const GROUP = 'ticket.event-cancelled-holds';
const BATCH = 200;
export const EVENT_CANCELLED_REASON = 'Event cancelled';

/**
 * Closes every pending hold of a cancelled event: each one becomes cancelled with its seats back
 * and reservation.cancelled published, as a buyer's own cancellation would. A payment confirming
 * one of them meanwhile is refused at confirm (the event is cancelled) and refunded by payment.
 * Idempotent: a repeat finds nothing pending.
 */
export async function cancelPendingHoldsOfEvent(rt: BookingRuntime, eventId: string): Promise<number> {
  let cancelled = 0;
  // A transaction a batch: a big sale's thousands of holds in seconds, not one commit each.
  for (;;) {
    const closed = await cancelPendingOfEvent(rt, eventId, EVENT_CANCELLED_REASON, BATCH);
    cancelled += closed;
    if (closed < BATCH) break;
  }
  // Holds another transaction had locked (skipped above): one at a time, waiting for each lock.
  for (;;) {
    const ids = await pendingReservationIdsOfEvent(rt.ctx.db, eventId, BATCH);
    let closed = 0;
    for (const id of ids) if (await cancelPending(rt, id, EVENT_CANCELLED_REASON)) closed += 1;
    cancelled += closed;
    // A batch in which nothing closed was taken by other transitions (confirm, expiry): done.
    if (ids.length < BATCH || closed === 0) return cancelled;
  }
}

/** Booking's own consumer of event.cancelled (catalogue commits the cancellation; this follows it). */
export async function startEventCancelledConsumer(rt: BookingRuntime): Promise<() => Promise<void>> {
  return rt.ctx.bus.subscribe({ group: GROUP, types: [EventTypes.eventCancelled] }, async (event) => {
    const data = event.data as EventDataByType['event.cancelled'];
    const n = await cancelPendingHoldsOfEvent(rt, data.eventId);
    if (n > 0)
      rt.ctx.log.info(
        { eventId: data.eventId, cancelled: n },
        'pending holds of a cancelled event cancelled',
      );
  });
}
