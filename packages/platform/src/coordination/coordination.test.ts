import {
  MemoryCoordination,
  RedisCoordination,
  runWithRequestContext,
  timedCoordination,
  type RequestContext,
} from '@tiketi/platform';
import { coordinationContract, realRedisUrl, testRedisPrefix } from '@tiketi/testing';
import { describe, expect, it } from 'vitest';

coordinationContract('in-process', async () => new MemoryCoordination());
// The wrapper that times each call for the request's metrics must keep every behaviour.
coordinationContract('in-process, timed', async () => timedCoordination(new MemoryCoordination()));

const redisUrl = realRedisUrl();
if (redisUrl) {
  coordinationContract('redis', () => RedisCoordination.connect(redisUrl, { keyPrefix: testRedisPrefix() }));
  coordinationContract('redis, timed', async () =>
    timedCoordination(await RedisCoordination.connect(redisUrl, { keyPrefix: testRedisPrefix() })),
  );
} else {
  describe('coordination contract: redis', () => {
    it.skip('needs TIKETI_TEST_REDIS_URL', () => undefined);
  });
}

describe('timed coordination', () => {
  it("counts each call's time to the request that made it, and nothing outside a request", async () => {
    const slow = new MemoryCoordination();
    const get = slow.get.bind(slow);
    slow.get = async (key) => {
      await new Promise((r) => setTimeout(r, 60));
      return get(key);
    };
    const coordination = timedCoordination(slow);
    expect(coordination.kind).toBe('memory');
    expect(coordination).toBeInstanceOf(MemoryCoordination);
    const context: RequestContext = { requestId: 'req_coord' };
    await runWithRequestContext(context, async () => {
      await coordination.set('k', 'v');
      expect(await coordination.get('k')).toBe('v');
      await coordination.get('k');
    });
    expect(context.spent!.coordination).toBeGreaterThanOrEqual(115);
    expect(context.spent!.coordination).toBeLessThan(1_000);
    expect(await coordination.get('k')).toBe('v');
    await coordination.close();
  });
});
