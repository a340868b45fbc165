import {
  keepLease,
  MemoryCoordination,
  RedisCoordination,
  runWithRequestContext,
  timedCoordination,
  tryAcquireLease,
  type RequestContext,
} from '@tiketi/platform';
import { coordinationContract, realRedisUrl, testRedisPrefix } from '@tiketi/testing';
import { setTimeout as sleep } from 'node:timers/promises';
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
  describe('redis subscriptions across a dropped connection', () => {
    it('says the subscription is down at once, and up again only once it is back in place', async () => {
      const c = await RedisCoordination.connect(redisUrl, { keyPrefix: testRedisPrefix() });
      try {
        const states: boolean[] = [];
        const got: string[] = [];
        await c.subscribe('drop', (m) => got.push(m), { onLive: (live) => states.push(live) });
        expect(states).toEqual([true]);
        // The network drops the subscriber's connection; ioredis reconnects and re-subscribes.
        (c as unknown as { subscriber: { stream: { destroy(): void } } }).subscriber.stream.destroy();
        for (let i = 0; i < 200 && states.length < 3; i++) await sleep(10);
        expect(states).toEqual([true, false, true]);
        // Told "up" only once the re-subscription is in place: a publish now arrives.
        await c.publish('drop', 'after');
        for (let i = 0; i < 100 && got.length < 1; i++) await sleep(10);
        expect(got).toEqual(['after']);
      } finally {
        await c.close();
      }
    });
  });
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

describe('a kept lease', () => {
  it("stays its holder's past its time while kept, and lapses once let go", async () => {
    const c = new MemoryCoordination();
    expect(await tryAcquireLease(c, 'work', 'a', 150)).toBe(true);
    const stop = keepLease(c, 'work', 'a', 150);
    try {
      await sleep(400);
      expect(await tryAcquireLease(c, 'work', 'b', 150)).toBe(false);
    } finally {
      stop();
    }
    await sleep(250);
    expect(await tryAcquireLease(c, 'work', 'b', 150)).toBe(true);
    await c.close();
  });
});
