import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { currentUser, requireUser } from '@tiketi/platform';
import { errors } from '../booking/booking.schemas';
import type { ReturnAlertService } from './return-alert.service';

const ReturnAlert = Type.Object({
  eventId: Type.String(),
  title: Type.String(),
  eventStatus: Type.String(),
  startsAt: Type.String({ format: 'date-time' }),
  venueName: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  mailedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'when the mail saying seats came back was sent (it is sent once)',
  }),
});
const EventParams = Type.Object({ eventId: Type.String({ minLength: 1, maxLength: 64 }) });
const tags = ['alerts'];
const security = [{ bearerAuth: [] }];

/** Seat-return alerts ("취소표 알림") of sold-out events, beside the sale alerts under /api/alerts. */
export async function returnAlertRoutes(app: FastifyInstance, alerts: ReturnAlertService): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/api/alerts/returns',
    {
      onRequest: requireUser,
      schema: {
        tags,
        security,
        summary: "The signed-in buyer's seat-return alerts, the soonest event first",
        response: { 200: Type.Object({ items: Type.Array(ReturnAlert) }), ...errors(401) },
      },
    },
    async (request) => ({ items: await alerts.list(currentUser(request)) }),
  );

  r.get(
    '/api/alerts/:eventId/returns',
    {
      onRequest: requireUser,
      schema: {
        tags,
        security,
        summary: "The buyer's seat-return alert for an event, or null",
        params: EventParams,
        response: { 200: Type.Object({ alert: Type.Union([ReturnAlert, Type.Null()]) }), ...errors(401) },
      },
    },
    async (request) => ({ alert: await alerts.get(currentUser(request), request.params.eventId) }),
  );

  r.put(
    '/api/alerts/:eventId/returns',
    {
      onRequest: requireUser,
      schema: {
        tags,
        security,
        summary:
          'Mail me once when seats of this sold-out event come back: 201 new (or asked again after a mail), 200 already asked; 404 EVENT_NOT_FOUND, 409 SEATS_AVAILABLE, SALE_NOT_OPEN, SALE_CLOSED, EVENT_CANCELLED or TOO_MANY_ALERTS, 422 ADDRESS_REQUIRED',
        params: EventParams,
        response: {
          200: Type.Object({ alert: ReturnAlert }),
          201: Type.Object({ alert: ReturnAlert }),
          ...errors(401, 404, 409, 422),
        },
      },
    },
    async (request, reply) => {
      const { alert, created } = await alerts.add(currentUser(request), request.params.eventId);
      return reply.status(created ? 201 : 200).send({ alert });
    },
  );

  r.delete(
    '/api/alerts/:eventId/returns',
    {
      onRequest: requireUser,
      schema: {
        tags,
        security,
        summary: 'No seat-return mail for this event after all (nothing to withdraw is not an error)',
        params: EventParams,
        response: { 204: Type.Null(), ...errors(401) },
      },
    },
    async (request, reply) => {
      await alerts.remove(currentUser(request), request.params.eventId);
      return reply.status(204).send(null);
    },
  );
}
