import type { Coordination } from './coordination';
import { MemoryCoordination } from './memory-coordination';
import { RedisCoordination } from './redis-coordination';

export * from './coordination';
export { MemoryCoordination } from './memory-coordination';
export { RedisCoordination, redisOptions } from './redis-coordination';

export async function createCoordination(options: { redisUrl?: string; keyPrefix?: string }): Promise<Coordination> {
  if (options.redisUrl) return RedisCoordination.connect(options.redisUrl, { keyPrefix: options.keyPrefix });
  return new MemoryCoordination();
}
