import { readdirSync, readFileSync } from 'node:fs';
import { execSync } from 'node:child_process';

/**
 * CPU time each part of the machine used during a window, read from /proc (Linux): every service
 * process, the PostgreSQL backends of the run's database, Redis and the load generator. A V8
 * profile cannot tell this: its samples are wall-clock, so a process waiting for a core while the
 * others run looks busy in whatever call it was preempted in (a socket write, mostly).
 */
export interface CpuShare {
  /** Per part, the share of one core it used during the window (1 = one core, all of the time). */
  parts: Array<{ part: string; cores: number }>;
  /** Everything on the machine, in cores (this machine has two). */
  total: number;
  seconds: number;
}

let ticksPerSecond: number | undefined;
function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond =
        Number(
          execSync('getconf CLK_TCK', { stdio: ['ignore', 'pipe', 'ignore'] })
            .toString()
            .trim(),
        ) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

type Snapshot = Map<string, { part: string; ticks: number }>;

function classify(cmdline: string, databaseName: string): string | null {
  const service = /(services\/\w+|apps\/\w+)\/src\/server\.ts/.exec(cmdline);
  if (service) return service[1]!.replace(/^(services|apps)\//, '');
  if (cmdline.startsWith('postgres:'))
    return cmdline.includes(` ${databaseName} `) ? 'postgresql (run database)' : 'postgresql (other)';
  if (cmdline.includes('redis-server')) return 'redis';
  if (cmdline.includes('bench/run.ts')) return 'load generator';
  if (cmdline.includes('bench/lib/abuse.child.ts')) return 'abusers';
  return null;
}

function snapshot(databaseName: string): Snapshot {
  const out: Snapshot = new Map();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const part = classify(cmdline, databaseName) ?? 'other';
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(pid, { part, ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // the process ended between listing and reading
    }
  }
  return out;
}

function shareBetween(before: Snapshot, after: Snapshot, seconds: number): CpuShare {
  const hz = clockTicksPerSecond();
  const byPart = new Map<string, number>();
  for (const [pid, { part, ticks }] of after) {
    const used = ticks - (before.get(pid)?.ticks ?? 0);
    if (used > 0) byPart.set(part, (byPart.get(part) ?? 0) + used);
  }
  const parts = [...byPart]
    .map(([part, ticks]) => ({ part, cores: ticks / hz / seconds }))
    .sort((a, b) => b.cores - a.cores);
  return { parts, total: parts.reduce((sum, p) => sum + p.cores, 0), seconds };
}

/** Starts measuring; the returned function ends the window and says who used the CPU. */
export function measureCpuShare(databaseUrl: string): () => CpuShare {
  const databaseName = new URL(databaseUrl).pathname.slice(1);
  const before = snapshot(databaseName);
  const started = Date.now();
  return () => shareBetween(before, snapshot(databaseName), (Date.now() - started) / 1000);
}

export interface SampledCpuShare {
  /** The whole window. */
  whole: CpuShare;
  /**
   * The window cut in two at `atMs` (from its start), at the nearest sample: where a moment known
   * only afterwards (a sale's last committed hold) splits it. Null when no sample lies inside it.
   */
  splitAt(atMs: number): { before: CpuShare; after: CpuShare } | null;
}

/**
 * As measureCpuShare, with a sample every `everyMs` in between (a /proc walk costs the load
 * generator 2-4 ms), so the window can be split afterwards.
 */
export function sampleCpuShare(databaseUrl: string, everyMs = 500): () => SampledCpuShare {
  const databaseName = new URL(databaseUrl).pathname.slice(1);
  const started = Date.now();
  const samples: Array<{ atMs: number; snap: Snapshot }> = [{ atMs: 0, snap: snapshot(databaseName) }];
  const timer = setInterval(
    () => samples.push({ atMs: Date.now() - started, snap: snapshot(databaseName) }),
    everyMs,
  );
  return () => {
    clearInterval(timer);
    const endMs = Date.now() - started;
    const first = samples[0]!.snap;
    const last = snapshot(databaseName);
    return {
      whole: shareBetween(first, last, endMs / 1000),
      splitAt(atMs) {
        const inside = samples.filter((s) => s.atMs > 0);
        if (inside.length === 0) return null;
        const cut = inside.reduce((best, s) =>
          Math.abs(s.atMs - atMs) < Math.abs(best.atMs - atMs) ? s : best,
        );
        return {
          before: shareBetween(first, cut.snap, cut.atMs / 1000),
          after: shareBetween(cut.snap, last, (endMs - cut.atMs) / 1000),
        };
      },
    };
  };
}

export function describeCpuShare(share: CpuShare, during = 'the sale'): string {
  return `CPU during ${during} (${share.seconds.toFixed(1)} s, ${Math.round(share.total * 100)}% of one core in all): ${share.parts
    .filter((p) => p.cores >= 0.005)
    .map((p) => `${p.part} ${Math.round(p.cores * 100)}%`)
    .join(', ')}`;
}
