import { availableParallelism } from 'node:os';
import { measureCpuShare, type CpuShare } from './lib/cpu-share';
import { summarizeProfiles, toggleChildProfiles } from './lib/profile';
import {
  arg,
  argString,
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
import { summarize } from './lib/report';

/**
 * `npm run bench -- costs [--concurrency 4] [--buyers 400] [--only <text>] [--cpu-prof] [--dry-run]`
 *
 * What one operation costs each part of the machine, in CPU microseconds: the gateway, every
 * service, PostgreSQL and Redis, read from /proc. Operations run a kind at a time, a few in flight,
 * on a machine that is otherwise idle. So the figures are costs, not contention: they say which
 * part to make cheaper for each kind of request in the flash sale. The idle machine's own
 * background (timers, pollers) is measured first and taken off. Each kind runs a while unmeasured
 * first: measured cold, the trivial route cost three times what it costs once V8 has optimised it. `--only` measures the kinds whose
 * name contains the text (holds still run when a later kind needs them); `--cpu-prof` writes a V8
 * profile of every service over the measured kinds.
 */
const PARTS = [
  'gateway',
  'ticket',
  'payment',
  'stats',
  'auth',
  'postgresql (run database)',
  'redis',
] as const;

interface Kind {
  name: string;
  /** Operations measured. */
  count: number;
  /** Operations run just before, unmeasured: V8 optimises a path only after it has run a while. */
  warm: number;
  op: (i: number) => Promise<string>;
}

export default async function costsBench(args: string[]): Promise<void> {
  const concurrency = arg(args, 'concurrency', 4);
  const buyerCount = arg(args, 'buyers', 400);
  const seatLimit = 8;
  const only = argString(args, 'only', '');
  const cores = availableParallelism();
  const profileDir = args.includes('--cpu-prof') ? `.data/bench-prof-${Date.now().toString(36)}` : undefined;
  const bench = await startBenchCluster('bench_costs', { connections: concurrency * 2, profileDir });
  try {
    const client: HttpClient = bench.client;
    const adminToken = await bench.adminToken();
    const { eventId, seatIds } = await createOnSaleEvent(client, adminToken, {
      title: 'Cost bench',
      seats: buyerCount * seatLimit,
      seatLimit,
    });
    const { tokens } = await registerBuyers(client, buyerCount, 'costs');
    // The reads and the waiting room the other targets are about: a 10,000-seat map, and rooms
    // enough for every buyer to join each once (a buyer joins a room once).
    const bigMap = await createOnSaleEvent(client, adminToken, { title: 'Cost bench map', seats: 10_000 });
    const joins = { warm: 1_200, count: 2_400 };
    const rooms = await queueRooms(client, adminToken, Math.ceil((joins.warm + joins.count) / buyerCount));
    let nextJoin = 0;
    // Buyers whose first request is measured: a token, and a session, the gateway has not seen.
    const firstRequests = { warm: 500, count: 3_000 };
    const FIRST_REQUEST = 'queue join, the first request of a new session (token new to every process)';
    const newSessions = FIRST_REQUEST.includes(only)
      ? (await registerBuyers(client, firstRequests.warm + firstRequests.count, 'costs-new')).tokens
      : [];

    // A sold-out event: after its first refusal the gateway answers its holds itself (ADR 0009),
    // as it does for nine in ten of a flash sale's attempts.
    const AT_THE_EDGE = 'hold for a sold-out event, answered at the gateway (409)';
    const soldOutEvent = AT_THE_EDGE.includes(only) ? await soldOut(client, adminToken, tokens) : '';

    let nextSeat = 0;
    const heldSeat: string[] = [];
    const heldReservations: Array<{ token: string; id: string }> = [];
    const buyerOf = (i: number) => tokens[i % tokens.length]!;
    const holdOne = async (i: number) => {
      const token = buyerOf(i);
      const seat = seatIds[nextSeat++]!;
      const res = await client.request('POST', '/api/tickets/book', {
        token,
        body: { eventId, seatIds: [seat] },
      });
      if (res.status === 201) {
        heldSeat.push(seat);
        heldReservations.push({ token, id: res.body.reservation.id as string });
      }
      return res.status === 201 ? 'held' : outcome(res);
    };
    const turnedAway = async (i: number) =>
      outcome(
        await client.request('POST', '/api/tickets/book', {
          token: buyerOf(i + 1),
          body: { eventId, seatIds: [heldSeat[i % heldSeat.length]!] },
        }),
      );
    // A paid checkout's three steps. Each answers what the next needs, or why it stopped.
    type Created = { token: string; url: string };
    type Approved = { token: string; location: string };
    const create = async (r: { token: string; id: string }): Promise<Created | string> => {
      const res = await client.request('POST', '/api/payments/create', {
        token: r.token,
        body: { reservationId: r.id, method: 'sandbox' },
      });
      return res.status === 201
        ? { token: r.token, url: res.body.checkout.url as string }
        : `create:${outcome(res)}`;
    };
    const approve = async (c: Created): Promise<Approved | string> => {
      const res = await client.request('POST', new URL(c.url).pathname, { form: 'action=approve' });
      const location = res.headers.location;
      return res.status === 303 && location ? { token: c.token, location } : `approve:${outcome(res)}`;
    };
    const confirm = async (a: Approved): Promise<string> => {
      const back = new URL(a.location, bench.gateway);
      const res = await client.request('POST', '/api/payments/confirm', {
        token: a.token,
        body: {
          orderId: back.searchParams.get('orderId'),
          paymentKey: back.searchParams.get('paymentKey'),
          amount: Number(back.searchParams.get('amount')),
        },
      });
      return res.status === 200 ? 'paid' : `confirm:${outcome(res)}`;
    };
    const checkout = async () => {
      const r = heldReservations.pop();
      if (!r) return 'no hold left';
      const c = await create(r);
      if (typeof c === 'string') return c;
      const a = await approve(c);
      return typeof a === 'string' ? a : confirm(a);
    };

    // The same checkout a step at a time, so each step's cost shows apart.
    const created: Created[] = [];
    const approved: Approved[] = [];
    const createStep = async () => {
      const r = heldReservations.pop();
      if (!r) return 'no hold left';
      const c = await create(r);
      if (typeof c === 'string') return c;
      created.push(c);
      return 'created';
    };
    const approveStep = async () => {
      const c = created.pop();
      if (!c) return 'nothing created';
      const a = await approve(c);
      if (typeof a === 'string') return a;
      approved.push(a);
      return 'approved';
    };
    const confirmStep = async () => {
      const a = approved.pop();
      return a ? confirm(a) : 'nothing approved';
    };

    // Seats are buyers x seatLimit: the holds take 60% of them, and the checkouts (each kind takes
    // one hold per operation, warm-up included) at most half of those.
    const holdsWarm = 400;
    const holds = Math.floor(seatIds.length * 0.6) - holdsWarm;
    const checkouts = { warm: 100, count: Math.floor((holds + holdsWarm) / 4) - 100 };
    const cheap = { warm: 2_000, count: 4_000 };
    const kinds: Kind[] = [
      {
        name: 'trivial route (GET /api/payments/methods, no token)',
        ...cheap,
        op: async () => outcome(await client.request('GET', '/api/payments/methods')),
      },
      { name: 'hold, one free seat (201)', count: holds, warm: holdsWarm, op: holdOne },
      {
        name: 'hold turned away by the fast path (seat held, 409)',
        ...cheap,
        op: turnedAway,
      },
      {
        name: AT_THE_EDGE,
        // Cheap enough that the 10 ms ticks need more of them to say anything.
        warm: 4_000,
        count: 20_000,
        op: async (i) =>
          outcome(
            await client.request('POST', '/api/tickets/book', {
              token: buyerOf(i),
              body: { eventId: soldOutEvent, quantity: 1 },
            }),
          ),
      },
      {
        name: 'best available, nothing fits (409)',
        ...cheap,
        op: async (i) =>
          outcome(
            await client.request('POST', '/api/tickets/book', {
              token: buyerOf(i),
              body: { eventId, quantity: 1, section: 'No such section' },
            }),
          ),
      },
      {
        name: 'event detail (GET /api/events/:id, anonymous, edge cache)',
        ...cheap,
        op: async () => outcome(await client.request('GET', `/api/events/${eventId}`)),
      },
      {
        name: 'seat map, 10,000 seats (gzip, anonymous)',
        warm: 500,
        count: 1_500,
        op: async () =>
          outcome(
            await client.request('GET', `/api/events/${bigMap.eventId}/seats`, {
              raw: true,
              headers: { 'accept-encoding': 'gzip' },
            }),
          ),
      },
      {
        name: 'queue join (POST /api/queue/:id/join)',
        ...joins,
        op: async () => {
          const n = nextJoin++;
          const room = rooms[Math.floor(n / buyerCount)]!;
          return outcome(await client.request('POST', `/api/queue/${room}/join`, { token: buyerOf(n) }));
        },
      },
      {
        name: FIRST_REQUEST,
        ...firstRequests,
        op: async (i) =>
          outcome(await client.request('POST', `/api/queue/${rooms[0]!}/join`, { token: newSessions[i]! })),
      },
      {
        name: 'queue status poll (GET /api/queue/:id/status)',
        ...cheap,
        op: async (i) =>
          outcome(await client.request('GET', `/api/queue/${rooms[0]!}/status`, { token: buyerOf(i) })),
      },
      {
        name: 'paid checkout (create, approve, confirm: 3 requests)',
        ...checkouts,
        op: checkout,
      },
      { name: '  checkout step: payment create', ...checkouts, op: createStep },
      { name: '  checkout step: sandbox approve (the checkout page)', ...checkouts, op: approveStep },
      { name: '  checkout step: payment confirm', ...checkouts, op: confirmStep },
    ];
    // What a kind leaves behind for later kinds: it runs, uncounted, when only those are measured.
    const feeds = new Map<Kind['op'], Array<Kind['op']>>([
      [holdOne, [turnedAway, checkout, createStep, approveStep, confirmStep]],
      [createStep, [approveStep, confirmStep]],
      [approveStep, [confirmStep]],
    ]);

    await settle();
    const idle = await window(bench.cluster.databaseUrl, () => new Promise((r) => setTimeout(r, 3_000)));

    const rows: Array<Record<string, string | number>> = [];
    const notes: string[] = [];
    const measured = kinds.filter((k) => k.name.includes(only));
    for (const kind of kinds) {
      const counted = measured.includes(kind);
      if (!counted && !measured.some((k) => feeds.get(kind.op)?.includes(k.op))) continue;
      // Unmeasured first (a kind that feeds only later kinds runs just this part, twice over).
      await drive(
        { workers: concurrency, seconds: 600, count: counted ? kind.warm : kind.warm + kind.count },
        async (_w, i) => void (await kind.op(i)),
      );
      if (!counted) continue;
      await settle();
      if (profileDir) toggleChildProfiles();
      const outcomes: Record<string, number> = {};
      const ms: number[] = [];
      let done = 0;
      const share = await window(bench.cluster.databaseUrl, async () => {
        await drive({ workers: concurrency, seconds: 600, count: kind.count }, async (_w, i) => {
          const t0 = performance.now();
          tally(outcomes, await kind.op(i + kind.warm));
          ms.push(performance.now() - t0);
          done++;
        });
        await settle(); // the consumers' and relays' share of the work lands in the window too
      });
      if (profileDir) toggleChildProfiles();
      const perOp = (part: string) => {
        const used = (share.parts.find((p) => p.part === part)?.cores ?? 0) * share.seconds;
        const background = (idle.parts.find((p) => p.part === part)?.cores ?? 0) * share.seconds;
        return Math.max(0, ((used - background) / done) * 1e6);
      };
      const row: Record<string, string | number> = { operation: kind.name, count: done };
      let total = 0;
      for (const part of PARTS) {
        const us = perOp(part);
        total += us;
        row[`${part.replace(' (run database)', '')} µs`] = Math.round(us);
      }
      row['services + data µs'] = Math.round(total);
      const generator = perOp('load generator');
      row['load generator µs'] = Math.round(generator);
      row[`most/s on ${cores} cores`] = Math.round((cores * 1e6) / (total + generator));
      row['p50 ms'] = round(summarize(ms).p50, 2);
      rows.push(row);
      notes.push(`${kind.name}: ${JSON.stringify(outcomes)}`);
    }
    notes.push(
      `most/s = this machine's ${cores} cores over the operation's whole CPU (services, data and the load generator): the rate the machine could reach doing nothing else, with no contention at all. A target above it is out of reach by scheduling or concurrency; only a cheaper operation (or more cores) gets there`,
      `${concurrency} in flight, one kind at a time, on an otherwise idle machine; the idle background (${idle.parts
        .filter((p) => p.cores >= 0.005)
        .map((p) => `${p.part} ${Math.round(p.cores * 1000)} ms/s`)
        .join(
          ', ',
        )}) is taken off; CPU from /proc in 10 ms ticks, so a figure is good to about ${Math.round(10_000 / 3_000)} µs at 3,000 operations`,
    );
    publish(args, `costs (production mode, CPU per operation, ${concurrency} in flight)`, rows, notes);
  } finally {
    await bench.stop();
    if (profileDir) console.log(summarizeProfiles(profileDir).join('\n'));
  }
}

/** Events on sale behind a waiting room that admits nobody during the run. */
async function queueRooms(client: HttpClient, adminToken: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const { eventId } = await createOnSaleEvent(client, adminToken, {
      title: `Cost bench room ${i + 1}`,
      seats: 100,
    });
    const room = await client.request('PUT', `/api/admin/events/${eventId}/queue`, {
      token: adminToken,
      body: { mode: 'on', admissionsPerMinute: 1, maxInside: 1, heartbeatTimeoutSeconds: 3600 },
    });
    if (room.status !== 200)
      throw new Error(`waiting room not configured: ${room.status} ${JSON.stringify(room.body)}`);
    ids.push(eventId);
  }
  return ids;
}

/** A 100-seat event on sale whose every seat is held, by 25 of the buyers. */
async function soldOut(client: HttpClient, adminToken: string, tokens: string[]): Promise<string> {
  const { eventId } = await createOnSaleEvent(client, adminToken, {
    title: 'Cost bench sold out',
    seats: 100,
  });
  for (let i = 0; i < 25; i++) {
    const res = await client.request('POST', '/api/tickets/book', {
      token: tokens[i]!,
      body: { eventId, quantity: 4 },
    });
    if (res.status !== 201)
      throw new Error(`sold-out event not filled: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return eventId;
}

async function settle(): Promise<void> {
  await new Promise((r) => setTimeout(r, 1_000));
}

async function window(databaseUrl: string, run: () => Promise<void>): Promise<CpuShare> {
  const end = measureCpuShare(databaseUrl);
  await run();
  return end();
}
