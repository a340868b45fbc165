import type { Logger } from 'pino';
import type { EventBus } from './bus';
import { MemoryBus } from './memory-bus';
import { RedisStreamBus } from './redis-stream-bus';

export * from './bus';
export * from './outbox';
export * from './outbox.prune';
export { MemoryBus } from './memory-bus';
export { RedisStreamBus } from './redis-stream-bus';

export async function createBus(options: {
  redisUrl?: string;
  log?: Logger;
  stream?: string;
}): Promise<EventBus> {
  if (options.redisUrl)
    return RedisStreamBus.connect(options.redisUrl, { log: options.log, stream: options.stream });
  return new MemoryBus(options.log);
}
