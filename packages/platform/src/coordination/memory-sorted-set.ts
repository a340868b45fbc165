import { OrderedSet } from '@js-sdsl/ordered-set';
import type { SortedSetEntry } from './coordination';

/** Redis's order: by score, then by member. */
function order(a: SortedSetEntry, b: SortedSetEntry): number {
  return a.score - b.score || (a.member < b.member ? -1 : a.member > b.member ? 1 : 0);
}

/**
 * A Redis sorted set for the embedded coordination: a member's score in a map, and the members in
 * a balanced tree that counts its subtrees, so a rank, a pop or a range costs O(log n) plus what it
 * returns, as in Redis. A waiting room of 100,000 made a map cost 100,000 steps per position and a
 * sort of all of them per admission tick.
 */
export class MemorySortedSet {
  private readonly scores = new Map<string, number>();
  private readonly tree = new OrderedSet<SortedSetEntry>([], order, true);

  get size(): number {
    return this.scores.size;
  }

  get(member: string): number | undefined {
    return this.scores.get(member);
  }

  has(member: string): boolean {
    return this.scores.has(member);
  }

  set(member: string, score: number): void {
    const old = this.scores.get(member);
    if (old === score) return;
    if (old !== undefined) this.tree.eraseElementByKey({ member, score: old });
    this.tree.insert({ member, score });
    this.scores.set(member, score);
  }

  delete(member: string): boolean {
    const old = this.scores.get(member);
    if (old === undefined) return false;
    this.tree.eraseElementByKey({ member, score: old });
    this.scores.delete(member);
    return true;
  }

  /** Members ordered before this one (ZRANK); null when it is not in the set. */
  rank(member: string): number | null {
    const score = this.scores.get(member);
    if (score === undefined) return null;
    return this.tree.find({ member, score }).index;
  }

  /** Entries at ranks `from` to `to`, both included (ZRANGE after negative ranks are resolved). */
  range(from: number, to: number): SortedSetEntry[] {
    const last = Math.min(to, this.size - 1);
    if (from < 0 || from > last) return [];
    const out: SortedSetEntry[] = [];
    const it = this.tree.find(this.tree.getElementByPos(from));
    for (let i = from; i <= last; i++, it.next()) out.push({ ...it.pointer });
    return out;
  }

  /** Entries with min <= score <= max in order, at most `limit` of them (ZRANGEBYSCORE). */
  byScore(min: number, max: number, limit = Infinity): SortedSetEntry[] {
    const out: SortedSetEntry[] = [];
    const end = this.tree.end();
    // '' orders before every member, so this is the first entry whose score is at least min.
    for (
      let it = this.tree.lowerBound({ member: '', score: min });
      !it.equals(end) && out.length < limit;
      it.next()
    ) {
      if (it.pointer.score > max) break;
      out.push({ ...it.pointer });
    }
    return out;
  }

  /** Removes and returns the `count` lowest entries (ZPOPMIN). */
  popMin(count: number): SortedSetEntry[] {
    const out: SortedSetEntry[] = [];
    while (out.length < count) {
      const first = this.tree.front();
      if (!first) break;
      this.delete(first.member);
      out.push(first);
    }
    return out;
  }

  /** Removes the entries with min <= score <= max; returns how many (ZREMRANGEBYSCORE). */
  removeByScore(min: number, max: number): number {
    const doomed = this.byScore(min, max);
    for (const e of doomed) this.delete(e.member);
    return doomed.length;
  }
}
