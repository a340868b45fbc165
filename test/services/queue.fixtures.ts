import { newId, type AuthUser, type ServiceContext } from '@tiketi/platform';
import type { TestService } from '@tiketi/testing';
import type { TicketConfig } from '@tiketi/ticket';
import { expect } from 'vitest';

/** A clock the test moves by hand, so a simulated minute takes milliseconds. */
export function fakeClock(start = Date.parse('2030-05-01T09:00:00Z')) {
  return {
    t: start,
    now() {
      return new Date(this.t);
    },
    advance(ms: number) {
      this.t += ms;
    },
  };
}

/** Event factory: a published event whose sale opens at `saleStartsAt`, with `seats` seats. */
export async function createEvent(
  ctx: ServiceContext<TicketConfig>,
  saleStartsAt: number,
  seats = 50,
  status = 'on_sale',
): Promise<string> {
  const id = newId('evt');
  await ctx.db
    .insertInto('events')
    .values({
      id,
      title: `Queue test ${id.slice(-6)}`,
      category: 'concert',
      venue_name: 'Hall',
      starts_at: new Date(saleStartsAt + 30 * 86_400_000),
      ends_at: new Date(saleStartsAt + 30 * 86_400_000 + 7_200_000),
      sale_starts_at: new Date(saleStartsAt),
      sale_ends_at: new Date(saleStartsAt + 20 * 86_400_000),
      status,
      seats_total: seats,
    })
    .execute();
  const sectionId = newId('sec');
  await ctx.db
    .insertInto('sections')
    .values({ id: sectionId, event_id: id, name: 'R', price: 100_000 })
    .execute();
  if (seats > 0) {
    await ctx.db
      .insertInto('seats')
      .values(
        Array.from({ length: seats }, (_, i) => ({
          id: newId('seat'),
          event_id: id,
          section_id: sectionId,
          row_label: 'A',
          number: i + 1,
          label: `A-${i + 1}`,
          price: 100_000,
        })),
      )
      .execute();
  }
  return id;
}

export const buyer = (): AuthUser => ({ id: newId('usr'), role: 'user', sid: newId('ses') });

/** Sets an event's waiting room through the admin API, as an operator does; fails the test when refused. */
export async function configureRoom(
  svc: TestService<TicketConfig>,
  eventId: string,
  body: Record<string, unknown>,
): Promise<void> {
  const admin = await svc.issuer.user('admin');
  const res = await svc.app.inject({
    method: 'PUT',
    url: `/api/admin/events/${eventId}/queue`,
    headers: admin.headers,
    payload: body,
  });
  expect(res.statusCode, res.body).toBe(200);
}
