import { performance } from 'node:perf_hooks';
import { startTestService, type TestService } from '@tiketi/testing';
import { createTicketService, type TicketConfig } from '@tiketi/ticket';
import { bookingInstance } from '../services/ticket/src/booking/booking.area';
import { cancelPendingHoldsOfEvent } from '../services/ticket/src/booking/event-cancel.service';
import { expireDue } from '../services/ticket/src/booking/reservation.service';
import { createEventFixture, movableClock } from '../test/services/booking.fixtures';
import { arg, publish } from './lib/load';

/**
 * `npm run bench -- release [--holds 2000] [--dry-run]`: how fast holds come back when many close
 * at once. An event with `--holds` pending holds (two per buyer) is cancelled, and another's holds
 * all run out together (a sale's first minutes, `hold_minutes` later): prints how long the ticket
 * service takes to close them all, seats, buyers' counts, facts and the fast path's keys included.
 * One ticket service in this process, its workers off (the sweep is driven here as the worker
 * drives it, 200 a transaction). Embedded PGlite unless TIKETI_TEST_DATABASE_URL and
 * TIKETI_TEST_REDIS_URL name PostgreSQL and Redis.
 */
export default async function releaseBench(args: string[]): Promise<void> {
  const holds = arg(args, 'holds', 2_000);
  const mode = process.env.TIKETI_TEST_DATABASE_URL ? 'PostgreSQL and Redis' : 'embedded PGlite';
  const clock = movableClock();
  const svc = await startTestService(createTicketService(), { clock, start: false });
  const rt = bookingInstance(svc.ctx).runtime;
  const rows: Array<Record<string, string | number>> = [];
  try {
    const timed = async (what: string, close: (eventId: string) => Promise<number>) => {
      const eventId = await holdMany(svc, holds);
      const started = performance.now();
      const closed = await close(eventId);
      const seconds = (performance.now() - started) / 1000;
      if (closed !== holds) throw new Error(`${what}: closed ${closed} of ${holds} holds`);
      rows.push({
        what,
        holds,
        'all closed in s': Number(seconds.toFixed(2)),
        'holds/s': Math.round(holds / seconds),
      });
    };
    await timed('an event cancelled: its pending holds cancelled', (eventId) =>
      cancelPendingHoldsOfEvent(rt, eventId),
    );
    await timed('holds run out together: the expiry sweep', async () => {
      clock.advance(61_000);
      let total = 0;
      for (let n = await expireDue(rt); n > 0; n = await expireDue(rt)) total += n;
      return total;
    });
  } finally {
    await svc.close();
  }
  publish(args, `release (${holds} pending holds closed at once, ${mode})`, rows, [
    'from the first transaction to the last hold closed and its effects applied (seat map, sockets, fast-path keys released); holds are made through POST /api/tickets/book beforehand, untimed',
  ]);
}

/** An event with `holds` pending holds of one seat each, two per buyer; its id. */
async function holdMany(svc: TestService<TicketConfig>, holds: number): Promise<string> {
  const fx = await createEventFixture(svc.ctx.db, {
    rows: Math.ceil(holds / 100),
    seatsPerRow: 100,
    holdMinutes: 1,
  });
  let buyer = await svc.issuer.user('user');
  for (let i = 0; i < holds; i++) {
    if (i > 0 && i % 2 === 0) buyer = await svc.issuer.user('user');
    const res = await svc.app.inject({
      method: 'POST',
      url: '/api/tickets/book',
      headers: buyer.headers,
      payload: { eventId: fx.eventId, seatIds: [fx.seatIds[i]!] },
    });
    if (res.statusCode !== 201) throw new Error(`hold ${i}: ${res.statusCode} ${res.body}`);
  }
  return fx.eventId;
}
