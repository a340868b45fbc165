/** The clients of bench/abuse.bench.ts, honest and abusive, and the abusers' process. */
import { fork } from 'node:child_process';
import { setPriority } from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import type { AbuseConfig, AbuseReport } from './abuse.child';
import type { HttpClient } from './load';

const PASSWORD = 'bench-buyer-pass-1';

/** A simulated client: a signed-in buyer at its own address. */
export interface Buyer {
  email: string;
  token: string;
  ip: string;
}

/** Lets go of a hold, as the buyer it belongs to (a 429 is the abuser's own limit at work). */
export async function cancelHold(client: HttpClient, buyer: Buyer, reservationId: string): Promise<void> {
  const res = await client.request('POST', `/api/reservations/${reservationId}/cancel`, {
    token: buyer.token,
    headers: { 'x-forwarded-for': buyer.ip },
  });
  if (res.status !== 200 && res.status !== 429)
    throw new Error(`cancel failed: ${res.status} ${JSON.stringify(res.body)}`);
}

/** One Socket.IO connection through the gateway from `ip` (kept in `sockets` to close later). */
export function connectFrom(
  url: string,
  ip: string,
  sockets: Socket[],
): Promise<{ ok: boolean; ms: number }> {
  const started = performance.now();
  const socket = io(url, {
    path: '/socket.io',
    transports: ['websocket'],
    reconnection: false,
    timeout: 10_000,
    extraHeaders: { 'x-forwarded-for': ip },
  });
  sockets.push(socket);
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ ok: true, ms: performance.now() - started }));
    socket.once('connect_error', () => resolve({ ok: false, ms: performance.now() - started }));
  });
}

/** Registers `count` buyers, buyer i from `ipOf(i)`, 8 at a time. */
export async function register(
  client: HttpClient,
  count: number,
  ipOf: (i: number) => string,
): Promise<Buyer[]> {
  const run = Date.now().toString(36);
  const buyers: Buyer[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (;;) {
        const i = next++;
        if (i >= count) return;
        const email = `abuse-${run}-${i}@tiketi.test`;
        const ip = ipOf(i);
        const res = await client.request('POST', '/api/auth/register', {
          headers: { 'x-forwarded-for': ip },
          body: { email, password: PASSWORD, name: `Buyer ${i}` },
        });
        if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
        buyers[i] = { email, token: res.body.accessToken as string, ip };
      }
    }),
  );
  return buyers;
}

/** Signs a buyer in from its own address. */
export async function signIn(client: HttpClient, buyer: Buyer): Promise<{ status: number; ms: number }> {
  const res = await client.request('POST', '/api/auth/login', {
    headers: { 'x-forwarded-for': buyer.ip },
    body: { email: buyer.email, password: PASSWORD },
  });
  return { status: res.status, ms: res.ms };
}

/** The most seats the buyer held at once on the event until `stopAt`, read from the database every 100 ms. */
export async function seatsHeldAtMost(
  databaseUrl: string,
  eventId: string,
  token: string,
  stopAt: number,
): Promise<number> {
  const userId = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sub as string;
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  let most = 0;
  try {
    while (performance.now() < stopAt) {
      const { rows } = await c.query(
        `select count(*)::int as n from ticket.reservation_seats rs join ticket.reservations r on r.id = rs.reservation_id
         where rs.active and r.event_id = $1 and r.user_id = $2`,
        [eventId, userId],
      );
      most = Math.max(most, rows[0].n as number);
      await new Promise((r) => setTimeout(r, 100));
    }
    return most;
  } finally {
    await c.end();
  }
}

/** Starts the abusers' process; resolves once it is loaded, with `go` to set them off. */
export async function startAbusers(
  config: AbuseConfig,
): Promise<{ go(): void; report: Promise<AbuseReport>; close(): void }> {
  const child = fork('bench/lib/abuse.child.ts', [JSON.stringify(config)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // Lowest priority: on machines of their own the abusers' client work would not take the
  // server's cores; here it only gets what the services leave. Their requests still come as fast
  // as they are answered.
  if (child.pid !== undefined) setPriority(child.pid, 19);
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) =>
      reject(new Error(`the abusers' process exited with ${code} before reporting`)),
    ),
  );
  exited.catch(() => undefined);
  await Promise.race([new Promise((resolve) => child.once('message', resolve)), exited]);
  const report = Promise.race([
    new Promise<AbuseReport>((resolve) => child.once('message', resolve)),
    exited,
  ]);
  return {
    go: () => child.send('go'),
    report,
    close: () => {
      if (child.connected) child.send('close');
    },
  };
}
