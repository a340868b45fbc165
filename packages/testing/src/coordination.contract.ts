import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Coordination } from '@tiketi/platform';

/**
 * The behaviour every Coordination implementation must have. Run against the in-process one and
 * against Redis: the ticket service's holds and queue are correct only if both agree.
 */
export function coordinationContract(name: string, open: () => Promise<Coordination>): void {
  describe(`coordination contract: ${name}`, () => {
    let c: Coordination;
    beforeAll(async () => {
      c = await open();
    });
    afterAll(async () => {
      await c?.close();
    });
    const k = (s: string) => `${s}:${Math.random().toString(36).slice(2)}`;
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    /** A waiting line's keys for `enterLine`, with `counters` rate counters; the admission is ann's. */
    const lineKeys = (line: string, counters: number) => ({
      wait: `${line}:wait`,
      joined: `${line}:joined`,
      seen: `${line}:seen`,
      seq: `${line}:seq`,
      inside: `${line}:inside`,
      admission: `${line}:admit:ann`,
      meta: `${line}:meta`,
      counters: Array.from({ length: counters }, (_, i) => `${line}:rate:${i + 1}`),
    });

    it('get/set/del round-trip and onlyIfAbsent', async () => {
      const key = k('kv');
      expect(await c.get(key)).toBeNull();
      expect(await c.set(key, 'a')).toBe(true);
      expect(await c.set(key, 'b', { onlyIfAbsent: true })).toBe(false);
      expect(await c.get(key)).toBe('a');
      expect(await c.mget([key, k('missing')])).toEqual(['a', null]);
      expect(await c.del(key)).toBe(1);
      expect(await c.get(key)).toBeNull();
    });

    it('expires keys after their TTL and reports ttl', async () => {
      const key = k('ttl');
      await c.set(key, 'v', { ttlMs: 80 });
      const ttl = await c.ttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(80);
      expect(await c.ttl(k('none'))).toBe(-2);
      await c.set(`${key}:p`, 'v');
      expect(await c.ttl(`${key}:p`)).toBe(-1);
      await sleep(150);
      expect(await c.get(key)).toBeNull();
      expect(await c.expire(`${key}:p`, 50)).toBe(true);
      await sleep(120);
      expect(await c.get(`${key}:p`)).toBeNull();
    });

    it('incr sets the TTL only when it creates the key', async () => {
      const key = k('ctr');
      expect(await c.incr(key, { ttlMs: 5_000 })).toBe(1);
      expect(await c.incr(key, { ttlMs: 5_000, by: 2 })).toBe(3);
      expect(await c.ttl(key)).toBeGreaterThan(0);
    });

    it('hitWindow counts hits in a window that starts at the first hit and repairs a lost expiry', async () => {
      const key = k('window');
      expect(await c.hitWindow(key, 5_000)).toEqual({ count: 1, ttlMs: expect.any(Number) });
      const second = await c.hitWindow(key, 5_000);
      expect(second.count).toBe(2);
      expect(second.ttlMs).toBeGreaterThan(0);
      expect(second.ttlMs).toBeLessThanOrEqual(5_000);
      const bare = k('window');
      await c.set(bare, '7');
      const repaired = await c.hitWindow(bare, 3_000);
      expect(repaired.count).toBe(8);
      expect(await c.ttl(bare)).toBeGreaterThan(0);
      // Hits counted elsewhere arrive together, and the window stays the one the first hit opened.
      const batched = await c.hitWindow(key, 5_000, 5);
      expect(batched.count).toBe(7);
      expect(batched.ttlMs).toBeLessThanOrEqual(second.ttlMs);
    });

    it('hitWindows counts many windows in one call, each as hitWindow would', async () => {
      const [a, b, fresh] = [k('window'), k('window'), k('window')];
      await c.hitWindow(a, 5_000, 2);
      await c.set(b, '4');
      expect(await c.hitWindows([])).toEqual([]);
      const answers = await c.hitWindows([
        { key: a, windowMs: 5_000, hits: 3 },
        { key: b, windowMs: 2_000, hits: 1 },
        { key: fresh, windowMs: 9_000, hits: 6 },
      ]);
      expect(answers.map((x) => x.count)).toEqual([5, 5, 6]);
      expect(answers[0]!.ttlMs).toBeGreaterThan(0);
      expect(answers[0]!.ttlMs).toBeLessThanOrEqual(5_000);
      // A counter without an expiry gets its window; a new one opens its own.
      expect(answers[1]!.ttlMs).toBeLessThanOrEqual(2_000);
      expect(await c.ttl(b)).toBeGreaterThan(0);
      expect(answers[2]!.ttlMs).toBeGreaterThan(5_000);
      expect(await c.get(fresh)).toBe('6');
    });

    it('claimAll is all-or-nothing and reports the conflicting keys', async () => {
      const a = k('seat');
      const b = k('seat');
      const d = k('seat');
      expect(await c.claimAll([a, b], 'alice', 5_000)).toEqual([]);
      expect(await c.claimAll([b, d], 'bob', 5_000)).toEqual([b]);
      // Nothing of bob's failed claim was written.
      expect(await c.get(d)).toBeNull();
      // Re-claiming one's own keys succeeds.
      expect(await c.claimAll([a, b], 'alice', 5_000)).toEqual([]);
      expect(await c.releaseIfOwner([a, b, d], 'bob')).toBe(0);
      expect(await c.releaseIfOwner([a, b], 'alice')).toBe(2);
      expect(await c.claimAll([b, d], 'bob', 5_000)).toEqual([]);
    });

    it('concurrent claims on one key have exactly one winner', async () => {
      const seat = k('hot');
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => c.claimAll([seat], `u${i}`, 5_000)),
      );
      expect(results.filter((r) => r.length === 0)).toHaveLength(1);
    });

    it('claimed keys come back when their TTL runs out', async () => {
      const seat = k('exp');
      expect(await c.claimAll([seat], 'alice', 60)).toEqual([]);
      await sleep(130);
      expect(await c.claimAll([seat], 'bob', 5_000)).toEqual([]);
    });

    it('hashes', async () => {
      const key = k('h');
      await c.hset(key, { a: '1', b: '2' });
      expect(await c.hgetall(key)).toEqual({ a: '1', b: '2' });
      expect(await c.hdel(key, ['a'])).toBe(1);
      expect(await c.hgetall(key)).toEqual({ b: '2' });
      expect(await c.hgetall(k('none'))).toEqual({});
    });

    it('sorted sets keep order, ranks and first-score-wins on onlyIfAbsent', async () => {
      const key = k('z');
      expect(
        await c.zadd(key, [
          { member: 'b', score: 2 },
          { member: 'a', score: 1 },
        ]),
      ).toBe(2);
      expect(await c.zadd(key, [{ member: 'a', score: 9 }], { onlyIfAbsent: true })).toBe(0);
      expect(await c.zscore(key, 'a')).toBe(1);
      expect(
        await c.zadd(
          key,
          [
            { member: 'b', score: 2.5 },
            { member: 'new', score: 0 },
          ],
          { onlyIfPresent: true },
        ),
      ).toBe(0);
      expect(await c.zscore(key, 'b')).toBe(2.5);
      expect(await c.zscore(key, 'new')).toBeNull();
      expect(await c.zadd(k('none'), [{ member: 'a', score: 1 }], { onlyIfPresent: true })).toBe(0);
      await c.zadd(key, [{ member: 'b', score: 2 }]);
      await c.zadd(key, [{ member: 'c', score: 3 }]);
      expect(await c.zrank(key, 'c')).toBe(2);
      expect(await c.zrank(key, 'zz')).toBeNull();
      expect(await c.zcard(key)).toBe(3);
      expect((await c.zrange(key, 0, -1)).map((e) => e.member)).toEqual(['a', 'b', 'c']);
      expect((await c.zrangeByScore(key, 2, 3)).map((e) => e.member)).toEqual(['b', 'c']);
      expect((await c.zrangeByScore(key, 0, 10, 1)).map((e) => e.member)).toEqual(['a']);
      expect(await c.zpopmin(key, 2)).toEqual([
        { member: 'a', score: 1 },
        { member: 'b', score: 2 },
      ]);
      expect(await c.zrem(key, ['c', 'x'])).toBe(1);
      await c.zadd(key, [
        { member: 'x', score: 5 },
        { member: 'y', score: 6 },
      ]);
      expect(await c.zremrangeByScore(key, 0, 5)).toBe(1);
      expect(await c.zcard(key)).toBe(1);
    });

    it('publish reaches subscribers until they unsubscribe', async () => {
      const channel = k('ch');
      const got: string[] = [];
      const unsubscribe = await c.subscribe(channel, (m) => got.push(m));
      await c.publish(channel, 'one');
      for (let i = 0; i < 50 && got.length < 1; i++) await sleep(10);
      await unsubscribe();
      await c.publish(channel, 'two');
      await sleep(50);
      expect(got).toEqual(['one']);
    });

    it('enterLine: joins once, keeps the first place, heartbeats a waiting member, and hands back an admission', async () => {
      const keys = lineKeys(k('line'), 2);
      const band = 2 ** 40;
      // Only looking: nobody is put in line.
      expect(await c.enterLine(keys, 'ann', 1_000)).toEqual({
        admission: null,
        rank: null,
        score: null,
        added: false,
        meta: {},
        counters: [null, null],
        slotEnd: null,
      });
      expect(await c.zcard(keys.wait)).toBe(0);

      await c.hset(keys.meta, { closed: '0', credit: '3' });
      await c.incr(keys.counters[1]!, { by: 7 });
      const ann = await c.enterLine(keys, 'ann', 1_000, { band });
      expect(ann).toEqual({
        admission: null,
        rank: 0,
        score: band + 1,
        added: true,
        meta: { closed: '0', credit: '3' },
        counters: [null, '7'],
        slotEnd: null,
      });
      const bob = await c.enterLine(keys, 'bob', 1_005, { band: 0 });
      expect(bob).toMatchObject({ rank: 0, score: 2, added: true });
      expect(await c.zscore(keys.joined, 'bob')).toBe(1_005);

      // Ann again, later: same score, now behind Bob (a lower band), her heartbeat moved, no new number.
      const again = await c.enterLine(keys, 'ann', 2_000, { band: 0 });
      expect(again).toMatchObject({ rank: 1, score: band + 1, added: false });
      expect(await c.zscore(keys.seen, 'ann')).toBe(2_000);
      expect(await c.zscore(keys.joined, 'ann')).toBe(1_000);
      expect(await c.get(keys.seq)).toBe('2');

      // Admitted (a session ending after now): the admission comes back and nobody is put in line.
      await c.zrem(keys.wait, ['ann']);
      await c.zadd(keys.inside, [{ member: 'ann', score: 5_000 }]);
      await c.set(keys.admission, '{"token":"t"}');
      expect(await c.enterLine(keys, 'ann', 3_000, { band })).toMatchObject({
        admission: '{"token":"t"}',
        rank: null,
        added: false,
      });
      expect(await c.zscore(keys.wait, 'ann')).toBeNull();
      // A session that has ended is no admission: she joins again.
      expect(await c.enterLine(keys, 'ann', 6_000, { band })).toMatchObject({
        admission: null,
        rank: 1,
        score: band + 3,
        added: true,
      });
    });

    it('enterLine with a capacity: the session end that frees each waiting place, counting places free now', async () => {
      const keys = lineKeys(k('cap'), 0);
      // Three inside a room of four: one place free; sessions end at 9, 5 and 7 seconds.
      await c.zadd(keys.inside, [
        { member: 'x', score: 9_000 },
        { member: 'y', score: 5_000 },
        { member: 'z', score: 7_000 },
      ]);
      const places = [];
      for (const [i, member] of ['a', 'b', 'c', 'd', 'e', 'f'].entries())
        places.push(await c.enterLine(keys, member, 1_000 + i, { band: 0 }, 4));
      // a takes the free place; b, c, d the places of y, z, x as they end; e and f come round again.
      expect(places.map((p) => [p.rank, p.slotEnd])).toEqual([
        [0, null],
        [1, 5_000],
        [2, 7_000],
        [3, 9_000],
        [4, null],
        [5, 5_000],
      ]);
      // Without a capacity nothing is read; a member not waiting has no place to free.
      expect((await c.enterLine(keys, 'c', 2_000)).slotEnd).toBeNull();
      expect((await c.enterLine(keys, 'nobody', 2_000, undefined, 4)).slotEnd).toBeNull();
    });

    it("takes 150,000 members or keys in one call (a big sale's whole line): added, read, removed", async () => {
      const key = k('crowd');
      const members = Array.from({ length: 150_000 }, (_, i) => `m${i}`);
      expect(
        await c.zadd(
          key,
          members.map((member, i) => ({ member, score: i })),
        ),
      ).toBe(150_000);
      // Rewritten in reverse, only where present: the order flips and nobody is added.
      const reversed = members.map((member, i) => ({ member, score: 150_000 - i }));
      expect(await c.zadd(key, [...reversed, { member: 'absent', score: 0 }], { onlyIfPresent: true })).toBe(
        0,
      );
      expect(await c.zrange(key, 0, 0)).toEqual([{ member: 'm149999', score: 1 }]);
      expect(await c.zcard(key)).toBe(150_000);
      const strings = members.slice(0, 120_000).map((m) => `${key}:s:${m}`);
      for (let i = 0; i < strings.length; i += 20_000)
        await Promise.all(strings.slice(i, i + 20_000).map((s) => c.set(s, 'v')));
      const read = await c.mget(strings);
      expect(read).toHaveLength(120_000);
      expect(read.every((v) => v === 'v')).toBe(true);
      expect(await c.del(strings)).toBe(120_000);
      expect(await c.zrem(key, members)).toBe(150_000);
      expect(await c.zcard(key)).toBe(0);
    });

    it('admitMembers lets many in at once: admissions stored, inside, out of joined and seen, join times answered', async () => {
      const line = k('admit');
      const keys = { inside: `${line}:inside`, joined: `${line}:joined`, seen: `${line}:seen` };
      await c.zadd(keys.joined, [
        { member: 'ann', score: 1_000 },
        { member: 'bob', score: 1_005 },
        { member: 'eve', score: 1_010 },
      ]);
      await c.zadd(keys.seen, [
        { member: 'ann', score: 2_000 },
        { member: 'eve', score: 2_010 },
      ]);
      expect(await c.admitMembers(keys, [], 9_000, 60_000)).toEqual([]);
      const joined = await c.admitMembers(
        keys,
        [
          { member: 'bob', key: `${line}:admit:bob`, admission: '{"token":"b"}' },
          { member: 'cid', key: `${line}:admit:cid`, admission: '{"token":"c"}' },
          { member: 'ann', key: `${line}:admit:ann`, admission: '{"token":"a"}' },
        ],
        1_796_593_011_050,
        80,
      );
      expect(joined).toEqual([1_005, null, 1_000]);
      expect(await c.zrange(keys.inside, 0, -1)).toEqual([
        { member: 'ann', score: 1_796_593_011_050 },
        { member: 'bob', score: 1_796_593_011_050 },
        { member: 'cid', score: 1_796_593_011_050 },
      ]);
      expect(await c.zrange(keys.joined, 0, -1)).toEqual([{ member: 'eve', score: 1_010 }]);
      expect(await c.zrange(keys.seen, 0, -1)).toEqual([{ member: 'eve', score: 2_010 }]);
      expect(await c.mget([`${line}:admit:ann`, `${line}:admit:bob`, `${line}:admit:cid`])).toEqual([
        '{"token":"a"}',
        '{"token":"b"}',
        '{"token":"c"}',
      ]);
      const ttl = await c.ttl(`${line}:admit:bob`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(80);
      await sleep(150);
      expect(await c.get(`${line}:admit:bob`)).toBeNull();
    });

    it('enterLine: a heartbeat only touches a member already seen', async () => {
      const keys = lineKeys(k('line'), 0);
      await c.zadd(keys.wait, [{ member: 'ann', score: 1 }]);
      await c.zadd(keys.seen, [{ member: 'other', score: 1 }]);
      expect(await c.enterLine(keys, 'ann', 500)).toMatchObject({
        rank: 0,
        score: 1,
        added: false,
        counters: [],
      });
      expect(await c.zscore(keys.seen, 'ann')).toBeNull();
    });

    it('tells a subscriber when its subscription is in place', async () => {
      const states: boolean[] = [];
      const unsubscribe = await c.subscribe(k('live'), () => undefined, {
        onLive: (live) => states.push(live),
      });
      expect(states).toEqual([true]);
      await unsubscribe();
    });

    it('ping answers', async () => {
      await expect(c.ping()).resolves.toBeUndefined();
    });
  });
}
