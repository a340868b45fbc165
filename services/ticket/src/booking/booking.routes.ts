import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AppError, currentUser, isAdmin, requireUser } from '@tiketi/platform';
import * as repo from './reservation.repository';
import * as queries from './reservation.queries';
import { iso, toReservationView, type ReservationView } from './reservation.model';
import { book } from './hold.service';
import { getReservation, reservationNotFound } from './reservation.service';
import { cancelReservation } from './reservation-payment.service';
import { BookBody } from '@tiketi/contracts';
import {
  CancelBody,
  IdParams,
  ReservationResponse,
  Reservation,
  SeatMapResponse,
  errors,
} from './booking.schemas';
import type { BookingRuntime } from './booking.runtime';
import { NotModified, SeatMapHeaders, serveSeatMap } from './seat-map.routes';

const secured = [{ bearerAuth: [] }];

/** The reservation when the caller owns it or is an admin; anyone else learns nothing (404). */
async function visibleReservation(
  rt: BookingRuntime,
  request: FastifyRequest,
  id: string,
): Promise<ReservationView> {
  const user = currentUser(request);
  const view = await getReservation(rt, id);
  if (!view || (view.userId !== user.id && !isAdmin(request))) throw reservationNotFound();
  return view;
}

export async function bookingRoutes(app: FastifyInstance, rt: BookingRuntime): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.post(
    '/api/tickets/book',
    {
      onRequest: requireUser,
      schema: {
        tags: ['booking'],
        summary: 'Hold seats: chosen seatIds, or best available by quantity (and section)',
        security: secured,
        body: BookBody,
        headers: Type.Object({ 'x-queue-token': Type.Optional(Type.String()) }),
        response: { 201: ReservationResponse, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if ((body.seatIds === undefined) === (body.quantity === undefined)) {
        throw AppError.invalid('VALIDATION_FAILED', 'Send either seatIds or quantity', {
          issues: [{ path: 'body', message: 'seatIds or quantity' }],
        });
      }
      if (body.seatIds && body.section)
        throw AppError.invalid('VALIDATION_FAILED', 'section applies to best-available (quantity) only');
      const token = request.headers['x-queue-token'];
      const reservation = await book(
        rt,
        currentUser(request),
        body,
        typeof token === 'string' ? token : undefined,
      );
      return reply.status(201).send({ reservation });
    },
  );

  r.get(
    '/api/tickets/my',
    {
      onRequest: requireUser,
      schema: {
        tags: ['booking'],
        summary: "The signed-in buyer's reservations, newest first",
        security: secured,
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 200, default: 100 }),
          offset: Type.Integer({ minimum: 0, default: 0 }),
        }),
        response: {
          200: Type.Object({ items: Type.Array(Reservation), total: Type.Integer() }),
          ...errors(401),
        },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const { rows, total } = await queries.listReservations(rt.ctx.db, {
        userId: user.id,
        limit: request.query.limit,
        offset: request.query.offset,
      });
      const [seats, events] = await Promise.all([
        repo.seatsOf(
          rt.ctx.db,
          rows.map((r) => r.id),
        ),
        repo.findEvents(rt.ctx.db, [...new Set(rows.map((r) => r.event_id))]),
      ]);
      const eventById = new Map(events.map((e) => [e.id, e]));
      const items = rows.map((row) => {
        const e = eventById.get(row.event_id);
        return {
          ...toReservationView(
            row,
            seats.filter((s) => s.reservation_id === row.id),
          ),
          ...(e
            ? {
                event: {
                  id: e.id,
                  title: e.title,
                  startsAt: iso(e.starts_at),
                  venueName: e.venue_name,
                  status: e.status,
                },
              }
            : {}),
        };
      });
      return { items, total };
    },
  );

  r.get(
    '/api/reservations/:id',
    {
      onRequest: requireUser,
      schema: {
        tags: ['booking'],
        summary: 'One reservation (its owner or an admin)',
        security: secured,
        params: IdParams,
        response: { 200: ReservationResponse, ...errors(401, 404) },
      },
    },
    async (request) => {
      const view = await visibleReservation(rt, request, request.params.id);
      const e = await repo.findEvent(rt.ctx.db, view.eventId);
      return {
        reservation: {
          ...view,
          ...(e
            ? {
                event: {
                  id: e.id,
                  title: e.title,
                  startsAt: iso(e.starts_at),
                  venueName: e.venue_name,
                  status: e.status,
                },
              }
            : {}),
        },
      };
    },
  );

  r.post(
    '/api/reservations/:id/cancel',
    {
      onRequest: requireUser,
      // A body is optional: a bare POST cancels without a reason.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        tags: ['booking'],
        summary: 'Cancel: a hold is released at once; a paid reservation is refunded by the event policy',
        security: secured,
        params: IdParams,
        body: CancelBody,
        response: { 200: ReservationResponse, ...errors(401, 404, 409, 503) },
      },
    },
    async (request) => {
      const view = await visibleReservation(rt, request, request.params.id);
      const user = currentUser(request);
      const reservation = await cancelReservation(
        rt,
        view.id,
        { actorId: user.id, reason: request.body.reason ?? 'cancelled by buyer', refund: 'policy' },
        request.id,
      );
      return { reservation };
    },
  );

  r.get(
    '/api/events/:id/seats',
    {
      schema: {
        tags: ['booking'],
        summary: 'Live seat map: every seat with its status and the map version',
        params: IdParams,
        headers: SeatMapHeaders,
        response: { 200: SeatMapResponse, 304: NotModified, ...errors(404) },
      },
    },
    async (request, reply) => {
      await serveSeatMap(rt, request.params.id, request, reply);
      return reply;
    },
  );
}
