import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { expandLayout } from '../services/ticket/src/catalogue/layout.service';
import { BENCH_ADMIN, catalogueFor, eventInput, startBenchTicket } from './lib/catalogue-fixture';
import { report } from './lib/report';

/**
 * `npm run bench -- seats [--seats 50000] [--runs 3]`: creates an event with a stadium-sized seat
 * map through the catalogue service (validation, sections, ONE bulk INSERT ... SELECT FROM unnest
 * for the seats, outbox and audit rows, all in one transaction) and prints how long it takes.
 * Embedded PGlite by default; TIKETI_TEST_DATABASE_URL=postgres://... measures PostgreSQL.
 * Target: 50,000 seats in under 3 s.
 */
function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

export default async function seatsBench(args: string[]): Promise<void> {
  const seats = arg(args, 'seats', 50_000);
  const runs = arg(args, 'runs', 3);
  const { svc, mode, close } = await startBenchTicket();
  const catalogue = catalogueFor(svc.ctx);
  const rows: Array<Record<string, string | number>> = [];
  try {
    for (let run = 1; run <= runs; run++) {
      const input = eventInput(`Seat bench ${run}`, seats);
      const t0 = performance.now();
      const expanded = expandLayout(input.layout);
      const expandMs = performance.now() - t0;
      const t1 = performance.now();
      const id = await catalogue.events.create(BENCH_ADMIN, input);
      const createMs = performance.now() - t1;
      const counted = await sql<{
        n: number;
      }>`select count(*)::int as n from ${sql.table('ticket.seats')} where event_id = ${id}`.execute(
        svc.ctx.db,
      );
      const stored = Number(counted.rows[0]!.n);
      if (stored !== expanded.seatsTotal)
        throw new Error(`expected ${expanded.seatsTotal} seats, found ${stored}`);
      rows.push({
        run,
        database: mode,
        seats: stored,
        'validate+expand ms': Math.round(expandMs),
        'create event ms': Math.round(createMs),
        'seats/s': Math.round(stored / (createMs / 1000)),
        'under 3 s': createMs < 3000 ? 'yes' : 'NO',
      });
    }
  } finally {
    await close();
  }
  report(`seats (${seats.toLocaleString('en')} seats, ${mode})`, rows, [
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} (shared machine)`,
    'create event = layout validation + sections + one INSERT ... SELECT FROM unnest(...) of every seat + outbox/audit, one transaction',
  ]);
}
