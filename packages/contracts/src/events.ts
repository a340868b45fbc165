import { Type, type Static } from '@sinclair/typebox';

/**
 * Facts that cross service boundaries, as they travel in EventEnvelope.data. Producers write them
 * through their outbox; consumers must be idempotent (applyOnce) and tolerate re-ordering.
 * Adding a field is fine; renaming or removing one breaks a consumer.
 */

export const UserRegistered = Type.Object({
  userId: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: Type.Union([Type.Literal('user'), Type.Literal('admin')]),
  registeredAt: Type.String({ format: 'date-time' }),
});

/** An account was closed by its owner: its personal data are gone from auth; the id stays. */
export const UserDeleted = Type.Object({
  userId: Type.String(),
  deletedAt: Type.String({ format: 'date-time' }),
});

/** Published/updated/cancelled events: enough for read models that need titles and sizes. */
export const EventChanged = Type.Object({
  eventId: Type.String(),
  title: Type.String(),
  status: Type.String(),
  startsAt: Type.String(),
  seatsTotal: Type.Integer(),
  seatsAvailable: Type.Optional(Type.Integer()),
  /** event.updated only, when the time or the venue changed: as they were, for the buyers' notice. */
  previously: Type.Optional(Type.Object({ startsAt: Type.String(), venueName: Type.String() })),
});

const reservationBase = {
  reservationId: Type.String(),
  eventId: Type.String(),
  userId: Type.String(),
  seatCount: Type.Integer(),
  /** KRW, integer. For reservation.refunded: the amount refunded. */
  amount: Type.Integer(),
  occurredAt: Type.String(),
};

export const ReservationHeld = Type.Object({
  ...reservationBase,
  seatIds: Type.Array(Type.String()),
  expiresAt: Type.String(),
});
export const ReservationConfirmed = Type.Object({
  ...reservationBase,
  paymentId: Type.Optional(Type.String()),
});
export const ReservationCancelled = Type.Object({ ...reservationBase, reason: Type.Optional(Type.String()) });
export const ReservationExpired = Type.Object(reservationBase);
export const ReservationRefunded = Type.Object({
  ...reservationBase,
  partial: Type.Boolean(),
  seatIds: Type.Optional(Type.Array(Type.String())),
});

const paymentBase = {
  paymentId: Type.String(),
  reservationId: Type.String(),
  eventId: Type.String(),
  userId: Type.String(),
  method: Type.String(),
  /** KRW. payment.paid: amount charged; payment.refunded: this refund's amount. */
  amount: Type.Integer(),
  occurredAt: Type.String(),
};

export const PaymentPaid = Type.Object({ ...paymentBase, paidAt: Type.String() });
export const PaymentRefunded = Type.Object({
  ...paymentBase,
  refundedTotal: Type.Integer(),
  fee: Type.Integer(),
  status: Type.Union([Type.Literal('refunded'), Type.Literal('partially_refunded')]),
  /** The seats this refund gives back (scope "seats"); `[]` with scope "money". */
  seatIds: Type.Optional(Type.Array(Type.String())),
  /**
   * What the refund gives back: "all" (every seat and the rest of the money), "seats" (the seats
   * in seatIds and their money), "money" (an amount only: every seat stays sold). Absent on facts
   * from before this field existed: then no seatIds means "all".
   */
  scope: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('seats'), Type.Literal('money')])),
  /** The refund this fact reports (absent on older facts). */
  refundId: Type.Optional(Type.String()),
});
export const PaymentFailed = Type.Object({ ...paymentBase, code: Type.String() });

/** A buyer admitted from a waiting room (conversion: admissions that became purchases). */
export const QueueAdmitted = Type.Object({
  eventId: Type.String(),
  userId: Type.String(),
  occurredAt: Type.String(),
});

/** An operator's change, for the audit log (stats keeps it; GET /api/admin/audit reads it). */
export const AuditRecorded = Type.Object({
  actorId: Type.String(),
  actorEmail: Type.Optional(Type.String()),
  action: Type.String({ description: 'e.g. event.publish, reservation.cancel, user.role' }),
  targetType: Type.String(),
  targetId: Type.String(),
  before: Type.Optional(Type.Unknown()),
  after: Type.Optional(Type.Unknown()),
  occurredAt: Type.String(),
});

export const EventTypes = {
  auditRecorded: 'audit.recorded',
  userRegistered: 'user.registered',
  userDeleted: 'user.deleted',
  eventPublished: 'event.published',
  eventUpdated: 'event.updated',
  eventCancelled: 'event.cancelled',
  reservationHeld: 'reservation.held',
  reservationConfirmed: 'reservation.confirmed',
  reservationCancelled: 'reservation.cancelled',
  reservationExpired: 'reservation.expired',
  reservationRefunded: 'reservation.refunded',
  paymentPaid: 'payment.paid',
  paymentRefunded: 'payment.refunded',
  paymentFailed: 'payment.failed',
  queueAdmitted: 'queue.admitted',
} as const;

export interface EventDataByType {
  'user.registered': Static<typeof UserRegistered>;
  'user.deleted': Static<typeof UserDeleted>;
  'event.published': Static<typeof EventChanged>;
  'event.updated': Static<typeof EventChanged>;
  'event.cancelled': Static<typeof EventChanged>;
  'reservation.held': Static<typeof ReservationHeld>;
  'reservation.confirmed': Static<typeof ReservationConfirmed>;
  'reservation.cancelled': Static<typeof ReservationCancelled>;
  'reservation.expired': Static<typeof ReservationExpired>;
  'reservation.refunded': Static<typeof ReservationRefunded>;
  'payment.paid': Static<typeof PaymentPaid>;
  'payment.refunded': Static<typeof PaymentRefunded>;
  'payment.failed': Static<typeof PaymentFailed>;
  'queue.admitted': Static<typeof QueueAdmitted>;
  'audit.recorded': Static<typeof AuditRecorded>;
}

export type EventType = keyof EventDataByType;
