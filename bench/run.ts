import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm run bench -- <name> [args]` runs bench/<name>.bench.ts; with no name it lists them.
 * Each benchmark prints its own table and appends to bench/RESULTS.md (bench/lib/report.ts).
 */
const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
  .sort();
const [name, ...args] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  console.log(`usage: npm run bench -- <name> [args]\navailable: ${available.join(', ') || '(none)'}`);
  process.exit(name ? 1 : 0);
}
const mod = (await import(join(here, `${name}.bench.ts`))) as { default: (args: string[]) => Promise<void> };
await mod.default(args);
process.exit(0);
