import type { Kysely } from 'kysely';
import { newId, type Clock, type Coordination } from '@tiketi/platform';
import { startTestService, type TestService } from '@tiketi/testing';
import { expect } from 'vitest';
import { createTicketService, type TicketConfig } from '@tiketi/ticket';

/** The token the test uses to call the ticket service as the payment service does. */
export const INTERNAL_HEADERS = { 'x-internal-token': 'test-internal-token-0123456789' };

/**
 * The ticket service alone on the test's clock: payment is an address nothing answers, so what the
 * payment service would do (lease, confirm, refund) the test does through the internal routes.
 */
export function startTicketAlone(
  clock: Clock,
  env: Record<string, string> = {},
): Promise<TestService<TicketConfig>> {
  return startTestService(createTicketService(), {
    clock,
    env: { INTERNAL_TOKEN: INTERNAL_HEADERS['x-internal-token'], PAYMENT_URL: 'http://127.0.0.1:9', ...env },
  });
}

/** Pays a held booking as the payment service does: a payment lease, then the confirm. */
export async function confirmAsPayment(svc: TestService<TicketConfig>, reservationId: string): Promise<void> {
  const paymentId = `pay_${reservationId}`;
  for (const [step, body] of [
    ['payment-started', { paymentId, ttlSeconds: 600 }],
    ['confirm', { paymentId }],
  ] as const) {
    const res = await svc.app.inject({
      method: 'POST',
      url: `/internal/reservations/${reservationId}/${step}`,
      headers: INTERNAL_HEADERS,
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(200);
  }
}

export interface EventFixture {
  eventId: string;
  sectionId: string;
  /** Seat ids by row label, in seat-number order. */
  rows: Record<string, string[]>;
  seatIds: string[];
}

export interface EventFixtureOptions {
  rows?: number;
  seatsPerRow?: number;
  price?: number;
  seatLimit?: number;
  holdMinutes?: number;
  status?: string;
  saleStartsAt?: Date;
  saleEndsAt?: Date;
  /** When the event starts (default in 30 days); it lasts two hours. */
  startsAt?: Date;
}

/** An event on sale with one section of rows A, B, ... (seat ids sort in layout order). */
export async function createEventFixture(
  db: Kysely<any>,
  options: EventFixtureOptions = {},
): Promise<EventFixture> {
  const eventId = newId('evt');
  const sectionId = newId('sec');
  const now = Date.now();
  const startsAt = options.startsAt ?? new Date(now + 30 * 86_400_000);
  await db
    .insertInto('events')
    .values({
      id: eventId,
      title: 'Race Night',
      category: 'concert',
      venue_name: 'Olympic Hall',
      starts_at: startsAt,
      ends_at: new Date(startsAt.getTime() + 7_200_000),
      sale_starts_at: options.saleStartsAt ?? new Date(now - 3_600_000),
      sale_ends_at:
        options.saleEndsAt ?? new Date(Math.min(now + 29 * 86_400_000, startsAt.getTime() - 3_600_000)),
      status: options.status ?? 'on_sale',
      seat_limit: options.seatLimit ?? 4,
      hold_minutes: options.holdMinutes ?? 10,
      published_at: new Date(now - 86_400_000),
    })
    .execute();
  await db
    .insertInto('sections')
    .values({ id: sectionId, event_id: eventId, name: 'R', price: options.price ?? 110_000, sort: 0 })
    .execute();
  const rows: Record<string, string[]> = {};
  const values = [];
  const rowCount = options.rows ?? 2;
  const perRow = options.seatsPerRow ?? 10;
  let sort = 0;
  for (let r = 0; r < rowCount; r++) {
    const row = String.fromCharCode(65 + r);
    rows[row] = [];
    for (let n = 1; n <= perRow; n++) {
      const id = newId('seat');
      rows[row].push(id);
      values.push({
        id,
        event_id: eventId,
        section_id: sectionId,
        row_label: row,
        number: n,
        label: `R-${row}${n}`,
        price: (options.price ?? 110_000) + (r === 0 ? 10_000 : 0),
        x: n * 10,
        y: r * 10,
        sort: sort++,
      });
    }
  }
  for (let i = 0; i < values.length; i += 1000)
    await db
      .insertInto('seats')
      .values(values.slice(i, i + 1000))
      .execute();
  return { eventId, sectionId, rows, seatIds: values.map((v) => v.id) };
}

/** A clock tests move forward by hand. */
export function movableClock(): Clock & { advance(ms: number): void } {
  let offset = 0;
  return { now: () => new Date(Date.now() + offset), advance: (ms) => void (offset += ms) };
}

/**
 * Coordination that works until `fail()` is called, then answers every call with an error, as a
 * Redis that went away does. `onFail` lets a real-mode test really disconnect its client.
 */
export function failingCoordination(
  inner: Coordination,
  onFail?: () => Promise<void>,
): Coordination & { fail(): Promise<void>; recover(): void; calls: number } {
  let failed = false;
  const state = { calls: 0 };
  const proxy = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'fail') {
        return async () => {
          failed = true;
          await onFail?.();
        };
      }
      if (prop === 'recover') return () => void (failed = false);
      if (prop === 'calls') return state.calls;
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function' || prop === 'close')
        return typeof value === 'function' ? value.bind(target) : value;
      return async (...args: unknown[]) => {
        state.calls += 1;
        if (failed && !onFail) throw new Error('coordination unavailable (test)');
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
  return proxy as Coordination & { fail(): Promise<void>; recover(): void; calls: number };
}
