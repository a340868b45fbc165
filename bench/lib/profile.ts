import { execSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Reads the V8 CPU profiles a `--cpu-prof` run left in `dir` and summarises each: the functions
 * with the most self time (where the CPU went), so a results note can name what limits a figure.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export function summarizeProfiles(dir: string, top = 12): string[] {
  // Nothing is written when the run failed before its window closed: say so, do not hide that failure.
  if (!existsSync(dir)) return [`no CPU profiles in ${dir}`];
  const lines: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
      nodes: ProfileNode[];
      samples: number[];
      startTime: number;
      endTime: number;
    };
    const hits = new Map<number, number>();
    for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
    const total = profile.samples.length || 1;
    const byFunction = new Map<string, number>();
    const byModule = new Map<string, number>();
    let idle = 0;
    for (const node of profile.nodes) {
      const n = hits.get(node.id) ?? 0;
      if (!n) continue;
      const { functionName, url, lineNumber } = node.callFrame;
      if (functionName === '(idle)') {
        idle += n;
        continue;
      }
      const where = url
        ? `${url.startsWith('file://') ? relative(process.cwd(), new URL(url).pathname) : url}:${lineNumber + 1}`
        : '';
      const key = `${functionName || '(anonymous)'} ${where}`.trim();
      byFunction.set(key, (byFunction.get(key) ?? 0) + n);
      const module = moduleOf(url);
      byModule.set(module, (byModule.get(module) ?? 0) + n);
    }
    const seconds = (profile.endTime - profile.startTime) / 1e6;
    const service = processNames.get(Number(file.split('.')[2])) ?? 'process';
    lines.push(
      `${service} (${file}): ${Math.round(seconds)} s, not idle in ${Math.round((1 - idle / total) * 100)}% of wall-clock samples (waiting for a core counts; the CPU share line says what it used); top self time:`,
    );
    for (const [key, n] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top))
      lines.push(`  ${((n / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
    lines.push(
      `  by module: ${[...byModule]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 10)
        .map(([m, n]) => `${m} ${((n / total) * 100).toFixed(1)}%`)
        .join(', ')}`,
    );
  }
  return lines;
}

const processNames = new Map<number, string>();

/** Where a frame's code lives: an npm package, a source folder of ours, node's internals, or native. */
function moduleOf(url: string): string {
  if (!url) return '(native/gc)';
  if (url.startsWith('node:')) return 'node';
  const path = url.startsWith('file://') ? relative(process.cwd(), new URL(url).pathname) : url;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (pkg) return pkg[1]!;
  return path
    .split('/')
    .slice(0, 4)
    .join('/')
    .replace(/\/[^/]*\.ts$/, '');
}

/** Toggles the CPU profile (bench/lib/cpu-prof.preload.cjs) of every process this process started. */
export function toggleChildProfiles(): number {
  const children = execSync(`ps -o pid=,args= --ppid ${process.pid}`)
    .toString()
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null);
  let signalled = 0;
  for (const [, pidText, command] of children) {
    const pid = Number(pidText);
    const entry = /(services\/\w+|apps\/\w+)\/src\/server\.ts/.exec(command!);
    // Only service processes load the profiler; SIGUSR2 would end any other node process.
    if (!entry) continue;
    processNames.set(pid, entry[1]!);
    try {
      process.kill(pid, 'SIGUSR2');
      signalled++;
    } catch {
      // already gone
    }
  }
  return signalled;
}
