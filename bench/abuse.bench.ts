import { performance } from 'node:perf_hooks';
import type { Socket } from 'socket.io-client';
import {
  cancelHold,
  connectFrom,
  register,
  seatsHeldAtMost,
  signIn,
  startAbusers,
} from './lib/abuse.clients';
import { describeCpuShare, measureCpuShare } from './lib/cpu-share';
import { checkInvariants } from './lib/invariants';
import { arg, createOnSaleEvent, outcome, publish, round, startBenchCluster, tally } from './lib/load';
import { summarize } from './lib/report';

/**
 * `npm run bench -- abuse [--honest 40] [--seconds 20] [--hold-connections 16] [--login-connections 4] [--sockets 800]
 *   [--ip-per-second 60] [--user-per-second 30] [--dry-run]`
 *
 * Honest buyers hold and let go of seats at a person's pace, each from its own address, first
 * alone and then beside three abusers: one buyer holding seats over and over on 16 connections,
 * one address trying passwords, one address opening Socket.IO connections. The gateway runs with
 * its production limits (600 requests a minute and 60 a second per address, 300 and 30 per
 * signed-in user, login throttles) and trusts one proxy hop, so each simulated client is its own address. Prints the
 * honest buyers' hold latency with and without the abusers, what the abusers got, and the CPU the
 * refusals cost.
 */
const HONEST_PACE_MS = 2_000;
const SEAT_LIMIT = 4;
const honestIp = (i: number) => `10.20.${Math.floor(i / 250)}.${(i % 250) + 1}`;
const HOLD_ABUSER_IP = '203.0.113.66';
const LOGIN_ABUSER_IP = '203.0.113.77';
const SOCKET_ABUSER_IP = '203.0.113.88';

export default async function abuseBench(args: string[]): Promise<void> {
  const honestCount = arg(args, 'honest', 40);
  const seconds = arg(args, 'seconds', 20);
  // Each abuser can be left out (0) to see what it alone costs the honest buyers.
  const holdConnections = arg(args, 'hold-connections', 16);
  const loginConnections = arg(args, 'login-connections', 4);
  const socketAttempts = arg(args, 'sockets', 800);
  // The burst limits (production defaults); raise them to see the minute limits alone.
  const ipPerSecond = arg(args, 'ip-per-second', 60);
  const userPerSecond = arg(args, 'user-per-second', 30);
  const bench = await startBenchCluster('bench_abuse', {
    connections: honestCount + 8,
    services: ['auth', 'ticket', 'payment', 'gateway'],
    env: {
      RATE_LIMIT_IP_PER_MINUTE: '600',
      RATE_LIMIT_USER_PER_MINUTE: '300',
      RATE_LIMIT_IP_PER_SECOND: String(ipPerSecond),
      RATE_LIMIT_USER_PER_SECOND: String(userPerSecond),
      GATEWAY_TRUST_PROXY_HOPS: '1',
    },
  });
  const client = bench.client;
  try {
    const adminToken = await bench.adminToken();
    const seatsPerHonest = 20;
    const { eventId, seatIds } = await createOnSaleEvent(client, adminToken, {
      title: 'Abuse Night',
      seats: honestCount * seatsPerHonest + 1_000,
      seatLimit: SEAT_LIMIT,
    });
    const buyers = await register(client, honestCount + 1, honestIp);
    const honest = buyers.slice(0, honestCount);
    const abuser = { ...buyers[honestCount]!, ip: HOLD_ABUSER_IP };
    const abuserSeats = seatIds.slice(honestCount * seatsPerHonest);

    const honestHolds = (stopAt: number) =>
      Promise.all(
        honest.map(async (buyer, i) => {
          const samples: number[] = [];
          const startedAt: number[] = [];
          const codes: Record<string, number> = {};
          // Spread over the pace, as people are: all at once, each would wait for the others.
          await new Promise((r) => setTimeout(r, (i * HONEST_PACE_MS) / honest.length));
          for (let n = 0; performance.now() < stopAt; n++) {
            const started = performance.now();
            const seat = seatIds[i * seatsPerHonest + (n % seatsPerHonest)]!;
            const res = await client.request('POST', '/api/tickets/book', {
              token: buyer.token,
              headers: { 'x-forwarded-for': buyer.ip },
              body: { eventId, seatIds: [seat] },
            });
            samples.push(res.ms);
            startedAt.push(started);
            tally(codes, res.status === 201 ? 'held' : outcome(res));
            if (res.status === 201) await cancelHold(client, buyer, res.body.reservation.id as string);
            const rest = started + HONEST_PACE_MS - performance.now();
            if (rest > 0) await new Promise((r) => setTimeout(r, rest));
          }
          return { samples, startedAt, codes };
        }),
      ).then((all) => ({
        samples: all.flatMap((a) => a.samples),
        startedAt: all.flatMap((a) => a.startedAt),
        codes: all.reduce<Record<string, number>>((into, a) => {
          for (const [k, v] of Object.entries(a.codes)) into[k] = (into[k] ?? 0) + v;
          return into;
        }, {}),
      }));

    // Alone.
    const aloneCpu = measureCpuShare(bench.cluster.databaseUrl);
    const alone = await honestHolds(performance.now() + seconds * 1000);
    const aloneShare = aloneCpu();

    // Beside the abusers, who run in a process of their own.
    const sockets: Socket[] = [];
    const abusers = await startAbusers({
      gateway: bench.gateway,
      abuser,
      eventId,
      seats: abuserSeats,
      seconds,
      holdConnections,
      loginConnections,
      loginIp: LOGIN_ABUSER_IP,
      socketAttempts,
      socketIp: SOCKET_ABUSER_IP,
    });
    const besideCpu = measureCpuShare(bench.cluster.databaseUrl);
    abusers.go();
    const besideFrom = performance.now();
    const stopAt = besideFrom + seconds * 1000;
    const abuserHeld = seatsHeldAtMost(bench.cluster.databaseUrl, eventId, abuser.token, stopAt);
    const beside = honestHolds(stopAt);
    // From a third of the way in, while all three abusers run: honest buyers sign in (spread over
    // five seconds) and ten of them open their live seat maps.
    await new Promise((r) => setTimeout(r, (seconds * 1000) / 3));
    const signIns = await Promise.all(
      honest.map(async (b, i) => {
        await new Promise((r) => setTimeout(r, (i * 5_000) / honest.length));
        return signIn(client, b);
      }),
    );
    const honestSockets = await Promise.all(
      honest.slice(0, 10).map((b) => connectFrom(bench.gateway, b.ip, sockets)),
    );
    const besideHolds = await beside;
    const { holdCodes, loginCodes, opened, refused } = await abusers.report;
    const flooded = { opened, refused };
    const besideShare = besideCpu();
    abusers.close();
    for (const s of sockets) s.disconnect();

    const heldByAbuser = await abuserHeld;
    const invariants = await checkInvariants(bench.cluster.databaseUrl);

    const a = summarize(alone.samples);
    const b = summarize(besideHolds.samples);
    const allHeld = (codes: Record<string, number>, n: number) => (codes.held ?? 0) === n;
    const signInMs = summarize(signIns.map((s) => s.ms));
    const abuserAttempts = Object.values(holdCodes).reduce((x, y) => x + y, 0);
    const loginAttempts = Object.values(loginCodes).reduce((x, y) => x + y, 0);
    const rows = [
      {
        measure: `honest holds alone (${honestCount} buyers, one hold every ${HONEST_PACE_MS / 1000} s each)`,
        value: a.count,
        unit: 'holds',
        'p50 ms': round(a.p50, 2),
        'p95 ms': round(a.p95, 2),
        'p99 ms': round(a.p99, 2),
        target: 'every hold succeeds',
        met: allHeld(alone.codes, a.count) ? 'yes' : 'NO',
      },
      {
        measure: 'honest holds beside the three abusers',
        value: b.count,
        unit: 'holds',
        'p50 ms': round(b.p50, 2),
        'p95 ms': round(b.p95, 2),
        'p99 ms': round(b.p99, 2),
        target: 'every hold succeeds, p95 <= 50 ms',
        met: allHeld(besideHolds.codes, b.count) && b.p95 <= 50 ? 'yes' : 'NO',
      },
      {
        measure: `hold abuser: one buyer, ${holdConnections} connections, hold and cancel as fast as answered`,
        value: abuserAttempts,
        unit: 'requests',
        'p50 ms': '',
        'p95 ms': '',
        'p99 ms': '',
        target: `limited; never more than ${SEAT_LIMIT} seats held`,
        met: (holdCodes.RATE_LIMITED ?? 0) > 0 && heldByAbuser <= SEAT_LIMIT ? 'yes' : 'NO',
      },
      {
        measure: `login abuser: one address, ${loginConnections} connections of wrong passwords`,
        value: loginAttempts,
        unit: 'requests',
        'p50 ms': '',
        'p95 ms': '',
        'p99 ms': '',
        target: 'throttled (429) after 30 failures',
        met:
          (loginCodes['401'] ?? 0) <= 30 &&
          (loginCodes.TOO_MANY_ATTEMPTS ?? 0) + (loginCodes.RATE_LIMITED ?? 0) > 0
            ? 'yes'
            : 'NO',
      },
      {
        measure: 'honest sign-ins during the abuse, each from its own address',
        value: signIns.filter((s) => s.status === 200).length,
        unit: `of ${signIns.length}`,
        'p50 ms': round(signInMs.p50, 2),
        'p95 ms': round(signInMs.p95, 2),
        'p99 ms': round(signInMs.p99, 2),
        target: 'all signed in',
        met: signIns.every((s) => s.status === 200) ? 'yes' : 'NO',
      },
      {
        measure: `socket abuser: one address opening ${socketAttempts} Socket.IO connections`,
        value: flooded.opened,
        unit: `opened (${flooded.refused} refused)`,
        'p50 ms': '',
        'p95 ms': '',
        'p99 ms': '',
        target: 'refused past 600 a minute',
        met: flooded.opened <= 600 && flooded.refused > 0 ? 'yes' : 'NO',
      },
      {
        measure: 'honest Socket.IO connections while the flood holds its connections open',
        value: honestSockets.filter((s) => s.ok).length,
        unit: `of ${honestSockets.length}`,
        'p50 ms': round(summarize(honestSockets.map((s) => s.ms)).p50, 2),
        'p95 ms': round(summarize(honestSockets.map((s) => s.ms)).p95, 2),
        'p99 ms': '',
        target: 'all connect',
        met: honestSockets.every((s) => s.ok) ? 'yes' : 'NO',
      },
      {
        measure: 'invariants (from the databases)',
        value: invariants.violations.length,
        unit: 'violations',
        'p50 ms': '',
        'p95 ms': '',
        'p99 ms': '',
        target: '0',
        met: invariants.ok ? 'yes' : 'NO',
      },
    ];
    publish(
      args,
      `abuse (production mode, ${honestCount} honest buyers, ${seconds}s alone then ${seconds}s beside three abusers)`,
      rows,
      [
        `honest outcomes alone ${JSON.stringify(alone.codes)}; beside the abusers ${JSON.stringify(besideHolds.codes)}; p95 beside / alone = ${round(b.p95 / a.p95, 2)}`,
        `honest hold p95 beside the abusers, by ${seconds / 5} s from their start: ${byWindow(
          besideHolds,
          besideFrom,
          (seconds * 1000) / 5,
        )
          .map((ms) => `${round(ms, 1)} ms`)
          .join(
            ', ',
          )} (the socket flood is in the first; the sign-ins from a third of the way in, for five seconds)`,
        `hold abuser's answers ${JSON.stringify(holdCodes)} (${round(abuserAttempts / seconds, 0)}/s); at most ${heldByAbuser} seats held at once, read from the database every 100 ms (seat limit ${SEAT_LIMIT})`,
        `login abuser's answers ${JSON.stringify(loginCodes)}`,
        `limits as in production: RATE_LIMIT_IP_PER_MINUTE 600 and RATE_LIMIT_IP_PER_SECOND ${ipPerSecond} (Socket.IO upgrades count), RATE_LIMIT_USER_PER_MINUTE 300 and RATE_LIMIT_USER_PER_SECOND ${userPerSecond}, LOGIN_MAX_ATTEMPTS_PER_IP 30; each client its own X-Forwarded-For address (GATEWAY_TRUST_PROXY_HOPS 1)`,
        describeCpuShare(aloneShare, 'the honest buyers alone'),
        describeCpuShare(besideShare, 'the abuse'),
        `the abusers run in a process of their own (as they would on machines of their own), on the same 2 cores: every refusal still costs the gateway a request's parsing and a limiter check`,
      ],
    );
  } finally {
    await bench.stop();
  }
}

/** p95 of the samples started in each `windowMs` from `from`. */
function byWindow(run: { samples: number[]; startedAt: number[] }, from: number, windowMs: number): number[] {
  const windows: number[][] = [];
  run.samples.forEach((ms, i) => {
    const w = Math.floor((run.startedAt[i]! - from) / windowMs);
    (windows[w] ??= []).push(ms);
  });
  return [...windows].map((w) => summarize(w ?? []).p95);
}
