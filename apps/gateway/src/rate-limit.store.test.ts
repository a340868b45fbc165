import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCoordination } from '@tiketi/testing';
import type { Coordination } from '@tiketi/platform';
import { coordinationRateLimitStore, hit } from './rate-limit.store';
import { WindowLimiter } from './window.limiter';

describe('rate-limit store on coordination', () => {
  let coordination: Coordination;
  beforeAll(async () => {
    coordination = await createTestCoordination();
  });
  afterAll(async () => {
    await coordination.close();
  });

  it('counts hits in a window shared by everyone using the same coordination', async () => {
    const Store = coordinationRateLimitStore(new WindowLimiter(coordination));
    const Other = coordinationRateLimitStore(new WindowLimiter(coordination));
    const a = new Store();
    const b = new Other();
    const key = `ip:1.2.3.${process.pid % 250}-${Date.now().toString(36)}`;
    const incr = (store: { incr: InstanceType<typeof Store>['incr'] }) =>
      new Promise<{ current: number; ttl: number }>((resolve, reject) =>
        store.incr(key, (err, res) => (err ? reject(err) : resolve(res!)), 60_000, 1),
      );
    // A limit of 1: every hit is past half of it, so each one is counted in coordination at once.
    expect((await incr(a)).current).toBe(1);
    expect((await incr(b)).current).toBe(2);
    const third = await incr(a);
    expect(third.current).toBe(3);
    expect(third.ttl).toBeGreaterThan(50_000);
    expect(third.ttl).toBeLessThanOrEqual(60_000);
  });

  it('starts a new window when the old one has expired', async () => {
    const limiter = new WindowLimiter(coordination);
    const key = `gateway:rate:test-window-${Date.now().toString(36)}`;
    // Wide enough that a busy machine does not end the window between the first two hits.
    expect((await hit(limiter, key, 500, 1)).current).toBe(1);
    expect((await hit(limiter, key, 500, 1)).current).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 650));
    expect((await hit(limiter, key, 500, 1)).current).toBe(1);
  });
});
