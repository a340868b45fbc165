import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { AppError, currentUser, requireAdmin, type ServiceContext } from '@tiketi/platform';
import type { TicketConfig } from '../ticket.config';
import type { TicketShared } from '../ticket.area';
import { recordAudit } from './catalogue.events';

const Body = Type.Object(
  { seatIds: Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 5000, uniqueItems: true }) },
  { additionalProperties: false },
);
const Result = Type.Object({
  eventId: Type.String(),
  changed: Type.Array(Type.Object({ seatId: Type.String(), status: Type.String() })),
});

/** Live seat-map version shared with the booking area's cache: bumping it makes replicas re-read statuses. */
const seatMapVersionKey = (eventId: string) => `ticket:seatmap:v:${eventId}`;

/**
 * House seats and camera positions (admin): block available seats, unblock blocked ones. Held or
 * sold seats are refused (409 SEATS_NOT_AVAILABLE) and nothing changes: booking owns them.
 */
export async function seatBlockRoutes(
  root: FastifyInstance,
  ctx: ServiceContext<TicketConfig>,
  shared: TicketShared,
): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  for (const action of ['block', 'unblock'] as const) {
    const from = action === 'block' ? 'available' : 'blocked';
    const to = action === 'block' ? 'blocked' : 'available';
    app.post(
      `/api/events/:id/seats/${action}`,
      {
        onRequest: requireAdmin,
        schema: {
          tags: ['events'],
          security: [{ bearerAuth: [] }],
          summary: action === 'block' ? 'Block seats (not for sale)' : 'Put blocked seats back on sale',
          params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
          body: Body,
          response: { 200: Result },
        },
      },
      async (request) => {
        const eventId = request.params.id;
        const { seatIds } = request.body;
        const changed = await ctx.db.transaction().execute(async (trx) => {
          const rows = await sql<{ id: string; status: string }>`
            select id, status from ${sql.table('ticket.seats')} where event_id = ${eventId} and id = any(${seatIds}::text[]) for update`.execute(
            trx,
          );
          if (rows.rows.length !== seatIds.length) {
            const known = new Set(rows.rows.map((r) => r.id));
            throw AppError.notFound('SEAT_NOT_FOUND', 'Some seats are not part of this event', {
              seatIds: seatIds.filter((s) => !known.has(s)).slice(0, 50),
            });
          }
          const busy = rows.rows.filter((r) => r.status !== from && r.status !== to);
          if (busy.length > 0) {
            throw AppError.conflict(
              'SEATS_NOT_AVAILABLE',
              'Held or sold seats cannot be blocked or unblocked',
              { seats: busy.slice(0, 50).map((r) => ({ seatId: r.id, status: r.status })) },
            );
          }
          const moving = rows.rows.filter((r) => r.status === from).map((r) => r.id);
          if (moving.length > 0) {
            await sql`update ${sql.table('ticket.seats')} set status = ${to} where id = any(${moving}::text[]) and status = ${from}`.execute(
              trx,
            );
            await recordAudit(trx, currentUser(request), `seats.${action}`, 'event', eventId, {
              after: { seatIds: moving },
            });
          }
          return moving;
        });
        if (changed.length > 0) {
          ctx.relay?.poke();
          const changes = changed.map((seatId) => ({ seatId, status: to }));
          const version = await ctx.coordination.incr(seatMapVersionKey(eventId));
          shared.realtime.toEvent(eventId, 'seats:update', { eventId, version, changes });
          for (const listener of shared.seatsChanged) await listener(eventId);
        }
        return { eventId, changed: changed.map((seatId) => ({ seatId, status: to })) };
      },
    );
  }
}
