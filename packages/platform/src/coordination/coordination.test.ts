import { MemoryCoordination, RedisCoordination } from '@tiketi/platform';
import { coordinationContract, realRedisUrl, testRedisPrefix } from '@tiketi/testing';
import { describe, it } from 'vitest';

coordinationContract('in-process', async () => new MemoryCoordination());

const redisUrl = realRedisUrl();
if (redisUrl) {
  coordinationContract('redis', () => RedisCoordination.connect(redisUrl, { keyPrefix: testRedisPrefix() }));
} else {
  describe('coordination contract: redis', () => {
    it.skip('needs TIKETI_TEST_REDIS_URL', () => undefined);
  });
}
