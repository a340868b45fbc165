import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { requireInternal } from '@tiketi/platform';
import { queueOpsSnapshot } from '../queue';
import { reservationForPayment } from './checkout.repository';
import * as queries from './reservation.queries';
import { paymentReleased, paymentStarted } from './payment-lease.service';
import { iso, toReservationView } from './reservation.model';
import { reservationNotFound } from './reservation.service';
import { confirm, refunded } from './reservation-payment.service';
import {
  IdParams,
  InternalReservationResponse,
  OpsResponse,
  PaymentIdBody,
  PaymentStartedBody,
  RefundedBody,
  ReservationResponse,
  errors,
} from './booking.schemas';
import type { BookingRuntime } from './booking.runtime';

/** Service-to-service API the payment service (and the gateway's dashboard) calls. */
export async function internalRoutes(app: FastifyInstance, rt: BookingRuntime): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const guard = requireInternal(rt.ctx.config.INTERNAL_TOKEN);
  const hide = true;

  r.get(
    '/internal/reservations/:id',
    {
      onRequest: guard,
      schema: { hide, params: IdParams, response: { 200: InternalReservationResponse, ...errors(403, 404) } },
    },
    async (request) => {
      const found = await reservationForPayment(rt.ctx.db, request.params.id);
      if (!found) throw reservationNotFound();
      const { reservation: row, event } = found;
      return {
        reservation: {
          ...toReservationView(row, row.seats),
          userEmail: row.user_email,
          userName: row.user_name,
        },
        event: {
          id: row.event_id,
          title: event?.title ?? '',
          startsAt: event ? iso(event.starts_at) : '',
          venueName: event?.venue_name ?? '',
          status: event?.status ?? 'unknown',
          refundPolicyId: event?.refund_policy_id ?? 'standard',
        },
      };
    },
  );

  r.get(
    '/internal/users/:id/open-bookings',
    {
      onRequest: guard,
      schema: {
        hide,
        params: IdParams,
        response: {
          200: Type.Object({ pending: Type.Integer(), upcoming: Type.Integer() }),
          ...errors(403),
        },
      },
    },
    async (request) => queries.openBookingsOf(rt.ctx.db, request.params.id, rt.ctx.clock.now()),
  );

  r.post(
    '/internal/reservations/:id/payment-started',
    {
      onRequest: guard,
      schema: {
        hide,
        params: IdParams,
        body: PaymentStartedBody,
        response: { 200: ReservationResponse, ...errors(403, 404, 409) },
      },
    },
    async (request) => ({
      reservation: await paymentStarted(
        rt,
        request.params.id,
        request.body.paymentId,
        request.body.ttlSeconds,
      ),
    }),
  );

  r.post(
    '/internal/reservations/:id/payment-released',
    {
      onRequest: guard,
      schema: {
        hide,
        params: IdParams,
        body: PaymentIdBody,
        response: { 204: Type.Null(), ...errors(403, 404) },
      },
    },
    async (request, reply) => {
      await paymentReleased(rt, request.params.id, request.body.paymentId);
      return reply.status(204).send(null);
    },
  );

  r.post(
    '/internal/reservations/:id/confirm',
    {
      onRequest: guard,
      schema: {
        hide,
        params: IdParams,
        body: PaymentIdBody,
        response: { 200: ReservationResponse, ...errors(403, 404, 409) },
      },
    },
    async (request) => ({ reservation: await confirm(rt, request.params.id, request.body.paymentId) }),
  );

  r.post(
    '/internal/reservations/:id/refunded',
    {
      onRequest: guard,
      schema: {
        hide,
        params: IdParams,
        body: RefundedBody,
        response: { 200: ReservationResponse, ...errors(403, 404) },
      },
    },
    async (request) => ({ reservation: await refunded(rt, request.params.id, request.body) }),
  );

  r.get(
    '/internal/ops',
    { onRequest: guard, schema: { hide, response: { 200: OpsResponse, ...errors(403) } } },
    async () => {
      const since = new Date(rt.ctx.clock.now().getTime() - 60_000);
      const [queues, seatsHeld, salesPerMinute] = await Promise.all([
        queueOpsSnapshot(rt.ctx),
        queries.countHeldSeats(rt.ctx.db),
        queries.countSeatsConfirmedSince(rt.ctx.db, since),
      ]);
      return { queues, seatsHeld, salesPerMinute };
    },
  );
}
