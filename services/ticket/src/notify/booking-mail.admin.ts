import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import {
  AppError,
  currentUser,
  enqueueEvent,
  newId,
  requireAdmin,
  type ServiceContext,
} from '@tiketi/platform';
import { EventTypes, type EventDataByType } from '@tiketi/contracts';
import type { TicketConfig } from '../ticket.config';
import * as repo from './booking-mails.repository';

const BookingMail = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('confirmed'), Type.Literal('refunded'), Type.Literal('reminder')]),
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
const PAID = new Set(['confirmed', 'partially_refunded']);

/**
 * Operators answer "I never got my confirmation": what was mailed for a booking and when, and a
 * confirmation sent again (to the address the booking was made with).
 */
export async function bookingMailAdminRoutes(
  app: FastifyInstance,
  ctx: ServiceContext<TicketConfig>,
  poke: () => void,
): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['admin'];
  const security = [{ bearerAuth: [] }];
  const bookingOf = async (id: string) => {
    const row = await ctx.db
      .selectFrom('reservations')
      .select(['id', 'status'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw AppError.notFound('RESERVATION_NOT_FOUND', 'Reservation not found');
    return row as { id: string; status: string };
  };

  r.get(
    '/api/admin/reservations/:id/mails',
    {
      onRequest: requireAdmin,
      schema: {
        tags,
        security,
        summary: "What was mailed to a booking's buyer (confirmation, refunds), newest first",
        params: Params,
        response: { 200: Type.Object({ items: Type.Array(BookingMail) }) },
      },
    },
    async (request) => {
      await bookingOf(request.params.id);
      return { items: (await repo.mailsOf(ctx.db, request.params.id)).map(view) };
    },
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
      const booking = await bookingOf(request.params.id);
      if (!PAID.has(booking.status))
        throw AppError.conflict('MAIL_NOT_APPLICABLE', 'Only a paid booking has a confirmation to send', {
          status: booking.status,
        });
      const waiting = (await repo.mailsOf(ctx.db, booking.id)).find(
        (m) => m.kind === 'confirmed' && m.status === 'pending',
      );
      if (waiting) return reply.status(200).send({ mail: view(waiting) });
      const actor = currentUser(request);
      const now = ctx.clock.now();
      await ctx.db.transaction().execute(async (trx) => {
        await repo.owe(trx, [{ factId: newId('resend'), reservationId: booking.id, kind: 'confirmed' }], now);
        const audit: EventDataByType['audit.recorded'] = {
          actorId: actor.id,
          actorEmail: actor.email,
          action: 'reservation.mail.resend',
          targetType: 'reservation',
          targetId: booking.id,
          occurredAt: now.toISOString(),
        };
        await enqueueEvent(trx, 'ticket', 'ticket', EventTypes.auditRecorded, audit);
      });
      ctx.relay?.poke();
      poke();
      const created = (await repo.mailsOf(ctx.db, booking.id)).find((m) => m.kind === 'confirmed');
      return reply.status(202).send({ mail: view(created!) });
    },
  );
}
