import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { AppError, currentUser, requireUser } from '@tiketi/platform';
import { ownPayment } from './checkout.service';
import type { PaymentDeps } from './payment.core';
import { ErrorBody } from './payment.schemas';

const Statement = Type.Object({
  paymentId: Type.String(),
  orderId: Type.String({ description: 'the order number the provider knows the payment by' }),
  orderName: Type.String(),
  method: Type.String(),
  currency: Type.String(),
  paidAt: Type.String({ format: 'date-time' }),
  seats: Type.Array(Type.Object({ label: Type.String(), price: Type.Integer() })),
  amount: Type.Integer({ description: 'charged' }),
  refunds: Type.Array(
    Type.Object({
      amount: Type.Integer({ description: 'given back' }),
      fee: Type.Integer({ description: 'cancellation fee kept by this refund' }),
      seats: Type.Array(Type.String(), {
        description: 'labels of the seats it cancelled (none: money only, or all at once)',
      }),
      feeReturned: Type.Boolean({
        description:
          'it gave back cancellation fees kept by earlier refunds (every seat was refunded before it)',
      }),
      at: Type.String({ format: 'date-time' }),
    }),
  ),
  refundedAmount: Type.Integer(),
  net: Type.Integer({ description: 'what the buyer paid in the end: charged less given back' }),
});
export type Statement = Static<typeof Statement>;

/**
 * A payment's statement ("결제 확인서"): what was charged, for which seats, what came back and
 * when, and what the buyer paid in the end, for their records or an expense claim. It is the
 * platform's own record, not the card company's receipt or a tax invoice.
 */
export async function statementRoutes(scope: FastifyInstance, d: PaymentDeps): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/api/payments/:id/statement',
    {
      onRequest: requireUser,
      schema: {
        tags: ['payments'],
        summary:
          "A payment's statement (owner or admin): charged, refunds with their fees, and the net; 404 PAYMENT_NOT_FOUND, 409 NOT_PAID for one never charged",
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 200: Type.Object({ statement: Statement }), 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request) => {
      const p = await ownPayment(d, currentUser(request), request.params.id);
      if (!p.paid_at)
        throw AppError.conflict('NOT_PAID', 'This payment was never charged', { status: p.status });
      const label = new Map(p.seats.map((s) => [s.id, s.label]));
      const refunds = await d.refunds.done(p.id);
      const returned = new Set<string>();
      const statement: Statement = {
        paymentId: p.id,
        orderId: p.order_id,
        orderName: p.order_name,
        method: p.method,
        currency: p.currency,
        paidAt: p.paid_at.toISOString(),
        seats: p.seats.map((s) => ({ label: s.label, price: s.price })),
        amount: p.amount,
        refunds: refunds.map((r) => {
          // Every seat already back before this refund: what it gives back is fees kept earlier.
          const feeReturned = p.seats.every((seat) => returned.has(seat.id));
          for (const id of r.full ? p.seats.map((seat) => seat.id) : (r.seat_ids ?? [])) returned.add(id);
          return {
            amount: r.amount,
            fee: r.fee,
            seats: (r.seat_ids ?? []).map((id) => label.get(id) ?? id),
            feeReturned,
            at: r.completed_at.toISOString(),
          };
        }),
        refundedAmount: p.refunded_amount,
        net: p.amount - p.refunded_amount,
      };
      return { statement };
    },
  );
}
