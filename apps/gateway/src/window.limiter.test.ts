import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCoordination } from '@tiketi/testing';
import type { Coordination } from '@tiketi/platform';
import { WindowLimiter, type WindowCount } from './window.limiter';

/** Two gateway replicas' limiters on one coordination (Redis with TIKETI_TEST_REDIS_URL). */
describe('WindowLimiter', () => {
  let coordination: Coordination;
  let n = 0;
  const key = () => `gateway:rate:test:${process.pid}:${Date.now().toString(36)}:${n++}`;
  beforeAll(async () => {
    coordination = await createTestCoordination();
  });
  afterAll(async () => {
    await coordination.close();
  });
  const replicas = (syncMs = 60_000) =>
    [new WindowLimiter(coordination, { syncMs }), new WindowLimiter(coordination, { syncMs })] as const;

  it('counts hits well under the limit without a round trip, and shares them at the next sync', async () => {
    const [a, b] = replicas();
    const k = key();
    const first = a.hit(k, 60_000, 100);
    expect(first).not.toBeInstanceOf(Promise);
    expect((first as WindowCount).count).toBe(1);
    for (let i = 0; i < 9; i++) a.hit(k, 60_000, 100);
    for (let i = 0; i < 5; i++) b.hit(k, 60_000, 100);
    expect(await coordination.get(k)).toBeNull();
    await Promise.all([a.sync(), b.sync()]);
    expect(await coordination.get(k)).toBe('15');
    // What B sent reached A at its next sync (with its own hits since).
    a.hit(k, 60_000, 100);
    await a.sync();
    expect((a.hit(k, 60_000, 100) as WindowCount).count).toBe(17);
  });

  it('past half the limit every hit asks coordination, so the hits that decide the limit are counted exactly', async () => {
    const [a, b] = replicas();
    const k = key();
    const counts: number[] = [];
    // Twenty hits, alternating replicas, with a sync now and then as time passes.
    for (let i = 0; i < 20; i++) {
      const r = i % 2 === 0 ? a : b;
      counts.push((await r.hit(k, 60_000, 20)).count);
      if (i % 6 === 5) await Promise.all([a.sync(), b.sync()]);
    }
    expect(Math.max(...counts)).toBeLessThanOrEqual(20);
    await Promise.all([a.sync(), b.sync()]);
    const overA = a.hit(k, 60_000, 20);
    const overB = b.hit(k, 60_000, 20);
    expect(overA).toBeInstanceOf(Promise);
    expect((await overA).count).toBeGreaterThan(20);
    expect((await overB).count).toBeGreaterThan(20);
    expect(Number(await coordination.get(k))).toBe(22);
  });

  it('between syncs the shared count passes the limit by at most what other replicas counted under half of it', async () => {
    const [a, b] = replicas();
    const k = key();
    const admitted = async (r: WindowLimiter) => ((await r.hit(k, 60_000, 20)).count <= 20 ? 1 : 0);
    let total = 0;
    // No sync at all: B's local hits stay unknown to A.
    for (let i = 0; i < 30; i++) total += await admitted(b);
    for (let i = 0; i < 30; i++) total += await admitted(a);
    expect(total).toBeGreaterThanOrEqual(20);
    expect(total).toBeLessThanOrEqual(20 + 10);
  });

  it('a new window starts with a fresh count once the old one has ended', async () => {
    let now = 1_000_000;
    const limiter = new WindowLimiter(coordination, { syncMs: 60_000, now: () => now });
    const k = key();
    for (let i = 0; i < 3; i++) await limiter.hit(k, 200, 4);
    expect((await limiter.hit(k, 200, 4)).count).toBe(4);
    expect((await limiter.hit(k, 200, 4)).count).toBe(5);
    now += 10_000;
    await new Promise((r) => setTimeout(r, 250)); // coordination's own TTL for the key
    expect((await limiter.hit(k, 200, 4)).count).toBe(1);
  });

  it('shares every key of a pass in one round trip per thousand keys', async () => {
    const calls: number[] = [];
    const counting = new Proxy(coordination, {
      get(target, property, receiver) {
        if (property === 'hitWindows')
          return (counters: Parameters<Coordination['hitWindows']>[0]) => {
            calls.push(counters.length);
            return target.hitWindows(counters);
          };
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
    const limiter = new WindowLimiter(counting, { syncMs: 60_000 });
    const keys = Array.from({ length: 2_500 }, () => key());
    for (const k of keys) limiter.hit(k, 60_000, 100);
    limiter.hit(keys[0]!, 60_000, 100);
    await limiter.sync();
    expect(calls).toEqual([1_000, 1_000, 500]);
    expect(await coordination.get(keys[0]!)).toBe('2');
    expect(await coordination.get(keys[2_499]!)).toBe('1');
    // Nothing left to send: the next pass sends nothing.
    await limiter.sync();
    expect(calls).toHaveLength(3);
  });

  it('with coordination away it still holds one replica to the limit, and shares the hits once it is back', async () => {
    let down = true;
    const flaky = new Proxy(coordination, {
      get(target, property, receiver) {
        if ((property === 'hitWindow' || property === 'hitWindows') && down)
          return async () => Promise.reject(new Error('connection refused'));
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
    const errors: unknown[] = [];
    const limiter = new WindowLimiter(flaky, { syncMs: 60_000, onSyncError: (err) => errors.push(err) });
    const k = key();
    const counts: number[] = [];
    for (let i = 0; i < 12; i++) counts.push((await limiter.hit(k, 60_000, 10)).count);
    expect(counts).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    await limiter.sync();
    expect(errors.length).toBeGreaterThan(0);
    down = false;
    await limiter.sync();
    expect(await coordination.get(k)).toBe('12');
  });
});
