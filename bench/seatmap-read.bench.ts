import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import { sql } from 'kysely';
import { BENCH_ADMIN, catalogueFor, eventInput, startBenchTicket } from './lib/catalogue-fixture';
import { report, summarize } from './lib/report';

/**
 * `npm run bench -- seatmap-read [--seats 50000] [--concurrency 8] [--seconds 10] [--writes 5]`:
 * GET /api/events/:id/seats over HTTP against a published 50,000-seat event while an admin blocks
 * and unblocks seats `--writes` times a second (each change bumps the map version, so readers see
 * changes applied to the cached map rather than a reload per request). Prints latency percentiles
 * and throughput. Embedded PGlite by default; TIKETI_TEST_DATABASE_URL/TIKETI_TEST_REDIS_URL for
 * PostgreSQL and Redis.
 */
function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(value) && value >= 0 ? value : fallback;
}

export default async function seatmapReadBench(args: string[]): Promise<void> {
  const seats = arg(args, 'seats', 50_000);
  const concurrency = arg(args, 'concurrency', 8);
  const seconds = arg(args, 'seconds', 10);
  const writesPerSecond = arg(args, 'writes', 5);
  const { svc, mode, close } = await startBenchTicket(true);
  const rows: Array<Record<string, string | number>> = [];
  try {
    const catalogue = catalogueFor(svc.ctx);
    const eventId = await catalogue.events.create(BENCH_ADMIN, eventInput('Seat map bench', seats));
    await catalogue.events.publish(BENCH_ADMIN, eventId);
    const seatIds = (
      await sql<{
        id: string;
      }>`select id from ${sql.table('ticket.seats')} where event_id = ${eventId} order by sort limit 200`.execute(
        svc.ctx.db,
      )
    ).rows.map((r) => r.id);
    const admin = (await svc.issuer.user('admin')).headers;
    const url = `${svc.url}/api/events/${eventId}/seats`;

    const first = await fetch(url);
    const body = (await first.json()) as { seats?: unknown[] };
    if (first.status !== 200 || body.seats?.length !== seats)
      throw new Error(`seat map answered ${first.status} with ${body.seats?.length ?? 0} seats`);
    const bytes = JSON.stringify(body).length;

    const latencies: number[] = [];
    let errors = 0;
    let writes = 0;
    const deadline = performance.now() + seconds * 1000;
    const writer = (async () => {
      if (writesPerSecond <= 0) return;
      for (let i = 0; performance.now() < deadline; i++) {
        const seatId = seatIds[i % seatIds.length]!;
        const action = Math.floor(i / seatIds.length) % 2 === 0 ? 'block' : 'unblock';
        const res = await fetch(`${svc.url}/api/events/${eventId}/seats/${action}`, {
          method: 'POST',
          headers: { ...admin, 'content-type': 'application/json' },
          body: JSON.stringify({ seatIds: [seatId] }),
        });
        if (res.ok) writes++;
        await res.arrayBuffer();
        await new Promise((r) => setTimeout(r, 1000 / writesPerSecond));
      }
    })();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < deadline) {
          const t0 = performance.now();
          const res = await fetch(url);
          await res.arrayBuffer();
          if (res.status === 200) latencies.push(performance.now() - t0);
          else errors++;
        }
      }),
    );
    await writer;
    const elapsed = (performance.now() - started) / 1000;
    const s = summarize(latencies);
    rows.push({
      database: mode,
      seats,
      concurrency,
      'response KB': Math.round(bytes / 1024),
      requests: s.count,
      'req/s': Math.round(s.count / elapsed),
      'p50 ms': Math.round(s.p50 * 10) / 10,
      'p95 ms': Math.round(s.p95 * 10) / 10,
      'p99 ms': Math.round(s.p99 * 10) / 10,
      'max ms': Math.round(s.max),
      errors,
      'seat changes': writes,
    });
  } finally {
    await close();
  }
  report(`seatmap-read (${seats.toLocaleString('en')} seats)`, rows, [
    `GET /api/events/:id/seats for ${seconds}s with ${concurrency} concurrent readers while an admin blocks/unblocks ${writesPerSecond} seat(s)/s`,
    `load average during the run: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} (shared machine)`,
  ]);
}
