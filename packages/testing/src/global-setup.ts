import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { ensurePGliteTemplate } from './database';
import { testEnv } from './env';

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
    if (testEnv.redisUrl) await deleteKeys(testEnv.redisUrl, `t:${runId}:*`);
  };
}

async function deleteKeys(url: string, pattern: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } catch {
    // Cleanup only: a Redis gone by now leaves the keys, which is all that happens.
  } finally {
    redis.disconnect();
  }
}
