import type { Transaction } from 'kysely';
import { enqueueEvent, type AuthUser } from '@tiketi/platform';
import { EventTypes, type EventDataByType } from '@tiketi/contracts';
import type { EventRow } from './event.repository';

/** event.published / event.updated / event.cancelled, written in the caller's transaction. */
export async function emitEventChanged(
  trx: Transaction<any>,
  type: 'event.published' | 'event.updated' | 'event.cancelled',
  row: Pick<EventRow, 'id' | 'title' | 'status' | 'starts_at' | 'seats_total'>,
  seatsAvailable?: number,
  previously?: { startsAt: string; venueName: string },
): Promise<void> {
  const data: EventDataByType['event.updated'] = {
    eventId: row.id,
    title: row.title,
    status: row.status,
    startsAt: new Date(row.starts_at).toISOString(),
    seatsTotal: row.seats_total,
    ...(seatsAvailable === undefined ? {} : { seatsAvailable }),
    ...(previously ? { previously } : {}),
  };
  await enqueueEvent(trx, 'ticket', 'ticket', type, data);
}

/** One audit.recorded fact per admin action (stats keeps the log). */
export async function recordAudit(
  trx: Transaction<any>,
  actor: AuthUser,
  action: string,
  targetType: string,
  targetId: string,
  change: { before?: unknown; after?: unknown } = {},
): Promise<void> {
  const data: EventDataByType['audit.recorded'] = {
    actorId: actor.id,
    ...(actor.email ? { actorEmail: actor.email } : {}),
    action,
    targetType,
    targetId,
    ...change,
    occurredAt: new Date().toISOString(),
  };
  await enqueueEvent(trx, 'ticket', 'ticket', EventTypes.auditRecorded, data);
}
