import type { Kysely, Transaction } from 'kysely';
import { FormatRegistry, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import {
  AuditRecorded,
  EventChanged,
  PaymentPaid,
  PaymentRefunded,
  QueueAdmitted,
  ReservationCancelled,
  ReservationConfirmed,
  ReservationExpired,
  ReservationHeld,
  ReservationRefunded,
  UserRegistered,
  type EventDataByType,
} from '@tiketi/contracts';
import type { EventEnvelope } from '@tiketi/platform';
import { hourStart } from '../time/seoul.time';
import { ProjectionWrites } from './projection.batch';
import * as repo from './projection.repository';

type Db = Kysely<any> | Transaction<any>;

/** Every type the stats service keeps. */
export const STATS_EVENT_TYPES = [
  'user.registered',
  'event.published',
  'event.updated',
  'event.cancelled',
  'reservation.held',
  'reservation.confirmed',
  'reservation.cancelled',
  'reservation.expired',
  'reservation.refunded',
  'payment.paid',
  'payment.refunded',
  'payment.failed',
  'queue.admitted',
  'audit.recorded',
] as const;

// Value.Check rejects formats it does not know; the contracts use date-time.
if (!FormatRegistry.Has('date-time'))
  FormatRegistry.Set('date-time', (value) => !Number.isNaN(Date.parse(value)));

const SCHEMAS: Partial<Record<string, TSchema>> = {
  'user.registered': UserRegistered,
  'event.published': EventChanged,
  'event.updated': EventChanged,
  'event.cancelled': EventChanged,
  'reservation.held': ReservationHeld,
  'reservation.confirmed': ReservationConfirmed,
  'reservation.cancelled': ReservationCancelled,
  'reservation.expired': ReservationExpired,
  'reservation.refunded': ReservationRefunded,
  'payment.paid': PaymentPaid,
  'payment.refunded': PaymentRefunded,
  'queue.admitted': QueueAdmitted,
  'audit.recorded': AuditRecorded,
};

/**
 * Lifecycle ranks: a reservation only moves forward (held -> confirmed -> cancelled/expired ->
 * partially refunded -> refunded), so the highest rank seen is its status even when the facts
 * arrive out of order. Rank 0 is a placeholder made by a payment that arrived before any
 * reservation fact.
 */
export const STATUS_RANK = {
  pending: 1,
  confirmed: 2,
  expired: 3,
  cancelled: 3,
  partially_refunded: 4,
  refunded: 5,
} as const;

/** The instant a fact happened: its own timestamp when readable, else the envelope's. */
export function occurredAt(event: EventEnvelope, field?: unknown): Date {
  for (const candidate of [field, event.occurredAt]) {
    if (typeof candidate === 'string') {
      const at = Date.parse(candidate);
      if (!Number.isNaN(at)) return new Date(at);
    }
  }
  return new Date(0);
}

/** False when the payload does not match its contract: it is kept in the history but not counted. */
export function isWellFormed(event: EventEnvelope): boolean {
  const schema = SCHEMAS[event.type];
  return schema ? Value.Check(schema, event.data) : event.type === 'payment.failed';
}

function version(event: EventEnvelope, at: Date): string {
  return `${at.toISOString()}|${event.id}`;
}

/**
 * Applies one well-formed fact to the read models. Idempotence is the caller's (history/applyOnce).
 * With `writes`, the writes that can share statements with other facts' are collected there for
 * the caller to flush with the rest of its batch; without, they are written before it returns.
 */
export async function project(db: Db, event: EventEnvelope, writes?: ProjectionWrites): Promise<void> {
  if (!writes) {
    const own = new ProjectionWrites();
    await project(db, event, own);
    await own.flush(db);
    return;
  }
  switch (event.type) {
    case 'user.registered': {
      const d = event.data as EventDataByType['user.registered'];
      await repo.upsertUser(db, d.userId, d.role, occurredAt(event, d.registeredAt));
      return;
    }
    case 'event.published':
    case 'event.updated':
    case 'event.cancelled': {
      const d = event.data as EventDataByType['event.published'];
      const at = occurredAt(event);
      await repo.upsertEvent(db, {
        eventId: d.eventId,
        title: d.title,
        status: event.type === 'event.cancelled' ? 'cancelled' : d.status,
        startsAt: d.startsAt,
        seatsTotal: d.seatsTotal,
        version: version(event, at),
      });
      return;
    }
    case 'reservation.held':
    case 'reservation.confirmed':
    case 'reservation.cancelled':
    case 'reservation.expired':
    case 'reservation.refunded': {
      const d = event.data as EventDataByType['reservation.refunded'];
      const at = occurredAt(event, d.occurredAt);
      const kind = event.type.slice('reservation.'.length);
      const status =
        kind === 'held'
          ? 'pending'
          : kind === 'refunded'
            ? d.partial
              ? 'partially_refunded'
              : 'refunded'
            : kind;
      // A refund fact's amount is the money returned, not the reservation's price.
      const describesSize = kind !== 'refunded';
      writes.reservation({
        reservationId: d.reservationId,
        eventId: d.eventId,
        userId: d.userId,
        seatCount: describesSize ? d.seatCount : 0,
        amount: describesSize ? d.amount : 0,
        status,
        rank: STATUS_RANK[status as keyof typeof STATUS_RANK],
        version: version(event, at),
        held: kind === 'held',
        converted: kind === 'confirmed',
        refundedSeats: kind === 'refunded' && d.partial ? (d.seatIds?.length ?? 0) : 0,
        at,
      });
      return;
    }
    case 'payment.paid': {
      const d = event.data as EventDataByType['payment.paid'];
      const paidAt = occurredAt(event, d.paidAt);
      // One payment counts once even if its provider callback produced two paid facts.
      writes.payment(
        {
          paymentId: d.paymentId,
          reservationId: d.reservationId,
          eventId: d.eventId,
          method: d.method,
          amount: d.amount,
          paidAt,
        },
        {
          hour: hourStart(paidAt),
          eventId: d.eventId,
          method: d.method,
          revenue: d.amount,
          sales: 1,
          refunds: 0,
          refundCount: 0,
        },
      );
      writes.reservation({
        reservationId: d.reservationId,
        eventId: d.eventId,
        userId: d.userId,
        seatCount: 0,
        amount: d.amount,
        status: 'pending',
        rank: 0,
        version: '',
        held: false,
        converted: true,
        refundedSeats: 0,
        at: paidAt,
      });
      return;
    }
    case 'payment.refunded': {
      const d = event.data as EventDataByType['payment.refunded'];
      const at = occurredAt(event, d.occurredAt);
      writes.sale({
        hour: hourStart(at),
        eventId: d.eventId,
        method: d.method,
        revenue: 0,
        sales: 0,
        refunds: d.amount,
        refundCount: 1,
      });
      return;
    }
    case 'queue.admitted': {
      const d = event.data as EventDataByType['queue.admitted'];
      writes.admission({ eventId: d.eventId, userId: d.userId, at: occurredAt(event, d.occurredAt) });
      return;
    }
    case 'audit.recorded': {
      const d = event.data as EventDataByType['audit.recorded'];
      await repo.insertAudit(db, {
        id: event.id,
        actorId: d.actorId,
        actorEmail: d.actorEmail ?? null,
        action: d.action,
        targetType: d.targetType,
        targetId: d.targetId,
        before: d.before,
        after: d.after,
        source: event.source ?? 'unknown',
        occurredAt: occurredAt(event, d.occurredAt),
      });
      return;
    }
    default:
      return;
  }
}
