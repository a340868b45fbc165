import { Type } from '@sinclair/typebox';
import { RESERVATION_STATUSES } from '@tiketi/contracts';

const Status = Type.Union(RESERVATION_STATUSES.map((s) => Type.Literal(s)));

export const AdminReservationsQuery = Type.Object({
  status: Type.Optional(Status),
  eventId: Type.Optional(Type.String()),
  q: Type.Optional(
    Type.String({ maxLength: 200, description: 'reservation id, buyer email or buyer name (part of it)' }),
  ),
  from: Type.Optional(Type.String({ description: 'created from: Seoul date YYYY-MM-DD or ISO date-time' })),
  to: Type.Optional(
    Type.String({ description: 'created up to: Seoul date YYYY-MM-DD (inclusive) or ISO date-time' }),
  ),
  page: Type.Integer({ minimum: 1, default: 1 }),
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 20 }),
});

export const AdminReservationItem = Type.Object({
  id: Type.String(),
  user: Type.Object({ id: Type.String(), email: Type.String(), name: Type.String() }),
  event: Type.Object({ id: Type.String(), title: Type.String() }),
  seats: Type.Array(
    Type.Object({
      id: Type.String(),
      label: Type.String(),
      section: Type.String(),
      row: Type.String(),
      number: Type.Integer(),
      price: Type.Integer(),
      refunded: Type.Boolean(),
      checkedInAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
        description: 'when the gate admitted this seat',
      }),
    }),
  ),
  amount: Type.Integer(),
  refundedAmount: Type.Integer(),
  status: Status,
  paymentMethod: Type.Union([Type.String(), Type.Null()]),
  paymentId: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
});

export const AdminReservationsBody = Type.Object({
  items: Type.Array(AdminReservationItem),
  total: Type.Integer(),
  page: Type.Integer(),
  limit: Type.Integer(),
});

export const AdminPatchBody = Type.Object({
  status: Status,
  reason: Type.String({ minLength: 1, maxLength: 500 }),
  refund: Type.Optional(
    Type.Union([Type.Literal('full'), Type.Literal('policy')], {
      description: 'for a paid reservation; default full',
    }),
  ),
});

export const AdminReservationResponse = Type.Object({ reservation: AdminReservationItem });

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
