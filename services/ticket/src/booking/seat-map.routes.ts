import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { AppError, isAdmin } from '@tiketi/platform';
import { chooseEncoding, emptySeatMapBody } from './seat-map.body';
import type { BookingRuntime } from './booking.runtime';
import type { BookableEvent } from './reservation.repository';

/** Request headers of GET /api/events/:id/seats, for the OpenAPI document. */
export const SeatMapHeaders = Type.Object({
  'if-none-match': Type.Optional(
    Type.String({ description: 'the ETag of a copy the client holds: 304 while the map is unchanged' }),
  ),
  'accept-encoding': Type.Optional(Type.String({ description: 'gzip is served when accepted' })),
});

export const NotModified = Type.Null({
  description: 'the map has not changed since the ETag sent in If-None-Match',
});

/**
 * GET /api/events/:id/seats. The body of each map version is serialised (and gzipped) once and
 * sent as bytes, bypassing the per-request serializer; its shape is SeatMapResponse. A strong ETag
 * names the version, so a client polling an unchanged map gets 304 without a body.
 */
export async function serveSeatMap(
  rt: BookingRuntime,
  eventId: string,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const admin = isAdmin(request);
  const visible = (e: BookableEvent | undefined): e is BookableEvent =>
    e !== undefined && (admin || e.status !== 'draft');
  // A crowd's reads share the event row for a moment, as holds do; a reader the kept row would turn
  // away, and an administrator (who may have just edited the layout), get the row read now.
  const event = admin ? await rt.events.fresh(eventId) : await rt.events.get(eventId, visible);
  if (!visible(event)) throw AppError.notFound('EVENT_NOT_FOUND', 'Event not found');
  const map = await rt.seatMap.get(event.id, event.layout_version);
  const body = map ? map.body() : emptySeatMapBody(event.id, event.layout_version);
  const encoding = chooseEncoding(request.headers['accept-encoding']);
  reply
    .header('cache-control', 'no-cache')
    .header('vary', 'accept-encoding')
    .header('etag', body.etagFor(encoding));
  if (body.matches(request.headers['if-none-match'])) {
    reply.code(304).send();
    return;
  }
  reply.header('content-type', 'application/json; charset=utf-8');
  if (encoding === 'gzip') reply.header('content-encoding', 'gzip').send(await body.gzip());
  else reply.send(body.identity());
}
