import { Type, type Static } from '@sinclair/typebox';

/** POST /api/tickets/book: chosen seatIds, or best available by quantity (and section). */
export const BookBody = Type.Object({
  eventId: Type.String({ minLength: 1, maxLength: 64 }),
  seatIds: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      minItems: 1,
      maxItems: 50,
      description: 'chosen seats',
    }),
  ),
  quantity: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 50, description: 'best available: how many seats' }),
  ),
  section: Type.Optional(
    Type.String({ minLength: 1, maxLength: 100, description: 'best available: section id or name' }),
  ),
});
export type BookBody = Static<typeof BookBody>;

/**
 * On a hold refused because the event is sold out, the ticket service adds this header
 * (`event=<id>; seat-limit=<n>`, the event and its seats per buyer) for the gateway, which then
 * answers that event's holds itself for a moment (ADR 0009) and never passes the header on.
 */
export const SOLD_OUT_HEADER = 'x-tiketi-sold-out';
export const SOLD_OUT_MESSAGE = 'This event is sold out';

/**
 * On a waiting-room answer for a room that always queues and whose sale is not over, the ticket
 * service adds this header (`event=<id>; from=<ms>; opens=<ms>; until=<ms>; rate=<per minute>`:
 * when the room opens, when the sale opens and ends, the configured admission rate) for the
 * gateway, which then places buyers in that line and answers their polls itself for a moment
 * (ADR 0011) and never passes the header on.
 */
export const QUEUE_ROOM_HEADER = 'x-tiketi-queue-room';

/**
 * The details of a hold refused because the event is sold out, whether the ticket service or the
 * gateway answers (ADR 0009: the same answer): every chosen seat, once, sorted; none for best available.
 */
export function soldOutDetails(body: Pick<BookBody, 'seatIds'>): { seatIds: string[]; soldOut: true } {
  return { seatIds: body.seatIds ? [...new Set(body.seatIds)].sort() : [], soldOut: true };
}
