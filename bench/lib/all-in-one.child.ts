import { existsSync } from 'node:fs';
import { prepareEmbeddedDatabase, startPlatform } from '@tiketi/all-in-one';

/**
 * Child process for bench/lib/memory.ts: `npm start`'s all-in-one platform (embedded PGlite,
 * in-process coordination, demo data) on free ports and a throwaway data directory. Once up and
 * settled it sends its resident memory to the parent and waits to be stopped.
 */
const dataDir = process.argv[2]!;
const settleMs = Number(process.argv[3] ?? 5_000);
const env: Record<string, string | undefined> = {
  ...process.env,
  LOG_LEVEL: 'warn',
  DATA_DIR: dataDir,
  PGLITE_DIR: `${dataDir}/pglite`,
};
delete env.DATABASE_URL;
delete env.REDIS_URL;
delete env.NODE_ENV;
if (!existsSync('apps/web/dist/index.html')) env.SERVICES = 'auth,ticket,payment,stats,gateway';
// As `npm start` does: a first start prepares the database in a short-lived child.
await prepareEmbeddedDatabase(env);
const platform = await startPlatform({ env, ephemeralPorts: true });
await new Promise((r) => setTimeout(r, settleMs));
const res = await fetch(`${platform.urls.gateway}/api/events`);
await res.text();
await new Promise((r) => setTimeout(r, 1_000));
process.send?.({ rss: process.memoryUsage().rss, parts: Object.keys(platform.urls).join(',') });
process.on('message', () => {
  void platform.stop().finally(() => process.exit(0));
});
