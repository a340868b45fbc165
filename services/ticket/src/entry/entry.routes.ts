import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { currentUser, requireAdmin, requireUser } from '@tiketi/platform';
import { IdParams, errors } from '../booking/booking.schemas';
import type { EntryService } from './entry.service';

const security = [{ bearerAuth: [] }];

const EntryPassBody = Type.Object({
  pass: Type.Object({
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
    checkedInAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  }),
});

const CheckInBody = Type.Object({
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

const CheckInResponse = Type.Object({
  reservationId: Type.String(),
  holder: Type.String(),
  event: Type.Object({
    id: Type.String(),
    title: Type.String(),
    startsAt: Type.String({ format: 'date-time' }),
  }),
  seats: Type.Array(Type.String()),
  checkedInAt: Type.String({ format: 'date-time' }),
});

const Attendance = Type.Object({
  eventId: Type.String(),
  tickets: Type.Integer({ description: 'paid bookings (passes) of the event' }),
  admitted: Type.Integer({ description: 'of which the gate admitted' }),
  seats: Type.Integer({ description: 'seats of those bookings, refunded ones left out' }),
  seatsAdmitted: Type.Integer(),
});

export async function entryRoutes(app: FastifyInstance, entry: EntryService): Promise<void> {
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
    async (request) => ({ pass: await entry.pass(currentUser(request), request.params.id) }),
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
          'Admit a ticket at the gate, once: 404 TICKET_NOT_FOUND, 409 ALREADY_CHECKED_IN (with when), TICKET_NOT_VALID (cancelled or refunded) or WRONG_EVENT',
        security,
        body: CheckInBody,
        response: { 200: CheckInResponse, ...errors(401, 403, 404, 409) },
      },
    },
    async (request) => entry.checkIn(currentUser(request), request.body),
  );
}
