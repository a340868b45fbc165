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
});
