import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './cluster';

/**
 * One metric of a service process at `<url>/metrics`: the first series whose labels contain
 * `label` (e.g. `outcome="answered"`), if given. `absent` is the value of a series not there
 * (a labelled counter appears only once counted); without it, a missing series is an error.
 */
export async function serviceMetric(
  url: string,
  name: string,
  options: { label?: string; absent?: number } = {},
): Promise<number> {
  const res = await fetch(`${url}/metrics`);
  const text = await res.text();
  const labels = options.label ? `\\{[^}]*${options.label}[^}]*\\}` : '(?:\\{[^}]*\\})?';
  const line = new RegExp(`^${name}${labels} ([\\d.e+]+)$`, 'm').exec(text);
  if (line) return Number(line[1]);
  if (options.absent !== undefined) return options.absent;
  throw new Error(`${url}/metrics has no ${name}${options.label ? ` with ${options.label}` : ''}`);
}

/** Resident memory of one service process. */
export const serviceRss = (url: string) => serviceMetric(url, 'process_resident_memory_bytes');
/** Live JavaScript heap of one service process. */
export const serviceHeapUsed = (url: string) => serviceMetric(url, 'nodejs_heap_size_used_bytes');

export const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

/** Idle resident memory of each service process of a running cluster. */
export async function clusterIdleRss(urls: Record<string, string>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [service, url] of Object.entries(urls)) {
    try {
      out[service] = await serviceRss(url);
    } catch {
      // a service this run does not start
    }
  }
  return out;
}

/**
 * Starts the all-in-one process (`npm start`'s embedded mode, demo data included) in a child on a
 * throwaway data directory, lets it settle and reads its resident memory; then stops it and starts
 * it again on the same directory. The first start runs initdb, every migration and the demo seed
 * in a short-lived child first, as `npm start` does (apps/all-in-one/src/first-start.ts), because
 * the WebAssembly memory PGlite grows for them is never given back; the restart is the platform as
 * it idles on every later `npm start`.
 */
export async function allInOneIdleRss(
  settleMs = 5_000,
): Promise<{ firstStart: number; restart: number; parts: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'tiketi-aio-'));
  try {
    const first = await startAndRead(dir, settleMs);
    const again = await startAndRead(dir, settleMs);
    return { firstStart: first.rss, restart: again.rss, parts: first.parts };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function startAndRead(dir: string, settleMs: number): Promise<{ rss: number; parts: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/lib/all-in-one.child.ts', dir, String(settleMs)],
    {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    },
  );
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('all-in-one did not start within 150 s')), 150_000);
      child.once('message', (m: { rss: number; parts: string }) => {
        clearTimeout(timer);
        resolve(m);
      });
      child.once('exit', (code) => reject(new Error(`all-in-one exited with ${code}`)));
    });
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.send('stop');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }
}

/**
 * Idle resident memory of each service as its container runs it: bundled by deploy/docker/build.mjs
 * into one server.mjs and started with plain `node` (no tsx compiling TypeScript in the process),
 * as an extra replica beside a running cluster (same database and Redis, its own port).
 */
export async function bundledIdleRss(
  clusterEnv: Record<string, string>,
  services: string[],
  settleMs = 3_000,
): Promise<Record<string, number>> {
  const { bundle } = await import('../../deploy/docker/build.mjs');
  const outRoot = resolve('.data', `bench-dist-${Date.now().toString(36)}`);
  const out: Record<string, number> = {};
  try {
    for (const service of services) {
      const { outDir } = await bundle(service, join(outRoot, service));
      const port = await freePort();
      const child = spawn(process.execPath, [join(outDir, 'server.mjs')], {
        env: { ...process.env, ...clusterEnv, [`${service.toUpperCase()}_PORT`]: String(port) },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      const url = `http://127.0.0.1:${port}`;
      try {
        const deadline = Date.now() + 60_000;
        while (
          !(await fetch(`${url}/ready`).then(
            (r) => r.ok,
            () => false,
          ))
        ) {
          if (Date.now() > deadline || child.exitCode !== null)
            throw new Error(`bundled ${service} not ready`);
          await new Promise((r) => setTimeout(r, 200));
        }
        await new Promise((r) => setTimeout(r, settleMs));
        out[service] = await serviceRss(url);
      } finally {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        if (child.exitCode === null) child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    }
  } finally {
    rmSync(outRoot, { recursive: true, force: true });
  }
  return out;
}
