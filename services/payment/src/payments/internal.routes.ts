import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AppError, requireAdmin, requireInternal, currentUser } from '@tiketi/platform';
import { RefundRules } from '../policy/refund-policy';
import { paidPaymentOf } from './checkout.service';
import type { PaymentDeps } from './payment.core';
import { RefundRepository } from './refund.repository';
import { InternalRefundBody } from './payment.schemas';
import { refundPayment } from './refund.service';
import { emit } from './payment.core';
import { EventTypes } from '@tiketi/contracts';

/** Service-to-service routes (ticket calls them) and the admin's refund policies. */
export async function internalRoutes(scope: FastifyInstance, d: PaymentDeps): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/internal/payments/refund-reservation',
    {
      onRequest: requireInternal(d.config.INTERNAL_TOKEN),
      schema: {
        hide: true,
        body: InternalRefundBody,
        response: {
          200: Type.Object({
            payment: Type.Object({
              id: Type.String(),
              status: Type.String(),
              refundedAmount: Type.Integer(),
              fee: Type.Integer(),
            }),
          }),
        },
      },
    },
    async (request) => {
      const body = request.body;
      let p = await paidPaymentOf(d, body.reservationId);
      if (!p) throw AppError.notFound('PAYMENT_NOT_FOUND', 'No paid payment for this reservation');
      if (p.status === 'paid' || p.status === 'partially_refunded') {
        p = await refundPayment(d, p, {
          reason: body.reason,
          actorId: body.actorId ?? null,
          mode: body.refund,
          notifyTicket: true,
        });
      }
      return {
        payment: { id: p.id, status: p.status, refundedAmount: p.refunded_amount, fee: p.fee_amount },
      };
    },
  );

  // The gate, finding a ticket claimed by a refund, asks whether that refund is still under way.
  app.get(
    '/internal/refunds/:id',
    {
      onRequest: requireInternal(d.config.INTERNAL_TOKEN),
      schema: {
        hide: true,
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: {
          200: Type.Object({
            refund: Type.Object({
              id: Type.String(),
              paymentId: Type.String(),
              status: Type.Union([Type.Literal('pending'), Type.Literal('done'), Type.Literal('failed')]),
            }),
          }),
        },
      },
    },
    async (request) => {
      const refund = await d.refunds.byId(request.params.id);
      if (!refund) throw AppError.notFound('REFUND_NOT_FOUND', 'No refund has this id');
      return { refund: { id: refund.id, paymentId: refund.payment_id, status: refund.status } };
    },
  );

  app.get(
    '/api/admin/payments/refund-policies',
    {
      onRequest: requireAdmin,
      schema: { tags: ['admin'], summary: 'Refund policies events may use (refundPolicyId)' },
    },
    async () => ({ items: await d.refunds.policies() }),
  );

  app.put(
    '/api/admin/payments/refund-policies/:id',
    {
      onRequest: requireAdmin,
      schema: {
        tags: ['admin'],
        summary: 'Create or change a refund policy (payments keep the snapshot taken at purchase)',
        params: Type.Object({ id: Type.String({ pattern: '^[a-z0-9-]{2,40}$' }) }),
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 100 }), rules: RefundRules },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const user = currentUser(request);
      const before = await d.refunds.policy(request.params.id);
      // The change and its audit record commit together.
      await d.repo.transaction(async (trx) => {
        await new RefundRepository(trx).upsertPolicy(
          request.params.id,
          request.body.name,
          request.body.rules,
        );
        await emit(trx, EventTypes.auditRecorded, {
          actorId: user.id,
          ...(user.email ? { actorEmail: user.email } : {}),
          action: 'refund_policy.update',
          targetType: 'refund_policy',
          targetId: request.params.id,
          before: before ?? undefined,
          after: { id: request.params.id, ...request.body },
          occurredAt: d.clock.now().toISOString(),
        });
      });
      d.relay?.poke();
      return { policy: await d.refunds.policy(request.params.id) };
    },
  );
}
