import { randomBytes } from 'node:crypto';
import { ensurePGliteTemplate } from './database';
import { testEnv } from './env';
import { deleteRedisKeys } from './redis-keys';

/**
 * Builds the PGlite template once before the workers start, so they do not race to create it,
 * and names this run: the workers (started after) put the name in every Redis key they make, and
 * the teardown deletes those keys, so runs do not pile streams and seat keys up in Redis.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const runId = `r${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  process.env.TIKETI_TEST_RUN_ID = runId;
  if (!testEnv.databaseUrl) await ensurePGliteTemplate();
  return async () => {
    // Cleanup only: a Redis gone by now leaves the keys, which is all that happens.
    if (testEnv.redisUrl) await deleteRedisKeys(testEnv.redisUrl, `t:${runId}:`).catch(() => undefined);
  };
}
