import { Type, type Static } from '@sinclair/typebox';

/** The entry area's requests and answers: they validate the routes, document them and type the service. */
export const EntryPass = Type.Object({
  code: Type.String({ description: 'what the QR code carries and the gate checks' }),
  reservationId: Type.String(),
  event: Type.Object({
    id: Type.String(),
    title: Type.String(),
    startsAt: Type.String({ format: 'date-time' }),
    venueName: Type.String(),
  }),
  seats: Type.Array(Type.String(), {
    description: 'labels of the seats it admits (refunded ones left out)',
  }),
  seatPasses: Type.Array(
    Type.Object({
      seatId: Type.String(),
      label: Type.String(),
      code: Type.String({ description: "this seat's own code: it admits this seat alone" }),
      checkedInAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    }),
    { description: "each seat's pass, to enter apart or to send a companion (GET /api/passes/:code)" },
  ),
  checkedInAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'when the first of its seats went in',
  }),
});
export type EntryPass = Static<typeof EntryPass>;

/** One seat's pass, as whoever holds its code sees it: nothing of the buyer. */
export const SeatPass = Type.Object({
  code: Type.String(),
  event: Type.Object({
    id: Type.String(),
    title: Type.String(),
    startsAt: Type.String({ format: 'date-time' }),
    venueName: Type.String(),
  }),
  seat: Type.String({ description: "the seat's label" }),
  checkedInAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type SeatPass = Static<typeof SeatPass>;

export const SeatPassParams = Type.Object({ code: Type.String({ minLength: 1, maxLength: 64 }) });

export const SeatParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  seatId: Type.String({ minLength: 1, maxLength: 64 }),
});

export const EntryPassBody = Type.Object({ pass: EntryPass });

export const CheckInBody = Type.Object({
  code: Type.String({
    minLength: 1,
    maxLength: 64,
    description: 'as scanned or typed; case and spaces ignored',
  }),
  eventId: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 64,
      description: "the gate's event: a ticket for another is refused",
    }),
  ),
});

export const CheckInResult = Type.Object({
  reservationId: Type.String(),
  holder: Type.String(),
  event: Type.Object({
    id: Type.String(),
    title: Type.String(),
    startsAt: Type.String({ format: 'date-time' }),
  }),
  seats: Type.Array(Type.String(), { description: 'the seats this scan admitted' }),
  checkedInAt: Type.String({ format: 'date-time' }),
});
export type CheckInResult = Static<typeof CheckInResult>;

export const Attendance = Type.Object({
  eventId: Type.String(),
  tickets: Type.Integer({ description: 'paid bookings (passes) of the event' }),
  admitted: Type.Integer({ description: 'of which the gate admitted' }),
  seats: Type.Integer({ description: 'seats of those bookings, refunded ones left out' }),
  seatsAdmitted: Type.Integer(),
});
export type Attendance = Static<typeof Attendance>;

const RefundId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });

export const RefundClaimBody = Type.Object(
  {
    refundId: RefundId,
    /** An operator's or a cancelled event's refund may take a ticket the gate already admitted. */
    usedTicketOk: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const RefundClaimParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  refundId: RefundId,
});
