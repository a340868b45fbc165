import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '@tiketi/platform';
import { deleteRedisKeys } from '@tiketi/testing';

/**
 * Production mode on this machine: each service its own Node process on real PostgreSQL and
 * Redis, as the containers run them. Used by the benchmarks and the fault tests, which kill and
 * restart processes.
 */
export type ClusterService = 'auth' | 'ticket' | 'payment' | 'stats' | 'gateway';

const ENTRY: Record<ClusterService, string> = {
  auth: 'services/auth/src/server.ts',
  ticket: 'services/ticket/src/server.ts',
  payment: 'services/payment/src/server.ts',
  stats: 'services/stats/src/server.ts',
  gateway: 'apps/gateway/src/server.ts',
};

export interface ClusterOptions {
  databaseUrl: string;
  redisUrl: string;
  /** Extra environment for every process. */
  env?: Record<string, string>;
  /** Processes per service (the ticket service may run two behind the gateway's round robin). */
  services?: ClusterService[];
  log?: boolean;
}

export interface Cluster {
  urls: Record<ClusterService, string>;
  env: Record<string, string>;
  databaseUrl: string;
  kill(service: ClusterService, signal?: NodeJS.Signals): Promise<void>;
  start(service: ClusterService): Promise<void>;
  stop(): Promise<void>;
}

export { freePort };

/** Creates a fresh database for one run and returns its URL. */
export async function createRunDatabase(
  adminUrl: string,
  label: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `tiketi_${label}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** The port freePort chose was bound by another process (a test file running alongside) first. */
class PortTaken extends Error {}

/**
 * Ready, and answering as the service we started: between freePort and the child's listen another
 * process may take the port, and its /ready would pass for ours.
 */
async function waitReady(
  url: string,
  service: ClusterService,
  child: ChildProcess,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new PortTaken(`${service} exited before it was ready (${child.exitCode ?? child.signalCode})`);
    try {
      const health = (await (await fetch(`${url}/health`)).json()) as { service?: string };
      if (health.service !== service)
        throw new PortTaken(`${url} answers as ${health.service}, not ${service}`);
      if ((await fetch(`${url}/ready`)).ok) return;
    } catch (err) {
      if (err instanceof PortTaken) throw err;
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Starts the cluster, on fresh ports again when one of them was taken meanwhile. */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startClusterOnce(options);
    } catch (err) {
      if (!(err instanceof PortTaken) || attempt >= 3) throw err;
    }
  }
}

async function startClusterOnce(options: ClusterOptions): Promise<Cluster> {
  const services = options.services ?? ['auth', 'ticket', 'payment', 'stats', 'gateway'];
  const ports = {} as Record<ClusterService, number>;
  for (const s of ['auth', 'ticket', 'payment', 'stats', 'gateway'] as ClusterService[])
    ports[s] = await freePort();
  const urls = Object.fromEntries(
    Object.entries(ports).map(([s, p]) => [s, `http://127.0.0.1:${p}`]),
  ) as Record<ClusterService, string>;
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    LOG_LEVEL: options.log ? 'info' : 'warn',
    LOG_FORMAT: 'json',
    HOST: '127.0.0.1',
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    REDIS_KEY_PREFIX: `bench:${Date.now().toString(36)}:`,
    INTERNAL_TOKEN: randomBytes(24).toString('hex'),
    QUEUE_TOKEN_SECRET: randomBytes(24).toString('hex'),
    ADMIN_EMAIL: 'bench-admin@tiketi.test',
    // Production refuses a password containing the account name, so this one does not.
    ADMIN_PASSWORD: 'Flash-Sale-Operator-2026!',
    DEMO_DATA: 'false',
    // Keys, uploads and mail (no relay here: booking mail is written as files) of this run only.
    DATA_DIR: mkdtempSync(join(tmpdir(), 'tiketi-cluster-')),
    AUTH_PORT: String(ports.auth),
    TICKET_PORT: String(ports.ticket),
    PAYMENT_PORT: String(ports.payment),
    STATS_PORT: String(ports.stats),
    GATEWAY_PORT: String(ports.gateway),
    AUTH_URL: urls.auth,
    TICKET_URL: urls.ticket,
    PAYMENT_URL: urls.payment,
    STATS_URL: urls.stats,
    PUBLIC_API_URL: urls.gateway,
    ...options.env,
  };
  const children = new Map<ClusterService, ChildProcess>();

  const start = async (service: ClusterService) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY[service]], {
      env: { ...process.env, ...env },
      stdio: ['ignore', options.log ? 'inherit' : 'ignore', 'inherit'],
    });
    children.set(service, child);
    await waitReady(urls[service], service, child);
  };

  const kill = async (service: ClusterService, signal: NodeJS.Signals = 'SIGKILL') => {
    const child = children.get(service);
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
    children.delete(service);
  };

  // auth first: every other service verifies tokens against its JWKS.
  try {
    for (const s of services) await start(s);
  } catch (err) {
    for (const child of children.values()) if (child.exitCode === null) child.kill('SIGKILL');
    throw err;
  }
  return {
    urls,
    env,
    databaseUrl: options.databaseUrl,
    kill,
    start,
    async stop() {
      for (const s of [...children.keys()].reverse()) await kill(s, 'SIGTERM');
      await deleteRedisKeys(options.redisUrl, env.REDIS_KEY_PREFIX!).catch(() => undefined);
      rmSync(env.DATA_DIR!, { recursive: true, force: true });
    },
  };
}
