import { describe, expect, it } from 'vitest';
import { MemorySortedSet } from './memory-sorted-set';
import type { SortedSetEntry } from './coordination';

/** The plain model: every entry in an array, sorted as Redis sorts (score, then member). */
function sortedModel(model: Map<string, number>): SortedSetEntry[] {
  return [...model]
    .map(([member, score]) => ({ member, score }))
    .sort((a, b) => a.score - b.score || (a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
}

/** A small deterministic generator, so a failure replays. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    return x / 2_147_483_648;
  };
}

describe('MemorySortedSet', () => {
  it('answers every operation as a plain sorted array does, through thousands of random steps', () => {
    const next = random(42);
    const set = new MemorySortedSet();
    const model = new Map<string, number>();
    const pick = (n: number) => Math.floor(next() * n);
    // Few distinct scores, so ties (ordered by member) are common.
    const anyMember = () => `m${pick(300)}`;
    const anyScore = () => pick(40);
    for (let step = 0; step < 6_000; step++) {
      const op = pick(8);
      if (op <= 2) {
        const member = anyMember();
        const score = anyScore();
        set.set(member, score);
        model.set(member, score);
      } else if (op === 3) {
        const member = anyMember();
        expect(set.delete(member)).toBe(model.delete(member));
      } else if (op === 4) {
        const popped = set.popMin(pick(4));
        const expected = sortedModel(model).slice(0, popped.length);
        expect(popped).toEqual(expected);
        for (const e of expected) model.delete(e.member);
      } else if (op === 5) {
        const [a, b] = [anyScore(), anyScore()].sort((x, y) => x - y) as [number, number];
        const limit = pick(3) === 0 ? undefined : pick(20);
        const expected = sortedModel(model).filter((e) => e.score >= a && e.score <= b);
        expect(set.byScore(a, b, limit)).toEqual(limit === undefined ? expected : expected.slice(0, limit));
      } else if (op === 6) {
        const from = pick(model.size + 3);
        const to = from + pick(30) - 5;
        const all = sortedModel(model);
        expect(set.range(from, to)).toEqual(from > to ? [] : all.slice(from, to + 1));
      } else {
        const [a, b] = [anyScore(), anyScore()].sort((x, y) => x - y) as [number, number];
        const doomed = sortedModel(model).filter((e) => e.score >= a && e.score <= b);
        if (pick(4) === 0) {
          expect(set.removeByScore(a, b)).toBe(doomed.length);
          for (const e of doomed) model.delete(e.member);
        }
      }
      const all = sortedModel(model);
      expect(set.size).toBe(model.size);
      const probe = anyMember();
      const at = all.findIndex((e) => e.member === probe);
      expect(set.rank(probe)).toBe(at === -1 ? null : at);
      expect(set.get(probe)).toBe(model.get(probe));
    }
    expect(set.range(0, set.size - 1)).toEqual(sortedModel(model));
  });
});
