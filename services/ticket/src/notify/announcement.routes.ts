import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { currentUser, requireAdmin } from '@tiketi/platform';
import { IdParams, errors } from '../booking/booking.schemas';
import type { AnnouncementService } from './announcement.service';

const Announcement = Type.Object({
  id: Type.String(),
  subject: Type.String(),
  message: Type.String(),
  recipients: Type.Integer({ description: 'paid bookings it was owed to' }),
  mailed: Type.Integer({ description: 'of those, mailed so far' }),
  createdAt: Type.String({ format: 'date-time' }),
});
const tags = ['admin'];
const security = [{ bearerAuth: [] }];

export async function announcementRoutes(app: FastifyInstance, notices: AnnouncementService): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.post(
    '/api/admin/events/:id/announcements',
    {
      onRequest: requireAdmin,
      schema: {
        tags,
        security,
        summary:
          'Mail a notice to every paid booking of the event (201); 404 EVENT_NOT_FOUND, 409 EVENT_OVER (cancelled or ended), 400 NOTICE_EMPTY',
        params: IdParams,
        body: Type.Object(
          {
            subject: Type.String({ minLength: 1, maxLength: 120 }),
            message: Type.String({ minLength: 1, maxLength: 2000 }),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ announcement: Announcement }), ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const announcement = await notices.announce(currentUser(request), request.params.id, request.body);
      return reply.status(201).send({ announcement });
    },
  );

  r.get(
    '/api/admin/events/:id/announcements',
    {
      onRequest: requireAdmin,
      schema: {
        tags,
        security,
        summary: "The event's notices to its buyers, the newest first, with how many were mailed",
        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(Announcement) }), ...errors(401, 403, 404) },
      },
    },
    async (request) => ({ items: await notices.list(request.params.id) }),
  );
}
