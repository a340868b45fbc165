import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCoordination } from '@tiketi/testing';
import type { Coordination } from '@tiketi/platform';
import { coordinationRateLimitStore, hit } from './rate-limit.store';

describe('rate-limit store on coordination', () => {
  let coordination: Coordination;
  beforeAll(async () => {
    coordination = await createTestCoordination();
  });
  afterAll(async () => {
    await coordination.close();
  });

  it('counts hits in a window shared by everyone using the same coordination', async () => {
    const Store = coordinationRateLimitStore(coordination);
    const a = new Store();
    const b = new Store();
    const incr = (store: InstanceType<typeof Store>) =>
      new Promise<{ current: number; ttl: number }>((resolve, reject) =>
        store.incr('ip:1.2.3.4', (err, res) => (err ? reject(err) : resolve(res!)), 60_000, 2),
      );
    expect((await incr(a)).current).toBe(1);
    expect((await incr(b)).current).toBe(2);
    const third = await incr(a);
    expect(third.current).toBe(3);
    expect(third.ttl).toBeGreaterThan(50_000);
    expect(third.ttl).toBeLessThanOrEqual(60_000);
  });

  it('starts a new window when the old one has expired', async () => {
    const key = 'gateway:rate:test-window';
    expect((await hit(coordination, key, 150, 1)).current).toBe(1);
    expect((await hit(coordination, key, 150, 1)).current).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await hit(coordination, key, 150, 1)).current).toBe(1);
  });
});
