import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { AppError, requireAdmin, type ServiceContext } from '@tiketi/platform';
import type { GatewayConfig } from '../gateway.config';
import { buildDashboard, httpDashboardSources, type DashboardSources } from './dashboard.service';

const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    requestId: Type.Optional(Type.String()),
  }),
});

const LiveFigures = Type.Object(
  {
    queues: Type.Array(
      Type.Object(
        { eventId: Type.String(), title: Type.String(), waiting: Type.Integer(), inside: Type.Integer() },
        { additionalProperties: true },
      ),
    ),
    seatsHeld: Type.Integer({ description: 'seats held in unpaid reservations right now' }),
    salesPerMinute: Type.Integer({
      description:
        'tickets sold per minute: seats in reservations confirmed during the last 60 seconds (a reservation refunded since still counts)',
    }),
  },
  { additionalProperties: true },
);

const DashboardResponse = Type.Object(
  {
    revenue: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    reservations: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    conversionRate: Type.Optional(Type.Number()),
    byPaymentMethod: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()))),
    hourly: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()))),
    topEvents: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()))),
    live: Type.Union([LiveFigures, Type.Null()], {
      description: 'null when the ticket service could not be asked',
    }),
    degraded: Type.Optional(
      Type.Array(Type.Union([Type.Literal('stats'), Type.Literal('live')]), {
        description: 'parts missing from this answer because their service is unavailable',
      }),
    ),
  },
  { additionalProperties: true },
);

export async function dashboardRoutes(
  app: FastifyInstance,
  ctx: ServiceContext<GatewayConfig>,
  sources: DashboardSources = httpDashboardSources(ctx.config),
): Promise<void> {
  app.get(
    '/api/admin/dashboard',
    {
      onRequest: requireAdmin,
      schema: {
        tags: ['admin'],
        summary: 'Sales figures plus live operations (waiting rooms, seats held, sales per minute)',
        security: [{ bearerAuth: [] }],
        response: { 200: DashboardResponse, 401: ErrorBody, 403: ErrorBody, 503: ErrorBody },
      },
    },
    async (request) => buildDashboard(sources, request.headers.authorization ?? '', request.id, request.log),
  );

  // The admin dashboard takes its sales figures from the stats service's live feed
  // (GET /api/stats/live) and polls only this: the waiting rooms and sales of the last minute.
  app.get(
    '/api/admin/dashboard/live',
    {
      onRequest: requireAdmin,
      schema: {
        tags: ['admin'],
        summary:
          'Only the live operations of the dashboard (waiting rooms, seats held, tickets sold per minute)',
        security: [{ bearerAuth: [] }],
        response: { 200: LiveFigures, 401: ErrorBody, 403: ErrorBody, 503: ErrorBody },
      },
    },
    async (request) => {
      try {
        return await sources.live(request.id);
      } catch (err) {
        request.log.warn({ err }, 'dashboard: live figures unavailable');
        throw new AppError(
          'unavailable',
          'SERVICE_UNAVAILABLE',
          'Live figures are unavailable; try again shortly',
        );
      }
    },
  );
}
