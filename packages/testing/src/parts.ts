import {
  MemoryBus,
  MemoryCoordination,
  RedisCoordination,
  RedisStreamBus,
  type Coordination,
  type EventBus,
} from '@tiketi/platform';
import { testEnv, testRedisPrefix } from './env';

/** Coordination for a test: real Redis under a unique key prefix when configured, else in-process. */
export async function createTestCoordination(): Promise<Coordination> {
  if (testEnv.redisUrl) return RedisCoordination.connect(testEnv.redisUrl, { keyPrefix: testRedisPrefix() });
  return new MemoryCoordination();
}

/** A bus for a test: its own Redis stream when configured, else in-process. */
export async function createTestBus(): Promise<EventBus> {
  if (testEnv.redisUrl)
    return RedisStreamBus.connect(testEnv.redisUrl, { stream: `${testRedisPrefix()}events` });
  return new MemoryBus();
}
