import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { startPlatform } from '@tiketi/all-in-one';
import { createRunDatabase } from './lib/cluster';
import { report, summarize } from './lib/report';

/**
 * `npm run bench -- booking [--seconds 15] [--concurrency 64] [--buyers 100] [--seats 5000]`
 *
 * The full hold path through the gateway: HTTP, JWT check at the edge and in the ticket service,
 * the Redis claim, the PostgreSQL transaction, the outbox, the live seat map and Socket.IO fan-out.
 * Real servers when TIKETI_BENCH_DATABASE_URL (a PostgreSQL admin URL; a fresh database is created
 * and dropped) and TIKETI_BENCH_REDIS_URL are set; embedded PGlite and in-process coordination
 * otherwise. Two phases:
 *  1. flash sale: every buyer at once for the same 100 seats (1-2 seats each), then the oversell check;
 *  2. sustained: `concurrency` workers for `seconds`, 80% of attempts on the hottest 10% of seats,
 *     each success cancelled again so buyers keep buying; hold attempts/s and latency.
 *  3. seat map: GET /api/events/:id/seats for a `--map-seats` (default 50,000) seat event, while
 *     holds keep changing it (each read after a change is served from the in-place updated cache).
 */
function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

const ADMIN = { email: 'bench-admin@tiketi.test', password: 'Bench-Admin-Password-2026!' };
const HOUR = 3_600_000;

export default async function bookingBench(args: string[]): Promise<void> {
  const seconds = arg(args, 'seconds', 15);
  const concurrency = arg(args, 'concurrency', 64);
  const buyerCount = arg(args, 'buyers', 100);
  const seatCount = Math.max(200, Math.round(arg(args, 'seats', 5_000) / 100) * 100);
  const dbUrl = process.env.TIKETI_BENCH_DATABASE_URL;
  const redisUrl = process.env.TIKETI_BENCH_REDIS_URL;
  const run = dbUrl ? await createRunDatabase(dbUrl, 'bench_booking') : null;
  const mode = `${run ? 'PostgreSQL' : 'PGlite'} + ${redisUrl ? 'Redis' : 'in-process coordination'}`;

  const platform = await startPlatform({
    ephemeralPorts: true,
    env: {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      HOST: '127.0.0.1',
      SERVICES: 'auth,ticket,gateway',
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      DATA_DIR: `.data/bench-${Date.now().toString(36)}`,
      RATE_LIMIT_IP_PER_MINUTE: '100000000',
      RATE_LIMIT_USER_PER_MINUTE: '100000000',
      RATE_LIMIT_IP_PER_SECOND: '100000000',
      RATE_LIMIT_USER_PER_SECOND: '100000000',
      DATABASE_POOL_MAX: '20',
      ...(run ? { DATABASE_URL: run.url } : { PGLITE_DIR: 'memory://bench-booking' }),
      ...(redisUrl
        ? { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: `bench:booking:${Date.now().toString(36)}:` }
        : {}),
    },
  });
  const base = platform.urls.gateway!;
  const api = async (method: string, path: string, token?: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };

  try {
    const login = await api('POST', '/api/auth/login', undefined, ADMIN);
    const adminToken = login.body.accessToken as string;
    const at = (ms: number) => new Date(Date.now() + ms).toISOString();
    const created = await api('POST', '/api/admin/events', adminToken, {
      title: 'Booking bench',
      category: 'concert',
      venueName: 'Bench Arena',
      startsAt: at(48 * HOUR),
      endsAt: at(51 * HOUR),
      saleStartsAt: at(-HOUR),
      saleEndsAt: at(47 * HOUR),
      seatLimit: 4,
      holdMinutes: 10,
      layout: {
        sections: [
          {
            name: 'R',
            price: 99_000,
            rows: Array.from({ length: seatCount / 100 }, (_, i) => ({ label: `R${i + 1}`, seats: 100 })),
          },
        ],
      },
    });
    if (created.status !== 201)
      throw new Error(`event not created: ${created.status} ${JSON.stringify(created.body)}`);
    const eventId = created.body.event.id as string;
    await api('POST', `/api/events/${eventId}/publish`, adminToken);
    const map = await api('GET', `/api/events/${eventId}/seats`);
    const seatIds = (map.body.seats as Array<{ id: string }>).map((s) => s.id);

    // Buyers register through the gateway (argon2 hashing: done before the clock starts).
    const tokens: string[] = [];
    for (let i = 0; i < buyerCount; i += 8) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(8, buyerCount - i) }, (_, j) =>
          api('POST', '/api/auth/register', undefined, {
            email: `bench-${Date.now().toString(36)}-${i + j}@tiketi.test`,
            password: 'bench-password-1',
            name: 'Bench Buyer',
          }),
        ),
      );
      for (const r of batch) tokens.push(r.body.accessToken as string);
    }

    // Phase 1: the flash sale.
    const hot = seatIds.slice(0, 100);
    const flash = await Promise.all(
      tokens.map(async (token, i) => {
        const start = (i * 7) % 99;
        const asked = hot.slice(start, start + 1 + (i % 2));
        const t0 = performance.now();
        const res = await api('POST', '/api/tickets/book', token, { eventId, seatIds: asked });
        return { ms: performance.now() - t0, status: res.status, asked, reservation: res.body?.reservation };
      }),
    );
    const won = flash.filter((f) => f.status === 201);
    const wonSeats = won.flatMap((f) => f.asked);
    const flashOk = new Set(wonSeats).size === wonSeats.length;

    // Free the flash-sale holds so phase 2 starts from an open house.
    await Promise.all(
      won.map((f, i) =>
        api('POST', `/api/reservations/${f.reservation.id}/cancel`, tokens[flash.indexOf(f)] ?? tokens[i]),
      ),
    );

    // Phase 2: sustained attempts.
    const latencies: number[] = [];
    const outcomes: Record<string, number> = {};
    const deadline = performance.now() + seconds * 1000;
    let rng = 12345;
    const rand = (n: number) => (rng = (rng * 1103515245 + 12345) % 2 ** 31) % n;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async (_, w) => {
        while (performance.now() < deadline) {
          const token = tokens[(w + rand(tokens.length)) % tokens.length]!;
          const pool = rand(10) < 8 ? Math.max(2, Math.floor(seatIds.length / 10)) : seatIds.length;
          const first = rand(pool - 1);
          const asked = seatIds.slice(first, first + 1 + rand(2));
          const t0 = performance.now();
          const res = await api('POST', '/api/tickets/book', token, { eventId, seatIds: asked });
          latencies.push(performance.now() - t0);
          const key = res.status === 201 ? 'held' : String(res.body?.error?.code ?? res.status);
          outcomes[key] = (outcomes[key] ?? 0) + 1;
          if (res.status === 201)
            await api('POST', `/api/reservations/${res.body.reservation.id}/cancel`, token);
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;

    // The oversell check, straight from the database.
    const db = platform.services.ticket!.ctx.db;
    const doubles = await sql<{ n: number }>`
      select count(*)::int as n from (select seat_id from ${sql.table('ticket.reservation_seats')} where active group by seat_id having count(*) > 1) d`.execute(
      db,
    );
    const mismatch = await sql<{ n: number }>`
      select count(*)::int as n from ${sql.table('ticket.seats')} s
      where s.event_id = ${eventId}
        and (s.status = 'held') <> exists (select 1 from ${sql.table('ticket.reservation_seats')} rs where rs.seat_id = s.id and rs.active)`.execute(
      db,
    );
    const oversold = Number(doubles.rows[0]!.n);
    const inconsistent = Number(mismatch.rows[0]!.n);

    // Phase 3: the live map of a stadium, read while it changes.
    const mapSeats = Math.max(100, Math.round(arg(args, 'map-seats', 50_000) / 100) * 100);
    const big = await api('POST', '/api/admin/events', adminToken, {
      title: 'Seat map bench',
      category: 'sports',
      venueName: 'Bench Stadium',
      startsAt: at(48 * HOUR),
      endsAt: at(51 * HOUR),
      saleStartsAt: at(-HOUR),
      saleEndsAt: at(47 * HOUR),
      layout: {
        sections: [
          {
            name: 'S',
            price: 55_000,
            rows: Array.from({ length: mapSeats / 100 }, (_, i) => ({ label: `S${i + 1}`, seats: 100 })),
          },
        ],
      },
    });
    if (big.status !== 201)
      throw new Error(`map event not created: ${big.status} ${JSON.stringify(big.body)}`);
    const bigId = big.body.event.id as string;
    await api('POST', `/api/events/${bigId}/publish`, adminToken);
    const fetchMap = async () => {
      const t0 = performance.now();
      const res = await fetch(`${base}/api/events/${bigId}/seats`);
      const text = await res.text();
      return { ms: performance.now() - t0, bytes: text.length, status: res.status };
    };
    const first = await fetchMap();
    const mapLatencies: number[] = [];
    const bigSeatIds = (
      (await api('GET', `/api/events/${bigId}/seats`)).body.seats as Array<{ id: string }>
    ).map((x) => x.id);
    for (let i = 0; i < 40; i++) {
      // Every other read follows a hold: the cache applies the change instead of reloading.
      if (i % 2 === 0)
        await api('POST', '/api/tickets/book', tokens[i % tokens.length], {
          eventId: bigId,
          seatIds: [bigSeatIds[i * 97]!],
        });
      const r = await fetchMap();
      if (r.status !== 200) throw new Error(`seat map answered ${r.status}`);
      mapLatencies.push(r.ms);
    }
    const m = summarize(mapLatencies);

    const f = summarize(flash.map((x) => x.ms));
    const s = summarize(latencies);
    report(
      'booking',
      [
        {
          phase: 'flash sale (100 seats)',
          mode,
          attempts: flash.length,
          held: won.length,
          'attempts/s': '-',
          'p50 ms': f.p50,
          'p95 ms': f.p95,
          'p99 ms': f.p99,
          oversold: flashOk ? 0 : 1,
        },
        {
          phase: `sustained ${seconds}s x${concurrency}`,
          mode,
          attempts: latencies.length,
          held: outcomes.held ?? 0,
          'attempts/s': Math.round(latencies.length / elapsed),
          'p50 ms': s.p50,
          'p95 ms': s.p95,
          'p99 ms': s.p99,
          oversold,
        },
        {
          phase: `seat map ${bigSeatIds.length} seats`,
          mode,
          attempts: mapLatencies.length,
          held: '-',
          'attempts/s': '-',
          'p50 ms': m.p50,
          'p95 ms': m.p95,
          'p99 ms': m.p99,
          oversold: '-',
        },
      ],
      [
        `seats ${seatIds.length}, buyers ${tokens.length}; outcomes ${JSON.stringify(outcomes)}`,
        `oversell check: ${oversold === 0 && flashOk ? 'PASS' : 'FAIL'} (seats in two active reservations: ${oversold}; seat status disagreeing with reservations: ${inconsistent})`,
        'each successful hold is cancelled again (not timed) so buyers stay under the per-user limit',
        `seat map: ${Math.round(first.bytes / 1024)} KiB per response; first (cold) read ${Math.round(first.ms)} ms; half of the timed reads follow a hold on that event`,
      ],
    );
    if (oversold > 0 || !flashOk || inconsistent > 0) throw new Error('oversell check failed');
  } finally {
    await platform.stop();
    await run?.drop();
  }
}
