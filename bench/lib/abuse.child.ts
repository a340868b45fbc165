import { performance } from 'node:perf_hooks';
import type { Socket } from 'socket.io-client';
import { cancelHold, connectFrom, type Buyer } from './abuse.clients';
import { HttpClient, outcome, tally } from './load';

/**
 * Child process of bench/abuse.bench.ts: the three abusers, in a process of their own as they would
 * be on machines of their own, so the honest buyers' latency is measured by a process that is not
 * also serving the abusers' answers. Reports what each abuser got over IPC, then keeps its open
 * connections until told "close".
 */
export interface AbuseConfig {
  gateway: string;
  abuser: Buyer;
  eventId: string;
  seats: string[];
  seconds: number;
  holdConnections: number;
  loginConnections: number;
  loginIp: string;
  socketAttempts: number;
  socketIp: string;
}

export interface AbuseReport {
  holdCodes: Record<string, number>;
  loginCodes: Record<string, number>;
  opened: number;
  refused: number;
}

const config = JSON.parse(process.argv[2]!) as AbuseConfig;
const client = new HttpClient(config.gateway, config.holdConnections + config.loginConnections);
const sockets: Socket[] = [];
let stopAt = 0;

async function hammerHolds(): Promise<Record<string, number>> {
  const codes: Record<string, number> = {};
  const { abuser, eventId, seats } = config;
  await Promise.all(
    Array.from({ length: config.holdConnections }, async (_, w) => {
      for (let n = 0; performance.now() < stopAt; n++) {
        const res = await client.request('POST', '/api/tickets/book', {
          token: abuser.token,
          headers: { 'x-forwarded-for': abuser.ip },
          body: { eventId, seatIds: [seats[(w * 61 + n) % seats.length]!] },
        });
        tally(codes, res.status === 201 ? 'held' : outcome(res));
        if (res.status === 201) await cancelHold(client, abuser, res.body.reservation.id as string);
      }
    }),
  );
  return codes;
}

async function hammerLogins(): Promise<Record<string, number>> {
  const codes: Record<string, number> = {};
  await Promise.all(
    Array.from({ length: config.loginConnections }, async (_, w) => {
      for (let n = 0; performance.now() < stopAt; n++) {
        const res = await client.request('POST', '/api/auth/login', {
          headers: { 'x-forwarded-for': config.loginIp },
          body: { email: `guess-${w}-${n}@tiketi.test`, password: 'wrong-password-1' },
        });
        tally(codes, res.status === 401 ? '401' : outcome(res));
      }
    }),
  );
  return codes;
}

async function floodSockets(): Promise<{ opened: number; refused: number }> {
  let opened = 0;
  let refused = 0;
  for (let i = 0; i < config.socketAttempts; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: 50 }, () => connectFrom(config.gateway, config.socketIp, sockets)),
    );
    for (const r of batch) {
      if (r.ok) opened++;
      else refused++;
    }
  }
  return { opened, refused };
}

// Loaded and ready ("ready"), the abusers start when told "go": this process's own start-up
// (loading TypeScript) is not counted against the honest buyers.
process.on('message', (m) => {
  if (m === 'go') {
    stopAt = performance.now() + config.seconds * 1000;
    void Promise.all([hammerHolds(), hammerLogins(), floodSockets()]).then(
      ([holdCodes, loginCodes, flooded]) =>
        process.send!({ holdCodes, loginCodes, ...flooded } satisfies AbuseReport),
    );
  }
  if (m === 'close') {
    for (const s of sockets) s.disconnect();
    client.close();
    process.exit(0);
  }
});
process.send!('ready');
