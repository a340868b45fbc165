import { afterEach, describe, expect, it, vi } from 'vitest';
import { hasPrefix, newId } from './ids';

afterEach(() => {
  vi.useRealTimers();
});

describe('newId', () => {
  it('is prefixed, 26 Crockford characters after the prefix, and unique', () => {
    const ids = Array.from({ length: 20_000 }, () => newId('rsv'));
    for (const id of ids.slice(0, 100)) {
      expect(id).toMatch(/^rsv_[0-9A-HJKMNP-TV-Z]{26}$/);
      expect(hasPrefix(id, 'rsv')).toBe(true);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('sorts in creation order within a millisecond and across milliseconds', () => {
    vi.useFakeTimers();
    const ids: string[] = [];
    for (let ms = 0; ms < 50; ms++) {
      vi.setSystemTime(1_800_000_000_000 + ms);
      for (let i = 0; i < 20; i++) ids.push(newId('evt'));
    }
    expect([...ids].sort()).toEqual(ids);
  });

  it('draws fresh randomness for each new millisecond', () => {
    vi.useFakeTimers();
    const randomParts = Array.from({ length: 500 }, (_, ms) => {
      vi.setSystemTime(1_800_000_100_000 + ms);
      return newId('pay').slice(14); // after the prefix and the 10 time characters
    });
    expect(new Set(randomParts).size).toBe(randomParts.length);
  });
});
