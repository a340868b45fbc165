import type http from 'node:http';
import { resolve } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { Pool, type Dispatcher } from 'undici';
import { report } from './report';
import { createRunDatabase, freePort, startCluster, type Cluster, type ClusterService } from './cluster';

/**
 * Shared pieces of the production-mode benchmarks: CLI arguments, a keep-alive HTTP client that
 * costs the load generator little, a bounded driver, and a cluster on a fresh database.
 */
export const BENCH_DATABASE_URL =
  process.env.TIKETI_BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
export const BENCH_REDIS_URL = process.env.TIKETI_BENCH_REDIS_URL || 'redis://127.0.0.1:6379';

export function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(value) && value >= 0 ? value : fallback;
}

export function argString(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

export interface HttpResult {
  status: number;
  body: any;
  ms: number;
  bytes: number;
  headers: http.IncomingHttpHeaders;
  /** Set when no HTTP answer came (connection refused/reset, or the time limit). */
  error?: string;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  form?: string;
  /** Do not parse the body (large seat maps): only its size is kept. */
  raw?: boolean;
  headers?: Record<string, string>;
}

/**
 * HTTP/1.1 keep-alive client for 127.0.0.1 with at most `connections` sockets. undici, not
 * node:http: the load generator shares the 2 cores with what it measures, and undici costs it
 * about half as much per request (47 against 92-99 µs of CPU for a signed-in JSON POST here).
 */
export class HttpClient {
  private readonly pool: Pool;

  constructor(baseUrl: string, connections: number, timeoutMs = 30_000) {
    this.pool = new Pool(new URL(baseUrl).origin, {
      connections,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      keepAliveTimeout: 60_000,
    });
  }

  async request(method: string, path: string, opts: RequestOptions = {}): Promise<HttpResult> {
    const payload = opts.form ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (payload !== undefined)
      headers['content-type'] =
        opts.form !== undefined ? 'application/x-www-form-urlencoded' : 'application/json';
    const t0 = performance.now();
    try {
      const res = await this.pool.request({
        method: method as Dispatcher.HttpMethod,
        path,
        headers,
        body: payload,
      });
      const chunks: Buffer[] = [];
      for await (const chunk of res.body) chunks.push(chunk as Buffer);
      const buf = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      let body: any = null;
      if (!opts.raw && buf.length > 0) {
        const text = buf.toString();
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
      return {
        status: res.statusCode,
        body,
        ms: performance.now() - t0,
        bytes: buf.length,
        headers: res.headers as http.IncomingHttpHeaders,
      };
    } catch (err) {
      return {
        status: 0,
        body: null,
        ms: performance.now() - t0,
        bytes: 0,
        headers: {},
        error: transportError(err),
      };
    }
  }

  close(): void {
    void this.pool.destroy();
  }
}

/** A short name for why no answer came: the socket's errno where there is one, "timeout" for the time limit. */
function transportError(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  if (e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT') return 'timeout';
  return e.cause?.code ?? e.code ?? e.message;
}

/** The error code of an answer, for "errors by code" tables. */
export function outcome(res: HttpResult): string {
  if (res.error) return `transport:${res.error}`;
  const code = (res.body as { error?: { code?: string } } | null)?.error?.code;
  return code ?? String(res.status);
}

export function tally(into: Record<string, number>, key: string): void {
  into[key] = (into[key] ?? 0) + 1;
}

/**
 * Runs `workers` loops until `seconds` pass (or `count` operations started); returns the elapsed
 * time. Each loop awaits its own operation, so `workers` is the number of requests in flight.
 */
export async function drive(
  opts: { workers: number; seconds: number; count?: number },
  op: (worker: number, i: number) => Promise<void>,
): Promise<{ elapsedMs: number; operations: number }> {
  const started = performance.now();
  const deadline = started + opts.seconds * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: opts.workers }, async (_, w) => {
      while (performance.now() < deadline) {
        const i = next++;
        if (opts.count !== undefined && i >= opts.count) return;
        await op(w, i);
      }
    }),
  );
  return {
    elapsedMs: performance.now() - started,
    operations: opts.count !== undefined ? Math.min(next, opts.count) : next,
  };
}

export interface BenchCluster {
  cluster: Cluster;
  client: HttpClient;
  gateway: string;
  admin: { email: string; password: string };
  adminToken(): Promise<string>;
  /** Starts another ticket-service process on the same database and Redis (joined by the Redis adapter). */
  extraTicket(): Promise<{ url: string; process: ChildProcess }>;
  /** Starts another gateway process in front of the same services (production runs replicas). */
  extraGateway(): Promise<{ url: string; process: ChildProcess }>;
  stop(): Promise<void>;
}

/**
 * Production mode on a fresh database: each service its own process on PostgreSQL and Redis, the
 * gateway's rate limits lifted (the load generator is one IP and a few thousand users).
 */
export async function startBenchCluster(
  label: string,
  opts: {
    connections: number;
    services?: ClusterService[];
    env?: Record<string, string>;
    profileDir?: string;
  },
): Promise<BenchCluster> {
  const run = await createRunDatabase(BENCH_DATABASE_URL, label);
  const extras: ChildProcess[] = [];
  let cluster: Cluster;
  try {
    cluster = await startCluster({
      databaseUrl: run.url,
      redisUrl: BENCH_REDIS_URL,
      services: opts.services ?? ['auth', 'ticket', 'payment', 'stats', 'gateway'],
      env: {
        RATE_LIMIT_IP_PER_MINUTE: '100000000',
        RATE_LIMIT_USER_PER_MINUTE: '100000000',
        RATE_LIMIT_IP_PER_SECOND: '100000000',
        RATE_LIMIT_USER_PER_SECOND: '100000000',
        PAYMENT_SANDBOX_ENABLED: 'true',
        DATABASE_POOL_MAX: '20',
        ADMIN_EMAIL: 'ops@tiketi.test',
        ADMIN_PASSWORD: 'Load-Operator-Pass-2026!',
        // `--cpu-prof`: every service process writes a V8 CPU profile when it stops (bench/lib/profile.ts reads them).
        ...(opts.profileDir
          ? {
              NODE_OPTIONS: `--require ${resolve('bench/lib/cpu-prof.preload.cjs')}`,
              TIKETI_CPU_PROF_DIR: resolve(opts.profileDir),
            }
          : {}),
        ...opts.env,
      },
    });
  } catch (err) {
    await run.drop();
    throw err;
  }
  const gateway = cluster.urls.gateway;
  const client = new HttpClient(gateway, opts.connections);
  const extra = async (name: string, entry: string, portVariable: string) => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', entry], {
      env: { ...process.env, ...cluster.env, [portVariable]: String(port) },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    extras.push(child);
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ok = await fetch(`${url}/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`extra ${name} process not ready`);
      await new Promise((r) => setTimeout(r, 200));
    }
    return { url, process: child };
  };
  const admin = { email: cluster.env.ADMIN_EMAIL!, password: cluster.env.ADMIN_PASSWORD! };
  return {
    cluster,
    client,
    gateway,
    admin,
    async adminToken() {
      const res = await client.request('POST', '/api/auth/login', { body: admin });
      if (res.status !== 200)
        throw new Error(`admin login failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.accessToken as string;
    },
    extraTicket: () => extra('ticket', 'services/ticket/src/server.ts', 'TICKET_PORT'),
    extraGateway: () => extra('gateway', 'apps/gateway/src/server.ts', 'GATEWAY_PORT'),
    async stop() {
      client.close();
      for (const child of extras) {
        if (child.exitCode === null) {
          const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
          child.kill('SIGTERM');
          await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
          if (child.exitCode === null) child.kill('SIGKILL');
        }
      }
      await cluster.stop();
      await run.drop();
    },
  };
}

/**
 * Registers `count` buyers through the gateway, `parallel` at a time (argon2id hashing, about
 * 20-50 ms of CPU each, is the cost); returns their access tokens and the registrations per second.
 */
export async function registerBuyers(
  client: HttpClient,
  count: number,
  label: string,
  parallel = 16,
): Promise<{ tokens: string[]; perSecond: number }> {
  const tokens: string[] = [];
  const run = Date.now().toString(36);
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, count) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= count) return;
        const res = await client.request('POST', '/api/auth/register', {
          body: {
            email: `${label}-${run}-${i}@tiketi.test`,
            password: 'bench-buyer-pass-1',
            name: `Buyer ${i}`,
          },
        });
        if (res.status !== 201 && res.status !== 200)
          throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
        tokens.push(res.body.accessToken as string);
      }
    }),
  );
  return { tokens, perSecond: count / ((performance.now() - t0) / 1000) };
}

/** The admin creates and publishes an event on sale now, rows of 100 seats in sections of 5,000. */
export async function createOnSaleEvent(
  client: HttpClient,
  adminToken: string,
  opts: { title: string; seats: number; seatLimit?: number; price?: number },
): Promise<{ eventId: string; seatIds: string[] }> {
  const hour = 3_600_000;
  const at = (ms: number) => new Date(Date.now() + ms).toISOString();
  const sections = [];
  for (let s = 0, left = opts.seats; left > 0; s++, left -= 5_000) {
    const inSection = Math.min(5_000, left);
    const rows = [];
    for (let r = 0, rest = inSection; rest > 0; r++, rest -= 100)
      rows.push({ label: `R${r + 1}`, seats: Math.min(100, rest) });
    sections.push({
      name: `Block ${String.fromCharCode(65 + s)}`,
      price: (opts.price ?? 55_000) + s * 11_000,
      rows,
    });
  }
  const created = await client.request('POST', '/api/admin/events', {
    token: adminToken,
    body: {
      title: opts.title,
      category: 'concert',
      venueName: 'Bench Arena',
      startsAt: at(72 * hour),
      endsAt: at(75 * hour),
      saleStartsAt: at(-hour),
      saleEndsAt: at(70 * hour),
      seatLimit: opts.seatLimit ?? 4,
      holdMinutes: 10,
      layout: { sections },
    },
  });
  if (created.status !== 201)
    throw new Error(`event not created: ${created.status} ${JSON.stringify(created.body)}`);
  const eventId = created.body.event.id as string;
  const published = await client.request('POST', `/api/events/${eventId}/publish`, { token: adminToken });
  if (published.status >= 300)
    throw new Error(`event not published: ${published.status} ${JSON.stringify(published.body)}`);
  const map = await client.request('GET', `/api/events/${eventId}/seats`);
  return { eventId, seatIds: (map.body.seats as Array<{ id: string }>).map((s) => s.id) };
}

export const round = (v: number, digits = 1) =>
  Number.isFinite(v) ? Math.round(v * 10 ** digits) / 10 ** digits : NaN;

/** report() (table + bench/RESULTS.md), or with `--dry-run` only the table: for scaled-down trial runs. */
export function publish(
  args: string[],
  name: string,
  rows: Array<Record<string, string | number>>,
  notes: string[] = [],
): void {
  if (!args.includes('--dry-run')) return report(name, rows, notes);
  console.log(`\n== ${name} (dry run: not appended to bench/RESULTS.md) ==`);
  console.table(rows);
  for (const n of notes) console.log(`- ${n}`);
}
