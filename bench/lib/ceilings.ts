import { execFile, fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import pg from 'pg';
import { drive, HttpClient, round } from './load';
import { freePort } from './cluster';
import { summarize } from './report';

/**
 * The ceilings a benchmark is judged against, measured in the same run because absolute figures
 * drift on a shared machine: the gateway proxying a trivial route, and PostgreSQL committing
 * single-row updates.
 */
export interface Ceilings {
  gatewayRps: number;
  gatewayP95: number;
  /** The same route straight to its service, and through a bare proxy (bench/lib/bare-proxy.mjs): what one hop costs here. */
  directRps?: number;
  bareProxyRps?: number;
  pgCommits: number;
  pgTool: string;
}

/** GET /api/payments/methods through the gateway: JWT-less, no database, a small JSON answer. */
export async function gatewayCeiling(
  gatewayUrl: string,
  opts: { seconds: number; connections: number },
): Promise<{ rps: number; p95: number }> {
  return routeCeiling(gatewayUrl, opts);
}

/** The trivial route through a 30-line undici proxy in its own process, in front of `upstreamUrl`. */
export async function bareProxyCeiling(
  upstreamUrl: string,
  opts: { seconds: number; connections: number },
): Promise<{ rps: number; p95: number }> {
  const port = await freePort();
  const child = fork('bench/lib/bare-proxy.mjs', [upstreamUrl, String(port)], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`bare proxy exited with ${code}`)));
    });
    return await routeCeiling(`http://127.0.0.1:${port}`, opts);
  } finally {
    child.kill('SIGTERM');
  }
}

async function routeCeiling(
  baseUrl: string,
  opts: { seconds: number; connections: number },
): Promise<{ rps: number; p95: number }> {
  const client = new HttpClient(baseUrl, opts.connections);
  const latencies: number[] = [];
  let failed = 0;
  try {
    // One untimed second first: connections open and the route's code is optimised before the clock starts.
    await drive({ workers: opts.connections, seconds: 1 }, async () => {
      await client.request('GET', '/api/payments/methods', { raw: true });
    });
    const run = await drive({ workers: opts.connections, seconds: opts.seconds }, async () => {
      const res = await client.request('GET', '/api/payments/methods', { raw: true });
      if (res.status !== 200) failed++;
      else latencies.push(res.ms);
    });
    if (failed > latencies.length / 100) throw new Error(`gateway ceiling: ${failed} failed requests`);
    return { rps: latencies.length / (run.elapsedMs / 1000), p95: summarize(latencies).p95 };
  } finally {
    client.close();
  }
}

const exec = promisify(execFile);

/**
 * Single-row UPDATE commits per second on the run's database: pgbench with a custom script when it
 * is installed, else the same loop over `clients` pg connections.
 */
export async function postgresCeiling(
  databaseUrl: string,
  opts: { seconds: number; clients: number },
): Promise<{ commits: number; tool: string }> {
  const setup = new pg.Client({ connectionString: databaseUrl });
  await setup.connect();
  const rows = 10_000;
  try {
    await setup.query(
      'create table if not exists public.bench_ceiling (id int primary key, n bigint not null default 0)',
    );
    await setup.query(
      'insert into public.bench_ceiling (id) select g from generate_series(1, $1) g on conflict do nothing',
      [rows],
    );
  } finally {
    await setup.end();
  }
  const dir = mkdtempSync(join(tmpdir(), 'tiketi-pgbench-'));
  try {
    const script = join(dir, 'update.sql');
    writeFileSync(
      script,
      `\\set id random(1, ${rows})\nupdate public.bench_ceiling set n = n + 1 where id = :id;\n`,
    );
    const { stdout } = await exec(
      'pgbench',
      ['-n', '-f', script, '-c', String(opts.clients), '-j', '2', '-T', String(opts.seconds), databaseUrl],
      {
        timeout: (opts.seconds + 30) * 1000,
      },
    );
    const tps = /tps = ([\d.]+)/.exec(stdout);
    if (tps) return { commits: Number(tps[1]), tool: `pgbench -c ${opts.clients}` };
  } catch {
    // pgbench missing or failed: measure with pg below
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const pool = new pg.Pool({ connectionString: databaseUrl, max: opts.clients });
  try {
    const run = await drive({ workers: opts.clients, seconds: opts.seconds }, async () => {
      await pool.query('update public.bench_ceiling set n = n + 1 where id = $1', [
        1 + Math.floor(Math.random() * rows),
      ]);
    });
    return { commits: run.operations / (run.elapsedMs / 1000), tool: `pg x${opts.clients}` };
  } finally {
    await pool.end();
  }
}

export async function measureCeilings(
  gatewayUrl: string,
  databaseUrl: string,
  opts: { seconds: number; connections: number; upstreamUrl?: string },
): Promise<Ceilings> {
  const t0 = performance.now();
  const gw = await gatewayCeiling(gatewayUrl, opts);
  const direct = opts.upstreamUrl ? await routeCeiling(opts.upstreamUrl, opts) : undefined;
  const bare = opts.upstreamUrl ? await bareProxyCeiling(opts.upstreamUrl, opts) : undefined;
  const db = await postgresCeiling(databaseUrl, {
    seconds: opts.seconds,
    clients: Math.min(32, opts.connections),
  });
  console.log(
    `ceilings measured in ${round((performance.now() - t0) / 1000)} s: gateway ${Math.round(gw.rps)} req/s` +
      (direct && bare
        ? ` (service direct ${Math.round(direct.rps)}, bare proxy ${Math.round(bare.rps)})`
        : '') +
      `, PostgreSQL ${Math.round(db.commits)} commits/s`,
  );
  return {
    gatewayRps: gw.rps,
    gatewayP95: gw.p95,
    directRps: direct?.rps,
    bareProxyRps: bare?.rps,
    pgCommits: db.commits,
    pgTool: db.tool,
  };
}

/** Table rows for the ceilings, so every benchmark prints them beside its own figures. */
export function ceilingRows(c: Ceilings, connections: number): Array<Record<string, string | number>> {
  return [
    {
      measure: `ceiling: gateway trivial route (GET /api/payments/methods, ${connections} conns)`,
      value: Math.round(c.gatewayRps),
      unit: 'req/s',
      'p95 ms': round(c.gatewayP95, 2),
      ratio: '-',
    },
    ...(c.directRps !== undefined && c.bareProxyRps !== undefined
      ? [
          {
            measure: 'ceiling: same route straight to the payment service (no hop)',
            value: Math.round(c.directRps),
            unit: 'req/s',
            'p95 ms': '-',
            ratio: '-',
          },
          {
            measure: 'ceiling: same route through a bare undici proxy (one hop, no gateway logic)',
            value: Math.round(c.bareProxyRps),
            unit: 'req/s',
            'p95 ms': '-',
            ratio: '-',
          },
        ]
      : []),
    {
      measure: `ceiling: PostgreSQL single-row update commits (${c.pgTool})`,
      value: Math.round(c.pgCommits),
      unit: 'commits/s',
      'p95 ms': '-',
      ratio: '-',
    },
  ];
}
