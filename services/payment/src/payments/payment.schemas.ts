import { Type } from '@sinclair/typebox';
import { PAYMENT_METHODS } from '../providers/provider';

export const Method = Type.Union(PAYMENT_METHODS.map((m) => Type.Literal(m)));

export const PaymentSchema = Type.Object({
  id: Type.String(),
  orderId: Type.String(),
  reservationId: Type.String(),
  eventId: Type.String(),
  userId: Type.String(),
  method: Type.String(),
  status: Type.String({
    description:
      'ready | pending | paid | refund_pending | refunded | partially_refunded | failed | cancelled | needs_reconciliation',
  }),
  amount: Type.Integer(),
  currency: Type.String(),
  refundedAmount: Type.Integer(),
  fee: Type.Integer({ description: 'cancellation fees kept so far (KRW)' }),
  orderName: Type.String(),
  paidAt: Type.Union([Type.String(), Type.Null()]),
  failureCode: Type.Union([Type.String(), Type.Null()]),
  failureMessage: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
});

export const CheckoutSchema = Type.Object(
  {
    type: Type.Union([Type.Literal('redirect'), Type.Literal('toss')]),
    url: Type.Optional(Type.String()),
    clientKey: Type.Optional(Type.String()),
    orderId: Type.Optional(Type.String()),
    orderName: Type.Optional(Type.String()),
    amount: Type.Optional(Type.Integer()),
    customerKey: Type.Optional(Type.String()),
    successUrl: Type.Optional(Type.String()),
    failUrl: Type.Optional(Type.String()),
  },
  { description: 'redirect: send the buyer to url; toss: open the Toss SDK with these fields' },
);

export const CreateBody = Type.Object(
  {
    reservationId: Type.String({ minLength: 1 }),
    method: Method,
    successUrl: Type.Optional(Type.String({ maxLength: 2000 })),
    failUrl: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

export const ConfirmBody = Type.Object(
  {
    orderId: Type.String({ pattern: '^[A-Za-z0-9_-]{6,64}$' }),
    paymentKey: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    pgToken: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    paymentId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    amount: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);

export const RefundBody = Type.Object(
  {
    paymentId: Type.String({ minLength: 1 }),
    amount: Type.Optional(Type.Integer({ minimum: 1 })),
    seatIds: Type.Optional(Type.Array(Type.String(), { minItems: 1, maxItems: 50 })),
    reason: Type.String({ minLength: 1, maxLength: 500 }),
  },
  { additionalProperties: false },
);

export const InternalRefundBody = Type.Object({
  reservationId: Type.String({ minLength: 1 }),
  reason: Type.String({ minLength: 1, maxLength: 500 }),
  refund: Type.Union([Type.Literal('policy'), Type.Literal('full')]),
  actorId: Type.Optional(Type.String()),
});

export const HistoryQuery = Type.Object({
  userId: Type.Optional(Type.String()),
  eventId: Type.Optional(Type.String()),
  method: Type.Optional(Type.String()),
  status: Type.Optional(Type.String()),
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
});

/** The one error shape (its code, message, details and request id pass through unlisted). */
export const ErrorBody = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String() }, { additionalProperties: true }),
});
