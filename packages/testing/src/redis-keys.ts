import { Redis } from 'ioredis';

/**
 * Deletes every key that starts with `prefix` from the Redis at `url` (SCAN, then UNLINK in
 * batches). Test runs and benchmark clusters clean up after themselves with it, so their streams
 * and week-long seat keys do not pile up in the machine's Redis.
 */
export async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
