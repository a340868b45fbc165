import { performance } from 'node:perf_hooks';
import { MemoryCoordination, RedisCoordination, type AuthUser, type Coordination } from '@tiketi/platform';
import { createTestIssuer, deleteRedisKeys, startTestService, type TestService } from '@tiketi/testing';
import { createTicketService, ticketOwnConfig, type TicketConfig } from '@tiketi/ticket';
import { queueRuntime } from '../services/ticket/src/queue';
import { POST_OPEN_BAND, QueueState } from '../services/ticket/src/queue/queue.state';
import { eventInput } from './lib/catalogue-fixture';
import { createRunDatabase } from './lib/cluster';
import {
  arg,
  BENCH_DATABASE_URL,
  BENCH_REDIS_URL,
  HttpClient,
  publish,
  registerBuyers,
  round,
  startBenchCluster,
} from './lib/load';
import { ceilingRows, measureCeilings } from './lib/ceilings';
import { summarize } from './lib/report';
import { describeCpuShare, measureCpuShare } from './lib/cpu-share';
import { summarizeProfiles, toggleChildProfiles } from './lib/profile';
import {
  drainNotes,
  drainRow,
  drainWaitingLine,
  openingNote,
  openWithPreQueue,
  type DrainResult,
  type OpeningResult,
} from './lib/queue-drain';

/**
 * `npm run bench -- queue [--buyers 100000] [--concurrency 64] [--lookups 20000] [--admit-rate 5000] [--drain-seconds 90] [--http-buyers 5000] [--gateways 1] [--cpu-prof] [--dry-run]`
 * against real Redis (TIKETI_BENCH_REDIS_URL, else redis://127.0.0.1:6379) and PostgreSQL
 * (TIKETI_BENCH_DATABASE_URL) for the event and its settings.
 *
 * 1. The waiting room as the ticket service runs it: `buyers` buyers join through the real
 *    QueueService (join: room lookup, then one Redis script that checks the buyer's admission and
 *    place, puts them in line with the next sequence number and reads back their rank, the room's
 *    meta and the measured rate), then `lookups` status calls (the same script without joining:
 *    admission check, rank, heartbeat, meta, the measured rate for the ETA). Status lookups are also timed when 1,000,
 *    10,000 and 100,000 buyers wait, to show how a position lookup grows with the line, on Redis
 *    and on the embedded in-process coordination (filled in bulk: its joins are not the point).
 * 2. The same two calls over HTTP through the gateway (auth, rate limits, proxy) in production
 *    mode: each service its own process (`--http-buyers 0` skips it; every buyer registers first),
 *    as ratios to the gateway's trivial route measured in the same run; status also polled ten
 *    times per buyer, the steady state of a waiting room.
 * 3. Admission: the line of (1), `buyers` long, drained by the service's own ticker (QueueTicker)
 *    ticking every QUEUE_TICK_MS (its production default) at `--admit-rate` a second, with room for
 *    everyone inside: the time to drain it against buyers / rate, the buyers let in per tick, the
 *    share of the rate's allowance admitted over every ten ticks, and any buyer let in before
 *    someone who joined earlier. Bounded by `--drain-seconds`. Then the same crowd joins the
 *    pre-queue of a sale that opens after it: how long the opening (its shuffle) keeps everyone out.
 * The ticker is off while (1) measures the line, so nobody is admitted then.
 */
type Row = Record<string, string | number>;

/** The ticker's interval in production (QUEUE_TICK_MS's default); the measured service runs it off. */
const PRODUCTION_TICK_MS = Number(ticketOwnConfig.properties.QUEUE_TICK_MS.default);

/** Runs `count` operations with at most `concurrency` in flight; returns per-op ms and total ms. */
async function drive(
  count: number,
  concurrency: number,
  op: (i: number) => Promise<unknown>,
): Promise<{ latencies: number[]; totalMs: number }> {
  const latencies = new Array<number>(count);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= count) return;
        const t0 = performance.now();
        await op(i);
        latencies[i] = performance.now() - t0;
      }
    }),
  );
  return { latencies, totalMs: performance.now() - started };
}

const ms = (v: number) => Math.round(v * 1000) / 1000;

function row(operation: string, run: { latencies: number[]; totalMs: number }): Row {
  const s = summarize(run.latencies);
  return {
    operation,
    count: run.latencies.length,
    'ops/s': Math.round((run.latencies.length / run.totalMs) * 1000),
    'p50 ms': ms(s.p50),
    'p95 ms': ms(s.p95),
    'p99 ms': ms(s.p99),
  };
}

const buyer = (i: number): AuthUser => ({
  id: `usr_bench_${i.toString().padStart(7, '0')}`,
  role: 'user',
  sid: `ses_bench_${i}`,
});

/** A ticket service on `coordination` with an event on sale whose waiting room is always on. */
async function queueService(
  coordination: Coordination,
  databaseUrl: string,
): Promise<{ svc: TestService<TicketConfig>; eventId: string; adminHeaders: Record<string, string> }> {
  const svc = await startTestService(createTicketService(), {
    database: { env: { DATABASE_URL: databaseUrl }, drop: async () => undefined },
    coordination,
    issuer: await createTestIssuer(),
    env: { QUEUE_TICK_MS: '0', DATABASE_POOL_MAX: '20' },
  });
  const admin = await svc.issuer.user('admin');
  const created = await svc.app.inject({
    method: 'POST',
    url: '/api/admin/events',
    headers: admin.headers,
    payload: eventInput('Queue bench', 100),
  });
  if (created.statusCode !== 201) throw new Error(`event not created: ${created.body}`);
  const eventId = created.json().event.id as string;
  await svc.app.inject({ method: 'POST', url: `/api/events/${eventId}/publish`, headers: admin.headers });
  const room = await svc.app.inject({
    method: 'PUT',
    url: `/api/admin/events/${eventId}/queue`,
    headers: admin.headers,
    payload: { mode: 'on', heartbeatTimeoutSeconds: 3600, sessionMinutes: 240 },
  });
  if (room.statusCode !== 200) throw new Error(`waiting room not configured: ${room.body}`);
  return { svc, eventId, adminHeaders: admin.headers };
}

/** Join and status through QueueService on Redis, with status timed as the line reaches each size. */
async function serviceRun(
  buyers: number,
  concurrency: number,
  lookups: number,
  databaseUrl: string,
  rows: Row[],
  drain: { ratePerSecond: number; limitMs: number } | null,
): Promise<{ drained: DrainResult; opening: OpeningResult } | null> {
  const keyPrefix = `bench:queue:${Date.now().toString(36)}:`;
  const coordination = await RedisCoordination.connect(BENCH_REDIS_URL, { keyPrefix });
  const { svc, eventId, adminHeaders } = await queueService(coordination, databaseUrl);
  const queue = queueRuntime(svc.ctx).service;
  const status = (i: number, size: number) => queue.status(eventId, buyer(Math.floor((i * 7919) % size)).id);
  try {
    const marks = [1_000, 10_000, 100_000].filter((n) => n < buyers);
    const joinRuns: Array<{ latencies: number[]; totalMs: number }> = [];
    let joined = 0;
    for (const size of [...marks, buyers]) {
      joinRuns.push(await drive(size - joined, concurrency, (i) => queue.join(eventId, buyer(joined + i))));
      joined = size;
      if (size !== buyers)
        rows.push(
          row(
            `status @ ${size.toLocaleString('en')} waiting (redis, one at a time)`,
            await drive(2_000, 1, (i) => status(i, size)),
          ),
        );
    }
    rows.unshift(
      row('join (QueueService, redis)', {
        latencies: joinRuns.flatMap((r) => r.latencies),
        totalMs: joinRuns.reduce((t, r) => t + r.totalMs, 0),
      }),
    );
    const waiting = await queue.state.waiting(eventId);
    if (waiting !== buyers) throw new Error(`join lost buyers: ${waiting} of ${buyers} waiting`);
    rows.splice(
      1,
      0,
      row('status (QueueService, redis)', await drive(lookups, concurrency, (i) => status(i, buyers))),
    );
    rows.push(
      row(
        `status @ ${buyers.toLocaleString('en')} waiting (redis, one at a time)`,
        await drive(2_000, 1, (i) => status(i, buyers)),
      ),
    );
    if (!drain) return null;
    // Last, on the same line: the ticker lets all of it in at the given rate.
    const drained = await drainWaitingLine(svc, adminHeaders, eventId, {
      buyers,
      ratePerSecond: drain.ratePerSecond,
      tickMs: PRODUCTION_TICK_MS,
      limitMs: drain.limitMs,
    });
    // Then a sale the same crowd waits for before it opens.
    const opening = await openWithPreQueue(svc, adminHeaders, {
      buyers,
      ratePerSecond: drain.ratePerSecond,
      tickMs: PRODUCTION_TICK_MS,
      // The crowd joins at some 20,000 a second here: four times that long, and at least 10 s.
      leadMs: Math.max(10_000, (buyers / 5_000) * 1_000),
      limitMs: drain.limitMs,
      join: async (openingId) => {
        await drive(buyers, concurrency, (i) => queue.join(openingId, buyer(i)));
      },
    });
    return { drained, opening };
  } finally {
    await queue.state.clear(eventId);
    await svc.close();
    await coordination.close();
    // The line is cleared above; the catalogue's cache versions of the run's event stay otherwise.
    await deleteRedisKeys(BENCH_REDIS_URL, keyPrefix);
  }
}

/** The embedded coordination's position lookup, through QueueService.status, at each line size. */
async function embeddedRun(buyers: number, databaseUrl: string, rows: Row[]): Promise<void> {
  const coordination = new MemoryCoordination();
  const { svc, eventId } = await queueService(coordination, databaseUrl);
  const queue = queueRuntime(svc.ctx).service;
  const state = new QueueState(coordination);
  try {
    let filled = 0;
    for (const size of [1_000, 10_000, 100_000].filter((n) => n <= buyers)) {
      for (; filled < size; filled += 5_000) {
        const batch = Array.from({ length: Math.min(5_000, size - filled) }, (_, k) => filled + k);
        await coordination.zadd(
          `queue:${eventId}:wait`,
          batch.map((i) => ({ member: buyer(i).id, score: POST_OPEN_BAND + i })),
        );
      }
      filled = size;
      rows.push(
        row(
          `status @ ${size.toLocaleString('en')} waiting (embedded, one at a time)`,
          await drive(300, 1, (i) => queue.status(eventId, buyer((i * 104_729) % size).id)),
        ),
      );
    }
  } finally {
    await state.clear(eventId);
    await svc.close();
    await coordination.close();
  }
}

/** Status polls per buyer in the steady-state row: enough requests for warm processes. */
const STATUS_POLLS = 10;

/**
 * Join and status over HTTP through the gateway, each service its own process, judged against the
 * gateway's trivial route measured in the same run (payment runs for it).
 */
async function httpRun(
  count: number,
  concurrency: number,
  rows: Row[],
  notes: string[],
  profileDir: string | undefined,
  gateways: number,
): Promise<void> {
  const bench = await startBenchCluster('queue', {
    connections: concurrency,
    services: ['auth', 'ticket', 'payment', 'gateway'],
    profileDir,
  });
  try {
    const admin = await bench.adminToken();
    // The ticker stays on here as in production; a room of this size admits nobody within the run.
    const alwaysQueuing = async (title: string): Promise<string> => {
      const created = await bench.client.request('POST', '/api/admin/events', {
        token: admin,
        body: eventInput(title, 100),
      });
      if (created.status !== 201)
        throw new Error(`event not created: ${created.status} ${JSON.stringify(created.body)}`);
      const id = created.body.event.id as string;
      await bench.client.request('POST', `/api/events/${id}/publish`, { token: admin });
      const room = await bench.client.request('PUT', `/api/admin/events/${id}/queue`, {
        token: admin,
        body: { mode: 'on', admissionsPerMinute: 1, maxInside: 1, heartbeatTimeoutSeconds: 3600 },
      });
      if (room.status !== 200) throw new Error(`waiting room not configured: ${room.status}`);
      return id;
    };
    const eventId = await alwaysQueuing('Queue bench (HTTP)');
    const secondRoom = await alwaysQueuing('Queue bench (HTTP), second sale');
    const { tokens } = await registerBuyers(bench.client, count, 'queue-bench');
    // With --gateways 2, a second crowd (tokens new to every process again) joins a third sale
    // through two gateway processes, as production runs replicas behind its load balancer.
    const replicated = gateways > 1 ? await alwaysQueuing('Queue bench (HTTP), two gateways') : null;
    const moreTokens = replicated
      ? (await registerBuyers(bench.client, count, 'queue-bench-replicas')).tokens
      : [];
    const ceilings = await measureCeilings(bench.gateway, bench.cluster.databaseUrl, {
      seconds: 5,
      connections: concurrency,
      upstreamUrl: bench.cluster.urls.payment,
    });
    for (const c of ceilingRows(ceilings, concurrency))
      rows.push({
        operation: String(c.measure),
        count: '-',
        'ops/s': c.value!,
        'p50 ms': '-',
        'p95 ms': c['p95 ms']!,
        'p99 ms': '-',
      });
    const rated = (r: Row): Row => ({ ...r, ratio: round(Number(r['ops/s']) / ceilings.gatewayRps, 3) });
    const check = (res: { status: number; body: any }) => {
      if (res.status !== 200) throw new Error(`queue call failed: ${res.status} ${JSON.stringify(res.body)}`);
    };
    const status = (i: number) =>
      bench.client.request('GET', `/api/queue/${eventId}/status`, { token: tokens[(i * 7919) % count] });
    if (profileDir) toggleChildProfiles();
    const endCpuShare = measureCpuShare(bench.cluster.databaseUrl);
    const joins = await drive(count, concurrency, async (i) =>
      check(await bench.client.request('POST', `/api/queue/${eventId}/join`, { token: tokens[i] })),
    );
    notes.push(describeCpuShare(endCpuShare(), 'the HTTP joins'));
    if (profileDir) toggleChildProfiles();
    rows.push(
      rated(row('join (HTTP via gateway, each buyer once: its token is new to every process)', joins)),
    );
    rows.push(
      rated(
        row(
          'status (HTTP via gateway, first poll of each buyer)',
          await drive(count, concurrency, async (i) => check(await status(i))),
        ),
      ),
    );
    rows.push(
      rated(
        row(
          `status (HTTP via gateway, ${STATUS_POLLS} polls per buyer)`,
          await drive(count * STATUS_POLLS, concurrency, async (i) => check(await status(i))),
        ),
      ),
    );
    // The same crowd joins another sale: each token is one every process has seen (as a buyer's is
    // after browsing), so the gateway skips the signature check it made on the first (it keeps a
    // verified token for a minute).
    rows.push(
      rated(
        row(
          'join (HTTP via gateway, each buyer once, token already seen: another sale the same crowd joins)',
          await drive(count, concurrency, async (i) =>
            check(await bench.client.request('POST', `/api/queue/${secondRoom}/join`, { token: tokens[i] })),
          ),
        ),
      ),
    );
    if (replicated) {
      const clients = [bench.client];
      for (let g = 1; g < gateways; g++)
        clients.push(new HttpClient((await bench.extraGateway()).url, concurrency));
      try {
        // The new processes warm up as a long-running replica has (JIT, connections): the first
        // crowd's polls, whose tokens they check for the first time.
        for (const c of clients.slice(1))
          await drive(count, concurrency, async (i) =>
            check(await c.request('GET', `/api/queue/${eventId}/status`, { token: tokens[i] })),
          );
        const endShare = measureCpuShare(bench.cluster.databaseUrl);
        const spread = await drive(count, concurrency, async (i) =>
          check(
            await clients[i % clients.length]!.request('POST', `/api/queue/${replicated}/join`, {
              token: moreTokens[i],
            }),
          ),
        );
        notes.push(describeCpuShare(endShare(), `the joins through ${gateways} gateway processes`));
        rows.push(
          rated(
            row(
              `join (HTTP via ${gateways} gateway processes taking turns, each buyer once: its token is new to every process)`,
              spread,
            ),
          ),
        );
        notes.push(
          `${gateways} gateway processes: the load generator sends each request to the next one in turn (a load balancer's round robin); ratio over the one-gateway ceiling above`,
        );
      } finally {
        for (const c of clients.slice(1)) c.close();
      }
    }
  } finally {
    await bench.stop();
  }
}

export default async function queueBench(args: string[]): Promise<void> {
  const buyers = arg(args, 'buyers', 100_000);
  const concurrency = arg(args, 'concurrency', 64);
  const lookups = Math.min(buyers, arg(args, 'lookups', 20_000));
  const httpIndex = args.indexOf('--http-buyers');
  // 5,000 so that the joins last a few seconds (1,000 took under one, mostly warm-up); registering
  // them takes about 40 s here.
  const httpBuyers = httpIndex >= 0 ? Math.max(0, Number(args[httpIndex + 1]) || 0) : 5_000;
  // 5,000 a second drains 100,000 in 20 s: a big sale's rate, and a run that stays short.
  const admitRate = arg(args, 'admit-rate', 5_000);
  const drainSeconds = arg(args, 'drain-seconds', 90);
  const rows: Row[] = [];
  const notes: string[] = [];
  const run = await createRunDatabase(BENCH_DATABASE_URL, 'queue');
  try {
    const drain = await serviceRun(buyers, concurrency, lookups, run.url, rows, {
      ratePerSecond: admitRate,
      limitMs: drainSeconds * 1000,
    });
    if (drain) {
      rows.push(drainRow(drain.drained));
      notes.push(...drainNotes(drain.drained), openingNote(drain.opening));
    }
    await embeddedRun(buyers, run.url, rows);
  } finally {
    await run.drop();
  }
  const profileDir = args.includes('--cpu-prof') ? `.data/bench-prof-${Date.now().toString(36)}` : undefined;
  const gateways = arg(args, 'gateways', 1);
  if (httpBuyers > 0) await httpRun(httpBuyers, Math.min(concurrency, 32), rows, notes, profileDir, gateways);

  publish(
    args,
    `queue (${buyers.toLocaleString('en')} buyers, concurrency ${concurrency}, Redis ${new URL(BENCH_REDIS_URL).host})`,
    rows,
    [
      'join and status run through the real QueueService (join: room; whether already admitted or waiting, with INCR seq; auto-mode check; ZADD wait/joined/seen with ZRANK, meta and the measured rate; status: admission, ZRANK, heartbeat ZADD XX, meta, wait score, measured rate, in one round trip).',
      'status @ N: one lookup at a time while N buyers wait. Redis ZRANK is O(log n), so the cost is the round trips at every size; the embedded in-process set is a counted balanced tree (memory-sorted-set.ts), O(log n) as well, without a round trip.',
      `HTTP rows: ${httpBuyers.toLocaleString('en')} registered buyers through the gateway (JWT check, rate limits, proxy) to one ticket process, production mode; ratio = ops/s over the gateway trivial-route ceiling measured in the same run.`,
      ...notes,
    ],
  );
  if (profileDir) console.log(summarizeProfiles(profileDir).join('\n'));
}
