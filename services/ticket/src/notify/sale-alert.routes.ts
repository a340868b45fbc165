import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { currentUser, requireAdmin, requireUser } from '@tiketi/platform';
import { IdParams, errors } from '../booking/booking.schemas';
import type { SaleAlertService } from './sale-alert.service';

const SaleAlert = Type.Object({
  eventId: Type.String(),
  title: Type.String(),
  eventStatus: Type.String(),
  saleStartsAt: Type.String({ format: 'date-time' }),
  startsAt: Type.String({ format: 'date-time' }),
  venueName: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  mailedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: "when the alert for the sale's present opening time was mailed",
  }),
  leadMinutes: Type.Number({ description: 'how long before the opening the mail goes' }),
});
const EventParams = Type.Object({ eventId: Type.String({ minLength: 1, maxLength: 64 }) });
const tags = ['alerts'];
const security = [{ bearerAuth: [] }];

export async function saleAlertRoutes(app: FastifyInstance, alerts: SaleAlertService): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/api/alerts',
    {
      onRequest: requireUser,
      schema: {
        tags,
        security,
        summary: "The signed-in buyer's sale alerts, the soonest opening first",
        response: { 200: Type.Object({ items: Type.Array(SaleAlert) }), ...errors(401) },
      },
    },
    async (request) => ({ items: await alerts.list(currentUser(request)) }),
  );

  r.get(
    '/api/alerts/:eventId',
    {
      onRequest: requireUser,
      schema: {
        tags,
        security,
        summary: "The buyer's sale alert for an event, or null",
        params: EventParams,
        response: { 200: Type.Object({ alert: Type.Union([SaleAlert, Type.Null()]) }), ...errors(401) },
      },
    },
    async (request) => ({ alert: await alerts.get(currentUser(request), request.params.eventId) }),
  );

  r.put(
    '/api/alerts/:eventId',
    {
      onRequest: requireUser,
      schema: {
        tags,
        security,
        summary:
          "Mail me before this event's sale opens (SALE_ALERT_LEAD_MINUTES): 201 new, 200 already asked; 404 EVENT_NOT_FOUND, 409 SALE_ALREADY_OPEN, EVENT_CANCELLED or TOO_MANY_ALERTS",
        params: EventParams,
        response: {
          200: Type.Object({ alert: SaleAlert }),
          201: Type.Object({ alert: SaleAlert }),
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
    '/api/alerts/:eventId',
    {
      onRequest: requireUser,
      schema: {
        tags,
        security,
        summary: 'No mail for this event after all (nothing to withdraw is not an error)',
        params: EventParams,
        response: { 204: Type.Null(), ...errors(401) },
      },
    },
    async (request, reply) => {
      await alerts.remove(currentUser(request), request.params.eventId);
      return reply.status(204).send(null);
    },
  );

  r.get(
    '/api/admin/events/:id/alerts',
    {
      onRequest: requireAdmin,
      schema: {
        tags: ['admin'],
        security,
        summary:
          "How many buyers asked for the event's sale alert, and how many were mailed for its present opening",
        params: IdParams,
        response: {
          200: Type.Object({
            asked: Type.Integer(),
            mailed: Type.Integer(),
            leadMinutes: Type.Number(),
            waitingForReturns: Type.Integer({
              description: 'buyers asking to be mailed when seats of the sold-out event come back',
            }),
          }),
          ...errors(401, 403, 404),
        },
      },
    },
    async (request) => alerts.figures(request.params.id),
  );
}
