import { Type } from '@sinclair/typebox';
import { ErrorBody, RESERVATION_STATUSES } from '@tiketi/contracts';

export const ReservationStatusSchema = Type.Union(RESERVATION_STATUSES.map((s) => Type.Literal(s)));

export const ReservationSeat = Type.Object({
  id: Type.String(),
  label: Type.String(),
  section: Type.String(),
  row: Type.String(),
  number: Type.Integer(),
  price: Type.Integer({ description: 'KRW at hold time' }),
  refunded: Type.Optional(Type.Boolean()),
});

export const EventRef = Type.Object({
  id: Type.String(),
  title: Type.String(),
  startsAt: Type.String({ format: 'date-time' }),
  venueName: Type.String(),
  status: Type.String(),
});

const CheckedInAt = Type.Optional(
  Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: "when the venue's gate admitted it; a used ticket is not cancelled by its buyer",
  }),
);

export const Reservation = Type.Object({
  id: Type.String(),
  eventId: Type.String(),
  userId: Type.String(),
  status: ReservationStatusSchema,
  seats: Type.Array(ReservationSeat),
  amount: Type.Integer({ description: 'KRW, the sum of the seat prices from the database' }),
  refundedAmount: Type.Integer(),
  currency: Type.String({ description: 'always KRW' }),
  expiresAt: Type.String({ format: 'date-time' }),
  createdAt: Type.String({ format: 'date-time' }),
  paymentId: Type.Union([Type.String(), Type.Null()]),
  checkedInAt: CheckedInAt,
  event: Type.Optional(EventRef),
});

export const ReservationResponse = Type.Object({ reservation: Reservation });

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const CancelBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) });

export const SeatMapSeat = Type.Object({
  id: Type.String(),
  section: Type.String(),
  sectionId: Type.String(),
  row: Type.String(),
  number: Type.Integer(),
  label: Type.String(),
  price: Type.Integer(),
  status: Type.Union(['available', 'held', 'sold', 'blocked'].map((s) => Type.Literal(s))),
  x: Type.Number(),
  y: Type.Number(),
  accessible: Type.Boolean(),
});

export const SeatMapResponse = Type.Object({
  eventId: Type.String(),
  version: Type.Integer({ description: 'compare with seats:update versions; refetch on a gap' }),
  seats: Type.Array(SeatMapSeat),
});

export const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, ErrorBody]));

// Internal API (payment service)
export const InternalReservation = Type.Object({
  id: Type.String(),
  eventId: Type.String(),
  userId: Type.String(),
  userEmail: Type.String(),
  userName: Type.String(),
  status: ReservationStatusSchema,
  amount: Type.Integer(),
  refundedAmount: Type.Integer(),
  currency: Type.String(),
  seats: Type.Array(ReservationSeat),
  expiresAt: Type.String(),
  createdAt: Type.String(),
  paymentId: Type.Union([Type.String(), Type.Null()]),
  checkedInAt: CheckedInAt,
});

export const InternalReservationResponse = Type.Object({
  reservation: InternalReservation,
  event: Type.Object({
    id: Type.String(),
    title: Type.String(),
    startsAt: Type.String(),
    venueName: Type.String(),
    status: Type.String(),
    refundPolicyId: Type.String(),
  }),
});

export const PaymentIdBody = Type.Object({ paymentId: Type.String({ minLength: 1, maxLength: 64 }) });
export const PaymentStartedBody = Type.Object({
  paymentId: Type.String({ minLength: 1, maxLength: 64 }),
  ttlSeconds: Type.Integer({ minimum: 1, maximum: 3600 }),
});
export const RefundedBody = Type.Object({
  paymentId: Type.String({ minLength: 1, maxLength: 64 }),
  amount: Type.Integer({ minimum: 0 }),
  seatIds: Type.Optional(Type.Array(Type.String(), { maxItems: 50 })),
  /** "money": an amount only, every seat stays sold (absent: seatIds given -> those seats, else all). */
  scope: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('seats'), Type.Literal('money')])),
  /** The payment's refunded total after this refund (makes a money-only refund idempotent). */
  refundedTotal: Type.Optional(Type.Integer({ minimum: 0 })),
  /** The refund reported (ends its claim on the reservation, which kept the gate shut). */
  refundId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
});

export const OpsResponse = Type.Object({
  queues: Type.Array(
    Type.Object({
      eventId: Type.String(),
      title: Type.String(),
      waiting: Type.Integer(),
      inside: Type.Integer(),
    }),
  ),
  seatsHeld: Type.Integer(),
  salesPerMinute: Type.Integer({ description: 'tickets confirmed in the last 60 seconds' }),
});
