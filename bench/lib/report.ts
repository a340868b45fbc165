import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

/** Percentile of a list of numbers (nearest rank). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function summarize(values: number[]): {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
} {
  // Sorted once, and no Math.max(...values): a fast ceiling run records more samples than a call has stack for.
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) =>
    sorted.length === 0
      ? NaN
      : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  return {
    count: values.length,
    p50: at(50),
    p95: at(95),
    p99: at(99),
    max: sorted.length ? sorted[sorted.length - 1]! : NaN,
  };
}

function commit(): string {
  try {
    return execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return 'unknown';
  }
}

/** Prints a table and appends it, with date, machine and commit, to bench/RESULTS.md. */
export function report(
  name: string,
  rows: Array<Record<string, string | number>>,
  notes: string[] = [],
): void {
  console.log(`\n== ${name} ==`);
  console.table(rows);
  for (const n of notes) console.log(`- ${n}`);
  const file = join(process.cwd(), 'bench', 'RESULTS.md');
  if (!existsSync(file))
    writeFileSync(file, '# Benchmark results\n\nAppended by `npm run bench -- <name>`; newest last.\n');
  const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'}), ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`;
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const fmt = (v: unknown) =>
    typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : String(v ?? '');
  const table = [
    `| ${keys.join(' | ')} |`,
    `| ${keys.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${keys.map((k) => fmt(r[k])).join(' | ')} |`),
  ];
  appendFileSync(
    file,
    `\n## ${name} — ${new Date().toISOString()} — commit ${commit()}\n\n${machine}\n\n${table.join('\n')}\n${notes.map((n) => `\n- ${n}`).join('')}\n`,
  );
}
