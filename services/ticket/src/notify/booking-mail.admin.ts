import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { currentUser, requireAdmin } from '@tiketi/platform';
import type { BookingMailAdmin } from './booking-mail.admin.service';
import * as repo from './booking-mails.repository';

const BookingMail = Type.Object({
  id: Type.String(),
  kind: Type.Union([
    Type.Literal('confirmed'),
    Type.Literal('refunded'),
    Type.Literal('reminder'),
    Type.Literal('changed'),
    Type.Literal('announcement'),
  ]),
  status: Type.Union([Type.Literal('pending'), Type.Literal('sent'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  sentAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  nextAttemptAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'when a pending mail is tried next',
  }),
  lastError: Type.Union([Type.String(), Type.Null()], { description: "the relay's last refusal" }),
});
type BookingMail = Static<typeof BookingMail>;

const view = (m: repo.BookingMailRow): BookingMail => ({
  id: m.id,
  kind: m.kind,
  status: m.status,
  attempts: m.attempts,
  createdAt: m.createdAt.toISOString(),
  sentAt: m.sentAt?.toISOString() ?? null,
  nextAttemptAt: m.status === 'pending' ? m.nextAttemptAt.toISOString() : null,
  lastError: m.lastError,
});

const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

export async function bookingMailAdminRoutes(app: FastifyInstance, admin: BookingMailAdmin): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['admin'];
  const security = [{ bearerAuth: [] }];

  r.get(
    '/api/admin/reservations/:id/mails',
    {
      onRequest: requireAdmin,
      schema: {
        tags,
        security,
        summary: "What was mailed to a booking's buyer (confirmation, refunds, reminder), newest first",
        params: Params,
        response: { 200: Type.Object({ items: Type.Array(BookingMail) }) },
      },
    },
    async (request) => ({ items: (await admin.mails(request.params.id)).map(view) }),
  );

  r.post(
    '/api/admin/reservations/:id/mails/resend',
    {
      onRequest: requireAdmin,
      schema: {
        tags,
        security,
        summary:
          'Send the booking confirmation again (409 MAIL_NOT_APPLICABLE unless the booking is paid); one already waiting is answered instead of a second',
        params: Params,
        response: { 202: Type.Object({ mail: BookingMail }), 200: Type.Object({ mail: BookingMail }) },
      },
    },
    async (request, reply) => {
      const { mail, created } = await admin.resend(request.params.id, currentUser(request));
      return reply.status(created ? 202 : 200).send({ mail: view(mail) });
    },
  );
}
