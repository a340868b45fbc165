import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { expect } from 'vitest';
import { realDatabaseUrl, realRedisUrl } from '@tiketi/testing';
import { createRunDatabase, freePort, startCluster, type Cluster } from '../../bench/lib/cluster';
import {
  checkInvariants,
  printInvariants,
  type InvariantOptions,
  type InvariantReport,
} from '../../bench/lib/invariants';
import { CLUSTER_ADMIN, SaleClient, until } from '../../bench/lib/sale';

/**
 * Fault tests run production mode for real: PostgreSQL, Redis, every service its own process.
 * In embedded mode they are skipped; with TIKETI_TEST_REQUIRE_REAL=1 and no servers they fail.
 */
export function realServers(): { databaseUrl: string; redisUrl: string } | null {
  const databaseUrl = realDatabaseUrl();
  const redisUrl = realRedisUrl();
  return databaseUrl && redisUrl ? { databaseUrl, redisUrl } : null;
}

export const SWEEP_INTERVAL_MS = 1_000;

export interface ChaosRun {
  cluster: Cluster;
  client: SaleClient;
  databaseUrl: string;
  adminToken: string;
  close(): Promise<void>;
}

/** A fresh database and a cluster on it (auth, ticket, payment, gateway). Cleans up after itself on failure too. */
export async function startChaos(
  label: string,
  servers: { databaseUrl: string; redisUrl: string },
  env: Record<string, string> = {},
): Promise<ChaosRun> {
  const db = await createRunDatabase(servers.databaseUrl, `chaos_${label}`);
  let cluster: Cluster | undefined;
  const close = async () => {
    await cluster?.stop().catch(() => undefined);
    await db.drop().catch(() => undefined);
  };
  try {
    cluster = await startCluster({
      databaseUrl: db.url,
      redisUrl: servers.redisUrl,
      services: ['auth', 'ticket', 'payment', 'gateway'],
      env: {
        LOG_LEVEL: 'error',
        ADMIN_EMAIL: CLUSTER_ADMIN.email,
        ADMIN_PASSWORD: CLUSTER_ADMIN.password,
        REDIS_KEY_PREFIX: `chaos:${label}:${Date.now().toString(36)}:`,
        RATE_LIMIT_IP_PER_MINUTE: '1000000',
        RATE_LIMIT_USER_PER_MINUTE: '1000000',
        RATE_LIMIT_IP_PER_SECOND: '1000000',
        RATE_LIMIT_USER_PER_SECOND: '1000000',
        PAYMENT_SANDBOX_ENABLED: 'true',
        PAYMENT_RECONCILE_INTERVAL_MS: '500',
        PAYMENT_STUCK_PENDING_MS: '2000',
        SHUTDOWN_TIMEOUT_MS: '2000',
        DATABASE_POOL_MAX: '8',
        ...env,
      },
    });
    const client = new SaleClient(cluster.urls.gateway);
    const adminToken = await client.adminToken();
    return { cluster, client, databaseUrl: db.url, adminToken, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Waits until every invariant holds (faults leave work for reconcilers and sweepers), prints the report, asserts it. */
export async function expectInvariants(
  title: string,
  databaseUrl: string,
  options: InvariantOptions = {},
  timeoutMs = 30_000,
): Promise<InvariantReport> {
  let last: InvariantReport | undefined;
  try {
    await until(
      async () => {
        last = await checkInvariants(databaseUrl, { sweepIntervalMs: SWEEP_INTERVAL_MS, ...options });
        if (!last.ok) throw new Error(last.violations.join('; '));
      },
      timeoutMs,
      500,
    );
  } catch {
    // reported below with the figures
  }
  printInvariants(title, last!);
  expect(last!.violations).toEqual([]);
  return last!;
}

/** A private Redis for the test that stops it: the machine's shared Redis is never touched. */
export class OwnRedis {
  private child: ChildProcess | null = null;
  constructor(readonly port: number) {}

  static async start(): Promise<OwnRedis> {
    const redis = new OwnRedis(await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    this.child = child;
    await until(
      async () => {
        if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
        const ping = spawnSync('redis-cli', ['-p', String(this.port), 'ping'], { encoding: 'utf8' });
        if (ping.stdout.trim() !== 'PONG') throw new Error('redis not answering yet');
      },
      10_000,
      100,
    );
  }

  /** SIGKILL: the data set is gone, as after a crash without persistence. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
    this.child = null;
  }

  cli(...args: string[]): string {
    return spawnSync('redis-cli', ['-p', String(this.port), ...args], { encoding: 'utf8' }).stdout.trim();
  }
}

export { until };

/**
 * Outbox events of `types` written by `producer` that `consumer` (a group in `consumerSchema`) has
 * not applied yet: "delivered" means consumed, not only published. With `publishedAfter`, only
 * events still unpublished or published after that moment count (a Redis that lost its data also
 * lost the stream entries published before it died).
 */
export async function undeliveredEvents(
  databaseUrl: string,
  producer: string,
  types: string[],
  consumerSchema: string,
  consumer: string,
  publishedAfter?: Date,
): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const rows = await client.query<{
      id: string;
      type: string;
      created_at: Date;
      published_at: Date | null;
    }>(
      `select o.id, o.type, o.created_at, o.published_at from ${client.escapeIdentifier(producer)}.outbox o
       where o.type = any($1) and ($3::timestamptz is null or o.published_at is null or o.published_at > $3)
         and not exists (select 1 from ${client.escapeIdentifier(consumerSchema)}.processed_events p where p.consumer = $2 and p.event_id = o.id)`,
      [types, consumer, publishedAfter ?? null],
    );
    return rows.rows.map(
      (r) =>
        `${r.type} ${r.id} created ${r.created_at.toISOString()} published ${r.published_at?.toISOString() ?? 'never'}`,
    );
  } finally {
    await client.end();
  }
}
