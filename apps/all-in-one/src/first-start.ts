import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVICE_ORDER } from './platform';

const CHILD = fileURLToPath(new URL('./first-start.child.ts', import.meta.url));
/** Parts with no schema of their own: nothing to prepare for them. */
const WITHOUT_DATA = new Set(['gateway', 'web']);

/** True when this start would open an embedded PGlite directory that holds no database yet. */
export function embeddedDatabaseMissing(env: Record<string, string | undefined>): boolean {
  if (env.DATABASE_URL) return false;
  const dir = env.PGLITE_DIR ?? '.data/pglite';
  if (dir.startsWith('memory://')) return false;
  return !existsSync(join(dir, 'PG_VERSION'));
}

/**
 * On the very first embedded start, runs initdb, every migration and the demo seed in a
 * short-lived child process, then returns so the caller starts on the prepared directory.
 * PGlite's WebAssembly heap only grows: the hundreds of megabytes that initdb and seeding
 * twelve seat maps take would otherwise stay with the platform for as long as it runs
 * (about 500 MiB idle instead of about 325 MiB). On a prepared directory this does nothing.
 */
export async function prepareEmbeddedDatabase(env: Record<string, string | undefined>): Promise<boolean> {
  if (!embeddedDatabaseMissing(env)) return false;
  // The child is TypeScript, as `npm start` runs it; under a runner that loads TypeScript its own
  // way (Vitest) the flags this process has do not load it, so tsx is asked for.
  const execArgv = process.execArgv.some((flag) => flag.includes('tsx'))
    ? process.execArgv
    : [...process.execArgv, '--import', 'tsx'];
  // Unknown names go through, so the child refuses them as the platform itself would.
  const services = (env.SERVICES ?? SERVICE_ORDER.join(','))
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name && !WITHOUT_DATA.has(name));
  if (services.length === 0) return false;
  const child = fork(CHILD, [], {
    env: { ...env, SERVICES: services.join(',') } as NodeJS.ProcessEnv,
    execArgv,
    stdio: 'inherit',
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (exitCode, signal) => resolve(signal ? 128 : exitCode));
  });
  if (code !== 0) throw new Error(`preparing the embedded database failed (exit code ${code})`);
  return true;
}
