import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import { summarize } from '../../bench/lib/report';
import { expectInvariants, realServers, startChaos, type ChaosRun } from './chaos.support';

/**
 * Abusive clients against the gateway's real limits (production mode, each simulated client its
 * own address through one trusted proxy hop): the abuser is held back by the per-address and
 * per-user rate limits, the per-buyer seat limit and the login throttle, while honest buyers keep
 * getting their seats. Honest buyers' hold latency with and without the abuser is printed.
 */
const servers = realServers();
const IP_LIMIT = 120;
const USER_LIMIT = 60;
const honestIp = (i: number) => `198.51.100.${10 + i}`;
const ABUSER_IP = '203.0.113.66';
const LOGIN_ABUSER_IP = '203.0.113.77';
const SOCKET_ABUSER_IP = '203.0.113.88';

/** One Socket.IO connection through the gateway from `ip`: resolves true when connected, false when refused. */
function connectFrom(url: string, ip: string, sockets: Socket[]): Promise<boolean> {
  const socket = io(url, {
    path: '/socket.io',
    transports: ['websocket'],
    reconnection: false,
    timeout: 10_000,
    extraHeaders: { 'x-forwarded-for': ip },
  });
  sockets.push(socket);
  return new Promise((resolve) => {
    socket.once('connect', () => resolve(true));
    socket.once('connect_error', () => resolve(false));
  });
}

describe.skipIf(!servers)('abusive clients (production mode)', () => {
  let run: ChaosRun | undefined;
  let honest: string[] = [];
  let abuser = '';

  beforeAll(async () => {
    run = await startChaos('abuse', servers!, {
      RATE_LIMIT_IP_PER_MINUTE: String(IP_LIMIT),
      RATE_LIMIT_USER_PER_MINUTE: String(USER_LIMIT),
      GATEWAY_TRUST_PROXY_HOPS: '1',
    });
    honest = await run.client.registerBuyers(12, 'honest', 6, honestIp);
    abuser = (await run.client.registerBuyers(1, 'abuser', 1, () => ABUSER_IP))[0]!;
  }, 180_000);

  afterAll(async () => {
    await run?.close();
  });

  it('a buyer hammering the hold route is limited; honest buyers still get their seats', async () => {
    const { client, adminToken, databaseUrl } = run!;
    const { eventId, seatIds } = await client.onSaleEvent(adminToken, {
      title: 'Abuse',
      rows: 2,
      perRow: 50,
      price: 20_000,
      seatLimit: 4,
    });
    const honestRound = async (offset: number) =>
      Promise.all(
        honest.map(async (token, i) => {
          const t0 = performance.now();
          const res = await client.api('POST', '/api/tickets/book', {
            token,
            ip: honestIp(i),
            body: { eventId, seatIds: [seatIds[offset + i]!] },
          });
          return { status: res.status, ms: performance.now() - t0, body: res.body };
        }),
      );
    const quiet = await honestRound(0);
    expect(quiet.map((r) => r.status)).toEqual(honest.map(() => 201));

    // The abuser: seat after seat as fast as it can, holding and cancelling, on many connections.
    const codes: Record<string, number> = {};
    let stop = false;
    const abuse = Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let n = 0; !stop; n++) {
          const seat = seatIds[50 + ((w * 7 + n) % 50)]!;
          const res = await client.api('POST', '/api/tickets/book', {
            token: abuser,
            ip: ABUSER_IP,
            body: { eventId, seatIds: [seat] },
          });
          const code = res.status === 201 ? 'held' : String(res.body?.error?.code ?? res.status);
          codes[code] = (codes[code] ?? 0) + 1;
          if (res.status === 201 && n % 3 === 0)
            await client.api('POST', `/api/reservations/${res.body.reservation.id}/cancel`, {
              token: abuser,
              ip: ABUSER_IP,
            });
        }
      }),
    );
    let busy: Awaited<ReturnType<typeof honestRound>> | undefined;
    try {
      // Let the abuser run into its limits first.
      const deadline = Date.now() + 30_000;
      while ((codes.RATE_LIMITED ?? 0) < 20 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      busy = await honestRound(20);
    } finally {
      stop = true;
      await abuse;
    }
    const q = summarize(quiet.map((r) => r.ms));
    const b = summarize(busy!.map((r) => r.ms));
    console.log('abuser outcomes:', JSON.stringify(codes));
    const ms = (n: number) => Math.round(n);
    console.log(
      `honest hold p95: ${ms(q.p95)} ms alone, ${ms(b.p95)} ms beside the abuser (p50 ${ms(q.p50)} / ${ms(b.p50)})`,
    );

    expect(
      busy!.map((r) => r.status),
      JSON.stringify(busy!.map((r) => r.body)),
    ).toEqual(honest.map(() => 201));
    expect(codes.RATE_LIMITED ?? 0).toBeGreaterThanOrEqual(20);
    // Whatever got through, the per-buyer limit bounds what the abuser holds at once.
    const c = new pg.Client({ connectionString: databaseUrl });
    await c.connect();
    try {
      const held = await c.query(
        `select count(*)::int as n from ticket.reservation_seats rs join ticket.reservations r on r.id = rs.reservation_id
         where rs.active and r.event_id = $1 and r.user_id = $2`,
        [eventId, JSON.parse(Buffer.from(abuser.split('.')[1]!, 'base64url').toString()).sub],
      );
      expect(held.rows[0].n).toBeLessThanOrEqual(4);
    } finally {
      await c.end();
    }
    await expectInvariants('a buyer hammering holds', databaseUrl);
  }, 120_000);

  it('hammering login is throttled per address; other buyers still sign in', async () => {
    const { client } = run!;
    const email = `signer-${Date.now().toString(36)}@tiketi.test`;
    const reg = await client.api('POST', '/api/auth/register', {
      ip: honestIp(40),
      body: { email, password: 'honest-password-1', name: 'Honest Signer' },
    });
    expect(reg.status).toBe(201);
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await client.api('POST', '/api/auth/login', {
        ip: LOGIN_ABUSER_IP,
        body: { email: `nobody-${i}@tiketi.test`, password: 'wrong-password-1' },
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 5).every((s) => s === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    const own = await client.api('POST', '/api/auth/login', {
      ip: honestIp(41),
      body: { email, password: 'honest-password-1' },
    });
    expect(own.status, JSON.stringify(own.body)).toBe(200);
  }, 60_000);

  it('one address opening many connections is refused past its limit; another still connects', async () => {
    const { cluster } = run!;
    const sockets: Socket[] = [];
    try {
      const opened: boolean[] = [];
      for (let i = 0; i < IP_LIMIT + 20; i += 20)
        opened.push(
          ...(await Promise.all(
            Array.from({ length: 20 }, () => connectFrom(cluster.urls.gateway, SOCKET_ABUSER_IP, sockets)),
          )),
        );
      const refused = opened.filter((ok) => !ok).length;
      console.log(`connections from one address: ${opened.length - refused} open, ${refused} refused`);
      expect(opened.length - refused).toBeLessThanOrEqual(IP_LIMIT);
      expect(refused).toBeGreaterThan(0);
      expect(await connectFrom(cluster.urls.gateway, honestIp(50), sockets)).toBe(true);
    } finally {
      for (const s of sockets) s.disconnect();
    }
  }, 60_000);
});
