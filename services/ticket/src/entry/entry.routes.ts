import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { currentUser, requireAdmin, requireInternal, requireUser } from '@tiketi/platform';
import { IdParams, errors } from '../booking/booking.schemas';
import type { EntryService } from './entry.service';
import type { PassService } from './pass.service';
import {
  Attendance,
  CheckInBody,
  CheckInResult,
  EntryPassBody,
  RefundClaimBody,
  RefundClaimParams,
  SeatParams,
  SeatPass,
  SeatPassParams,
} from './entry.schemas';

const security = [{ bearerAuth: [] }];

export async function entryRoutes(
  app: FastifyInstance,
  entry: EntryService,
  passes: PassService,
): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/api/reservations/:id/pass',
    {
      onRequest: requireUser,
      schema: {
        tags: ['booking'],
        summary:
          "The entry pass of a paid booking (its owner): the code the venue's gate checks; 409 PASS_UNAVAILABLE for a hold, a refunded booking, a cancelled or ended event",
        security,
        params: IdParams,
        response: { 200: EntryPassBody, ...errors(401, 404, 409) },
      },
    },
    async (request) => ({ pass: await passes.pass(currentUser(request), request.params.id) }),
  );

  r.post(
    '/api/reservations/:id/seats/:seatId/pass',
    {
      onRequest: requireUser,
      schema: {
        tags: ['booking'],
        summary:
          "A new code for one seat's pass (its link went to the wrong person): the old code admits nobody from then; 404 SEAT_NOT_FOUND, 409 SEAT_ALREADY_IN or PASS_UNAVAILABLE",
        security,
        params: SeatParams,
        response: { 200: EntryPassBody, ...errors(401, 404, 409) },
      },
    },
    async (request) => ({
      pass: await passes.reissueSeatPass(currentUser(request), request.params.id, request.params.seatId),
    }),
  );

  r.get(
    '/api/passes/:code',
    {
      schema: {
        tags: ['booking'],
        summary:
          "One seat's pass, for whoever holds its code (a companion the buyer sent it to): the event, the seat and the code for the gate, nothing of the buyer; 404 PASS_NOT_FOUND, 409 PASS_UNAVAILABLE (refunded, cancelled or over)",
        params: SeatPassParams,
        response: { 200: Type.Object({ pass: SeatPass }), ...errors(404, 409) },
      },
    },
    async (request, reply) => {
      // The code is the credential: no cache may keep a page of it.
      reply.header('cache-control', 'no-store');
      return { pass: await passes.seatPass(request.params.code) };
    },
  );

  r.get(
    '/api/admin/entry/events/:id',
    {
      onRequest: requireAdmin,
      schema: {
        tags: ['admin'],
        summary: "An event's attendance: paid tickets and seats, and how many the gate admitted",
        security,
        params: IdParams,
        response: { 200: Attendance, ...errors(401, 403, 404) },
      },
    },
    async (request) => entry.attendance(request.params.id),
  );

  r.post(
    '/api/admin/entry/check-in',
    {
      onRequest: requireAdmin,
      schema: {
        tags: ['admin'],
        summary:
          "Admit a ticket at the gate, each seat once (a booking's code admits every seat not yet in, a seat's code that seat): 404 TICKET_NOT_FOUND, 409 ALREADY_CHECKED_IN (with when), TICKET_NOT_VALID (cancelled or refunded), REFUND_IN_PROGRESS, EVENT_CANCELLED or WRONG_EVENT",
        security,
        body: CheckInBody,
        response: { 200: CheckInResult, ...errors(401, 403, 404, 409) },
      },
    },
    async (request) => entry.checkIn(currentUser(request), request.body),
  );

  // The payment service, around a refund: claim before the provider is asked, release if it refused.
  const internal = requireInternal(entry.internalToken);
  r.post(
    '/internal/reservations/:id/refund-claim',
    {
      onRequest: internal,
      schema: {
        hide: true,
        params: IdParams,
        body: RefundClaimBody,
        response: { 204: Type.Null(), ...errors(403, 404, 409) },
      },
    },
    async (request, reply) => {
      const { refundId, usedTicketOk } = request.body;
      await entry.claimForRefund(request.params.id, refundId, usedTicketOk ?? false);
      return reply.status(204).send(null);
    },
  );

  r.delete(
    '/internal/reservations/:id/refund-claim/:refundId',
    {
      onRequest: internal,
      schema: { hide: true, params: RefundClaimParams, response: { 204: Type.Null(), ...errors(403) } },
    },
    async (request, reply) => {
      await entry.releaseRefundClaim(request.params.id, request.params.refundId);
      return reply.status(204).send(null);
    },
  );
}
