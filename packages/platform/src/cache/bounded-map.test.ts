import { describe, expect, it } from 'vitest';
import { setBounded } from './bounded-map';

describe('setBounded', () => {
  it('drops the oldest entry, one at a time, to stay within the bound', () => {
    const map = new Map<string, number>();
    for (let i = 0; i < 5; i++) setBounded(map, `k${i}`, i, 3);
    expect([...map.keys()]).toEqual(['k2', 'k3', 'k4']);
    // Replacing a key already there drops nothing.
    setBounded(map, 'k3', 33, 3);
    expect([...map.entries()]).toEqual([
      ['k2', 2],
      ['k3', 33],
      ['k4', 4],
    ]);
  });

  it('keeps the recent entries of a crowd larger than the bound', () => {
    const map = new Map<number, number>();
    for (let i = 0; i < 25_000; i++) setBounded(map, i, i, 20_000);
    expect(map.size).toBe(20_000);
    expect(map.has(24_999)).toBe(true);
    expect(map.has(5_000)).toBe(true);
    expect(map.has(4_999)).toBe(false);
  });
});
