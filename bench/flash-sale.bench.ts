import { ceilingRows, measureCeilings } from './lib/ceilings';
import { describeCpuShare, sampleCpuShare, type SampledCpuShare } from './lib/cpu-share';
import { checkSale } from './lib/flash-sale.check';
import {
  arg,
  createOnSaleEvent,
  drive,
  outcome,
  publish,
  registerBuyers,
  round,
  startBenchCluster,
  tally,
  type HttpClient,
} from './lib/load';
import { serviceMetric } from './lib/memory';
import { summarizeProfiles, toggleChildProfiles } from './lib/profile';
import { summarize } from './lib/report';
import { describeLoopLag, describeMean, meanMs, routeTimes, type RouteMean } from './lib/server-time';

/**
 * `npm run bench -- flash-sale [--buyers 20000] [--seats 5000] [--connections 200] [--seconds 20] [--pay-share 0.3] [--cpu-prof] [--dry-run]`
 *
 * Production mode (each service its own process on PostgreSQL and Redis): `buyers` registered
 * accounts race through the gateway for one `seats`-seat event the admin created and published via
 * the API. `connections` keep-alive connections each loop: a buyer without a hold tries either
 * chosen seats (1-4 adjacent seats that its live map shows free, 50%) or best available (1-4
 * seats); a share of the successful holds is paid through the sandbox provider (create, press Pay
 * on the checkout page, confirm). After sell-out buyers keep trying and are turned away (those
 * attempts count). Prints hold attempts/s, committed holds/s, p50/p95/p99 of holds and confirms,
 * errors by code, the ceilings measured in the same run with the ratios, and the invariant check.
 *
 * Buyers default to 20,000, as the issue asks. Registering hashes each password with argon2id
 * (19 MiB, 2 passes, ~20-50 ms of CPU), so the accounts alone take 3-7 minutes on 2 cores (before
 * the clock starts; access tokens live 15 minutes); `--buyers 2000` is the quick run. With 2,000
 * buyers nearly every one holds seats by the end (5,000 seats, 2.5 per hold), so the sale also
 * measures buyers turned away at their seat limit. `--cpu-prof` makes every service process write a
 * V8 CPU profile of the sale window (under .data/) and prints where each spent its time.
 */
interface Buyer {
  token: string;
  holding: boolean;
}

export default async function flashSaleBench(args: string[]): Promise<void> {
  const buyerCount = arg(args, 'buyers', 20_000);
  const seatCount = Math.max(100, Math.round(arg(args, 'seats', 5_000) / 100) * 100);
  const connections = arg(args, 'connections', 200);
  const seconds = arg(args, 'seconds', 20);
  const payShare = Math.min(1, arg(args, 'pay-share', 0.3));

  const profileDir = args.includes('--cpu-prof') ? `.data/bench-prof-${Date.now().toString(36)}` : undefined;
  const bench = await startBenchCluster('bench_flash', {
    connections,
    env: { DATABASE_POOL_MAX: '30' },
    profileDir,
  });
  try {
    const adminToken = await bench.adminToken();
    const { eventId, seatIds } = await createOnSaleEvent(bench.client, adminToken, {
      title: 'Flash sale bench',
      seats: seatCount,
      seatLimit: 4,
    });
    const reg = await registerBuyers(bench.client, buyerCount, 'flash');
    const buyers: Buyer[] = reg.tokens.map((token) => ({ token, holding: false }));
    console.log(
      `event ${eventId} with ${seatIds.length} seats; ${buyers.length} buyers registered at ${Math.round(reg.perSecond)}/s`,
    );

    const ceilings = await measureCeilings(bench.gateway, bench.cluster.databaseUrl, {
      seconds: 5,
      connections,
      upstreamUrl: bench.cluster.urls.payment,
    });

    // The sale.
    const client: HttpClient = bench.client;
    const taken = new Set<string>(); // what a buyer's live seat map would show as gone
    const holdMs: number[] = [];
    // When each attempt ended (ms from the sale's start): splits the sale at its last committed hold.
    const attemptEndedAt: number[] = [];
    let saleStartedAt = 0;
    let lastHeldAt = 0;
    const heldMs: number[] = [];
    const createMs: number[] = [];
    const confirmMs: number[] = [];
    const confirmEndedAt: number[] = [];
    const codes: Record<string, number> = {};
    const payCodes: Record<string, number> = {};
    let seatsHeld = 0;
    let holds = 0;
    let paid = 0;
    let rng = 0x2545f491;
    const rand = (n: number) => {
      rng ^= rng << 13;
      rng ^= rng >>> 17;
      rng ^= rng << 5;
      return (rng >>> 0) % n;
    };
    let cursor = 0;
    const nextBuyer = (): Buyer => {
      for (let k = 0; k < buyers.length; k++) {
        const b = buyers[cursor++ % buyers.length]!;
        if (!b.holding) return b;
      }
      return buyers[cursor++ % buyers.length]!; // everyone holds: they are turned away (seat limit)
    };
    const pickSeats = (quantity: number): string[] => {
      for (let tries = 0; tries < 8; tries++) {
        const start = rand(seatIds.length - quantity + 1);
        const chosen = seatIds.slice(start, start + quantity);
        if (chosen.every((s) => !taken.has(s))) return chosen;
      }
      const start = rand(seatIds.length - quantity + 1);
      return seatIds.slice(start, start + quantity);
    };

    const pay = async (buyer: Buyer, reservationId: string) => {
      const created = await client.request('POST', '/api/payments/create', {
        token: buyer.token,
        body: { reservationId, method: 'sandbox' },
      });
      createMs.push(created.ms);
      if (created.status !== 201) return tally(payCodes, `create:${outcome(created)}`);
      const approved = await client.request('POST', new URL(created.body.checkout.url as string).pathname, {
        form: 'action=approve',
      });
      const location = approved.headers.location;
      if (approved.status !== 303 || !location) return tally(payCodes, `approve:${outcome(approved)}`);
      const back = new URL(location, bench.gateway);
      const confirmed = await client.request('POST', '/api/payments/confirm', {
        token: buyer.token,
        body: {
          orderId: back.searchParams.get('orderId'),
          paymentKey: back.searchParams.get('paymentKey'),
          amount: Number(back.searchParams.get('amount')),
        },
      });
      confirmMs.push(confirmed.ms);
      confirmEndedAt.push(performance.now() - saleStartedAt);
      if (confirmed.status !== 200) return tally(payCodes, `confirm:${outcome(confirmed)}`);
      paid++;
      tally(payCodes, 'paid');
    };

    const timed = [bench.gateway, bench.cluster.urls.payment, bench.cluster.urls.ticket];
    const timesBefore = await Promise.all(timed.map(routeTimes));
    if (profileDir) toggleChildProfiles();
    const cpu0 = process.cpuUsage();
    const endCpuShare = sampleCpuShare(bench.cluster.databaseUrl);
    saleStartedAt = performance.now();
    const run = await drive({ workers: connections, seconds }, async () => {
      const buyer = nextBuyer();
      const quantity = 1 + rand(4);
      const bestAvailable = rand(2) === 0;
      const body = bestAvailable ? { eventId, quantity } : { eventId, seatIds: pickSeats(quantity) };
      buyer.holding = true; // one attempt in flight per buyer
      const res = await client.request('POST', '/api/tickets/book', { token: buyer.token, body });
      holdMs.push(res.ms);
      attemptEndedAt.push(performance.now() - saleStartedAt);
      if (res.status !== 201) {
        buyer.holding = outcome(res) === 'SEAT_LIMIT_EXCEEDED';
        return tally(codes, `${bestAvailable ? 'best' : 'chosen'}:${outcome(res)}`);
      }
      heldMs.push(res.ms);
      lastHeldAt = performance.now() - saleStartedAt;
      holds++;
      tally(codes, `${bestAvailable ? 'best' : 'chosen'}:held`);
      const reservation = res.body.reservation as { id: string; seats: Array<{ id: string }> };
      for (const s of reservation.seats) taken.add(s.id);
      seatsHeld += reservation.seats.length;
      if (rand(1000) < payShare * 1000) await pay(buyer, reservation.id);
    });
    const cpu = process.cpuUsage(cpu0);
    const cpuShare = endCpuShare();
    const timesAfter = await Promise.all(timed.map(routeTimes));
    const answeredAtEdge = await serviceMetric(bench.gateway, 'tiketi_gateway_sold_out_holds_total', {
      label: 'outcome="answered"',
      absent: 0,
    });
    const probesFromEdge = await serviceMetric(bench.gateway, 'tiketi_gateway_sold_out_holds_total', {
      label: 'outcome="probe"',
      absent: 0,
    });
    if (profileDir) toggleChildProfiles();
    const elapsed = run.elapsedMs / 1000;
    const generatorCpu = (cpu.user + cpu.system) / 1e3 / run.elapsedMs;

    // Payments confirm synchronously; give the outbox a moment before reading the books.
    await new Promise((r) => setTimeout(r, 2_000));
    const check = await checkSale(bench.cluster.databaseUrl, eventId);

    const h = summarize(holdMs);
    const hw = summarize(heldMs);
    const c = summarize(confirmMs);
    const cr = summarize(createMs);
    const attemptsPerSecond = holdMs.length / elapsed;
    const phases = salePhases(holdMs, attemptEndedAt, lastHeldAt, run.elapsedMs);
    // While seats remained: over the whole window a sale of N seats can commit at most N / seats per
    // hold holds, however fast it is, so the whole-run rate measures the window, not the sale.
    const sellingSeconds = lastHeldAt > 0 ? lastHeldAt / 1000 : elapsed;
    const holdsPerSecond = holds / sellingSeconds;
    const yes = (ok: boolean) => (ok ? 'yes' : 'NO');
    publish(
      args,
      `flash-sale (production mode, ${buyers.length} buyers, ${seatIds.length} seats, ${connections} connections, ${seconds}s)`,
      [
        ...ceilingRows(ceilings, connections),
        {
          measure: 'hold attempts (POST /api/tickets/book, all outcomes)',
          value: Math.round(attemptsPerSecond),
          unit: 'attempts/s',
          'p50 ms': round(h.p50, 2),
          'p95 ms': round(h.p95, 2),
          'p99 ms': round(h.p99, 2),
          ratio: round(attemptsPerSecond / ceilings.gatewayRps, 3),
          target: '>= 5000/s, p95 <= 50 ms, ratio >= 0.6',
          met: yes(
            attemptsPerSecond >= 5_000 && h.p95 <= 50 && attemptsPerSecond / ceilings.gatewayRps >= 0.6,
          ),
        },
        ...phases,
        {
          measure: `committed holds (while seats remained, ${round(sellingSeconds, 1)} s)`,
          value: Math.round(holdsPerSecond),
          unit: 'holds/s',
          'p50 ms': round(hw.p50, 2),
          'p95 ms': round(hw.p95, 2),
          'p99 ms': round(hw.p99, 2),
          ratio: round(holdsPerSecond / ceilings.pgCommits, 3),
          target: '>= 2500/s',
          met: yes(holdsPerSecond >= 2_500),
        },
        {
          measure: 'payment create (POST /api/payments/create)',
          value: cr.count,
          unit: 'requests',
          'p50 ms': round(cr.p50, 2),
          'p95 ms': round(cr.p95, 2),
          'p99 ms': round(cr.p99, 2),
        },
        {
          measure: 'confirms (POST /api/payments/confirm)',
          value: c.count,
          unit: 'requests',
          'p50 ms': round(c.p50, 2),
          'p95 ms': round(c.p95, 2),
          'p99 ms': round(c.p99, 2),
          target: 'p95 <= 100 ms',
          met: yes(c.p95 <= 100),
        },
        ...confirmPhases(confirmMs, confirmEndedAt, lastHeldAt),
        {
          measure: 'oversell / invariants (from the databases)',
          value: check.figures['seats in two active reservations']!,
          unit: 'seats sold twice',
          target: '0, all invariants hold',
          met: yes(check.ok),
        },
      ],
      [
        `attempts ${holdMs.length}, holds ${holds} (${seatsHeld} seats; ${Math.round(holds / elapsed)}/s over the whole run), paid ${paid}; errors by code ${JSON.stringify(codes)}; payment outcomes ${JSON.stringify(payCodes)}`,
        `invariants: ${check.ok ? 'PASS' : `FAIL: ${check.violations.join('; ')}`}; ${Object.entries(
          check.figures,
        )
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
        `ratios: attempts/s over the gateway trivial-route ceiling (${Math.round(ceilings.gatewayRps)} req/s); committed holds/s over PostgreSQL single-row commits (${Math.round(ceilings.pgCommits)}/s)`,
        describeCpuShare(cpuShare.whole),
        ...describeSellingPhases(cpuShare, lastHeldAt),
        describeServerTimes(timesBefore, timesAfter, average(confirmMs), average(holdMs)),
        `holds the gateway answered itself for the sold-out event (ADR 0009; GATEWAY_SOLD_OUT_MS): ${answeredAtEdge} of ${holdMs.length} attempts, and ${probesFromEdge} sent on as probes that renewed (or ended) what it knew`,
        `load generator (one process, same 2 cores): ${Math.round(generatorCpu * 100)}% of a core during the sale; registration ${Math.round(reg.perSecond)} accounts/s (argon2id), not timed`,
      ],
    );
    if (!check.ok) throw new Error(`flash-sale invariants failed: ${check.violations.join('; ')}`);
  } finally {
    await bench.stop();
    if (profileDir) console.log(summarizeProfiles(profileDir).join('\n'));
  }
}

/** Who used the CPU while seats remained and after the sell-out (split at the nearest sample). */
function describeSellingPhases(share: SampledCpuShare, lastHeldAt: number): string[] {
  const split = lastHeldAt > 0 ? share.splitAt(lastHeldAt) : null;
  if (!split) return [];
  return [
    describeCpuShare(split.before, 'the sale while seats remained'),
    describeCpuShare(split.after, 'the sale after the sell-out'),
  ];
}

const average = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0);

/**
 * Mean time inside each process per request during the sale, next to the mean the load generator
 * saw: what is left over was spent before a process started on the request (queued in a socket or
 * behind other work on its event loop).
 */
function describeServerTimes(
  before: Array<Awaited<ReturnType<typeof routeTimes>>>,
  after: Array<Awaited<ReturnType<typeof routeTimes>>>,
  confirmSeenMs: number,
  holdSeenMs: number,
): string {
  const at = (i: number) => (routes: string[]) => meanMs(before[i]!, after[i]!, routes);
  const [gateway, payment, ticket] = [at(0), at(1), at(2)];
  const fmt = (where: string, rows: RouteMean[]) =>
    rows.map((r) => `${where} ${r.route} ${describeMean(r)}`).join(', ');
  return [
    `mean time inside each process during the sale (http_request_duration_seconds): confirm as seen by the load generator ${round(confirmSeenMs, 1)} ms`,
    fmt('payment', payment(['POST /api/payments/confirm'])),
    fmt(
      'ticket',
      ticket(['POST /internal/reservations/:id/payment-started', 'POST /internal/reservations/:id/confirm']),
    ),
    `hold as seen by the load generator ${round(holdSeenMs, 1)} ms`,
    fmt('gateway', gateway(['POST /api/tickets/*'])),
    fmt('ticket', ticket(['POST /api/tickets/book'])),
    ['gateway', 'payment', 'ticket'].map((where, i) => describeLoopLag(where, after[i]!)).join(', '),
  ].join('; ');
}

/** Confirms that ended while seats remained (the cores full of holds and checkouts) and after. */
function confirmPhases(
  confirmMs: number[],
  endedAt: number[],
  lastHeldAt: number,
): Array<Record<string, string | number>> {
  if (lastHeldAt <= 0 || confirmMs.length === 0) return [];
  const row = (measure: string, values: number[]) => {
    const s = summarize(values);
    return {
      measure,
      value: values.length,
      unit: 'requests',
      'p50 ms': round(s.p50, 2),
      'p95 ms': round(s.p95, 2),
      'p99 ms': round(s.p99, 2),
    };
  };
  const { selling, after } = splitAtSellOut(confirmMs, endedAt, lastHeldAt);
  // A phase no confirm ended in (every checkout done before the sell-out) has no figures to print.
  return [
    row('  of which ended while seats remained', selling),
    row('  of which ended after the sell-out', after),
  ].filter((r) => r.value > 0);
}

/** Durations split by when each request ended: by the last committed hold, or after it. */
function splitAtSellOut(
  ms: number[],
  endedAt: number[],
  lastHeldAt: number,
): { selling: number[]; after: number[] } {
  return {
    selling: ms.filter((_, i) => endedAt[i]! <= lastHeldAt),
    after: ms.filter((_, i) => endedAt[i]! > lastHeldAt),
  };
}

/**
 * The sale in two phases, split at its last committed hold: attempts while seats remained (each
 * one reaches PostgreSQL or loses to a racing hold) and attempts after the sell-out (turned away by
 * the fast path). The overall figure depends on how much of the window each phase takes.
 */
function salePhases(
  holdMs: number[],
  endedAt: number[],
  lastHeldAt: number,
  elapsedMs: number,
): Array<Record<string, string | number>> {
  const { selling, after } = splitAtSellOut(holdMs, endedAt, lastHeldAt);
  const row = (measure: string, values: number[], ms: number) => {
    const s = summarize(values);
    return {
      measure,
      value: ms > 0 ? Math.round(values.length / (ms / 1000)) : 0,
      unit: `attempts/s over ${round(ms / 1000, 1)} s`,
      'p50 ms': round(s.p50, 2),
      'p95 ms': round(s.p95, 2),
      'p99 ms': round(s.p99, 2),
    };
  };
  // Seats left at the end (a large map): there was no sell-out, so no second phase to report.
  if (after.length === 0) return [row('  of which while seats remained (no sell-out)', selling, elapsedMs)];
  return [
    row('  of which while seats remained', selling, lastHeldAt),
    row('  of which after the sell-out (turned away)', after, elapsedMs - lastHeldAt),
  ];
}
