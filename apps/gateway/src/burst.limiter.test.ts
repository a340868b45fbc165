import { describe, expect, it } from 'vitest';
import { BurstLimiter } from './burst.limiter';

describe('BurstLimiter', () => {
  it('admits max hits per key in a window, then none until the next window', () => {
    let now = 1_000;
    const limiter = new BurstLimiter(3, { now: () => now });
    expect([1, 2, 3, 4, 5].map(() => limiter.admit('a'))).toEqual([true, true, true, false, false]);
    expect(limiter.admit('b')).toBe(true);
    now += 999;
    expect(limiter.admit('a')).toBe(false);
    now += 1;
    expect([1, 2, 3, 4].map(() => limiter.admit('a'))).toEqual([true, true, true, false]);
  });

  it('makes room from windows that ended, and admits new keys when none has', () => {
    let now = 0;
    const limiter = new BurstLimiter(1, { maxKeys: 2, now: () => now });
    expect(limiter.admit('a')).toBe(true);
    expect(limiter.admit('b')).toBe(true);
    // Full, and both windows still open: a third client is not counted (the minute limits hold it).
    expect(limiter.admit('c')).toBe(true);
    expect(limiter.admit('c')).toBe(true);
    expect(limiter.admit('a')).toBe(false);
    now += 1_000;
    // Both windows ended: room again, and the new key is counted.
    expect(limiter.admit('c')).toBe(true);
    expect(limiter.admit('c')).toBe(false);
  });

  it('when full of open windows, looks for room again only once the first of them ends', () => {
    let now = 0;
    let reads = 0;
    const limiter = new BurstLimiter(1, { maxKeys: 2, now: () => now });
    limiter.admit('a');
    now = 500;
    limiter.admit('b');
    const windows = (limiter as unknown as { windows: Map<string, unknown> }).windows;
    const entries = windows.entries.bind(windows);
    windows[Symbol.iterator] = () => {
      reads++;
      return entries();
    };
    for (let i = 0; i < 50; i++) expect(limiter.admit(`new-${i}`)).toBe(true);
    expect(reads).toBe(1);
    now = 1_000;
    // 'a' has ended: room for one new key, counted.
    expect(limiter.admit('c')).toBe(true);
    expect(limiter.admit('c')).toBe(false);
    expect(reads).toBe(2);
  });
});
