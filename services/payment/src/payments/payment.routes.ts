import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AppError, currentUser, isAdmin, requireAdmin, requireUser } from '@tiketi/platform';
import { RefundPolicy } from '../policy/refund-policy';
import { createPayment, ownPayment, refundQuote } from './checkout.service';
import { confirmPayment } from './confirm.service';
import { paymentView, type PaymentDeps } from './payment.core';
import {
  CheckoutSchema,
  ConfirmBody,
  ErrorBody,
  CreateBody,
  HistoryQuery,
  PaymentSchema,
  RefundBody,
} from './payment.schemas';
import { refreshFromProvider } from './reconcile.service';
import { refundPayment } from './refund.service';

const Err = ErrorBody;
const tags = ['payments'];

/** Where each provider's webhook names the order. */
function webhookOrderId(body: any): string | undefined {
  const candidates: unknown[] = [
    body?.data?.orderId,
    body?.orderId,
    body?.partner_order_id,
    body?.merchantPayKey,
  ];
  return candidates.find((c): c is string => typeof c === 'string' && /^[A-Za-z0-9_-]{6,64}$/.test(c));
}

export async function paymentRoutes(scope: FastifyInstance, d: PaymentDeps): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/api/payments/methods',
    {
      schema: {
        tags,
        summary: 'Payment methods and whether each is configured',
        response: {
          200: Type.Object({
            methods: Type.Array(
              Type.Object({ method: Type.String(), name: Type.String(), enabled: Type.Boolean() }),
            ),
          }),
        },
      },
    },
    async () => ({ methods: d.providers.methods() }),
  );

  app.post(
    '/api/payments/create',
    {
      onRequest: requireUser,
      schema: {
        tags,
        summary: 'Start paying for a pending reservation (the amount comes from the reservation)',
        body: CreateBody,
        response: {
          201: Type.Object({ payment: PaymentSchema, checkout: CheckoutSchema }),
          400: Err,
          404: Err,
          409: Err,
        },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await createPayment(d, currentUser(request), request.body)),
  );

  app.post(
    '/api/payments/confirm',
    {
      onRequest: requireUser,
      schema: {
        tags,
        summary: 'Confirm a payment after the provider redirect (idempotent)',
        description: '202 when the outcome is not known yet (the reconciler settles it)',
        body: ConfirmBody,
        response: {
          200: Type.Object({
            payment: PaymentSchema,
            reservation: Type.Object({ id: Type.String(), status: Type.String() }),
          }),
          202: Type.Object({
            payment: PaymentSchema,
            reservation: Type.Object({ id: Type.String(), status: Type.String() }),
          }),
          400: Err,
          404: Err,
          409: Err,
          422: Err,
        },
      },
    },
    async (request, reply) => {
      const result = await confirmPayment(d, currentUser(request), request.body);
      return reply
        .status(result.httpStatus)
        .send({ payment: result.payment, reservation: result.reservation });
    },
  );

  app.post(
    '/api/payments/refund',
    {
      onRequest: requireUser,
      schema: {
        tags,
        summary:
          'Refund a payment: the buyer within the refund policy, an admin any amount up to what was paid',
        body: RefundBody,
        response: {
          200: Type.Object({ payment: PaymentSchema }),
          202: Type.Object({ payment: PaymentSchema }),
          400: Err,
          403: Err,
          404: Err,
          409: Err,
        },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const admin = isAdmin(request);
      const p = await ownPayment(d, user, request.body.paymentId);
      if (!admin && request.body.amount !== undefined)
        throw AppError.forbidden('ADMIN_ONLY', 'Only an administrator refunds an arbitrary amount');
      const mode = admin && p.user_id !== user.id ? 'full' : 'policy';
      const after = await refundPayment(d, p, {
        amount: request.body.amount,
        seatIds: request.body.seatIds,
        reason: request.body.reason,
        actorId: user.id,
        actorEmail: user.email,
        mode,
        notifyTicket: true,
        audit: admin,
      });
      return reply
        .status(after.status === 'refund_pending' ? 202 : 200)
        .send({ payment: paymentView(after) });
    },
  );

  app.get(
    '/api/payments/refund-quote',
    {
      onRequest: requireUser,
      schema: {
        tags,
        summary: 'What cancelling the reservation would refund now',
        querystring: Type.Object({ reservationId: Type.String({ minLength: 1 }) }),
        response: {
          200: Type.Object({
            refundable: Type.Boolean(),
            paymentId: Type.String(),
            amount: Type.Integer(),
            fee: Type.Integer(),
            refundAmount: Type.Integer(),
            feePercent: Type.Integer(),
            policy: RefundPolicy,
            feeWaived: Type.Union(
              [Type.Literal('event_cancelled'), Type.Literal('event_changed'), Type.Null()],
              {
                description:
                  'why no fee is taken: the organiser cancelled the event, or moved its time or venue after the payment (until it begins)',
              },
            ),
          }),
          404: Err,
        },
      },
    },
    async (request) => refundQuote(d, currentUser(request), request.query.reservationId),
  );

  app.get(
    '/api/payments/history',
    {
      onRequest: requireUser,
      schema: {
        tags,
        summary: 'Own payments; administrators may filter by user, event, method, status',
        querystring: HistoryQuery,
        response: { 200: Type.Object({ items: Type.Array(PaymentSchema) }) },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const q = request.query;
      const admin = isAdmin(request);
      const rows = await d.repo.history({
        userId: admin ? q.userId : user.id,
        eventId: q.eventId,
        method: q.method,
        status: q.status,
        limit: q.limit,
      });
      return { items: rows.map(paymentView) };
    },
  );

  app.get(
    '/api/admin/payments',
    {
      onRequest: requireAdmin,
      schema: {
        tags: ['admin'],
        summary: 'All payments, filtered by user, event, method, status',
        querystring: HistoryQuery,
        response: { 200: Type.Object({ items: Type.Array(PaymentSchema) }) },
      },
    },
    async (request) => ({ items: (await d.repo.history(request.query)).map(paymentView) }),
  );

  app.get(
    '/api/payments/:id',
    {
      onRequest: requireUser,
      schema: {
        tags,
        summary: 'One payment (owner or admin)',
        params: Type.Object({ id: Type.String() }),
        response: { 200: Type.Object({ payment: PaymentSchema }), 404: Err },
      },
    },
    async (request) => ({
      payment: paymentView(await ownPayment(d, currentUser(request), request.params.id)),
    }),
  );

  app.post(
    '/api/payments/webhooks/:provider',
    {
      schema: {
        tags,
        summary: 'Provider notification: a hint only; the payment is re-fetched from the provider',
        params: Type.Object({ provider: Type.String() }),
        body: Type.Unknown(),
        response: { 200: Type.Object({ received: Type.Boolean() }) },
      },
    },
    async (request) => {
      const orderId = webhookOrderId(request.body);
      const p = orderId ? await d.repo.byOrderId(orderId) : null;
      if (!p || p.method !== request.params.provider) return { received: true };
      // Look up only: a confirm in flight, or one that never reached the provider, is never sent
      // again from here. Answer within the provider's deadline; a slow look-up continues in the background.
      const work = refreshFromProvider(d, p).catch((err) =>
        d.log.warn({ err, paymentId: p.id }, 'webhook look-up failed'),
      );
      await Promise.race([work, new Promise((r) => setTimeout(r, 5_000).unref())]);
      return { received: true };
    },
  );
}
