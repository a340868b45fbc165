import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { eventually, realRedisUrl, testRedisPrefix } from '@tiketi/testing';
import { RedisStreamBus } from './redis-stream-bus';

const redisUrl = realRedisUrl();
const event = (id: string, type = 'x.happened') => ({
  id,
  type,
  source: 'test',
  occurredAt: new Date().toISOString(),
  data: {},
});

describe.skipIf(!redisUrl)('Redis Streams bus after Redis lost its data', () => {
  it('recreates its consumer group and keeps delivering', async () => {
    const stream = `${testRedisPrefix()}events`;
    const bus = await RedisStreamBus.connect(redisUrl!, { stream, blockMs: 50 });
    const admin = new Redis(redisUrl!);
    try {
      const seen: string[] = [];
      await bus.subscribe({ group: 'survivor', types: ['x.happened'] }, async (e) => {
        seen.push(e.id);
      });
      await bus.publish(event('evn_before'));
      await eventually(() => expect(seen).toEqual(['evn_before']));
      // What a restart without persistence leaves: no stream, no consumer group.
      await admin.del(stream);
      await bus.publish(event('evn_after'));
      await eventually(() => expect(seen).toEqual(['evn_before', 'evn_after']), 10_000);
    } finally {
      await bus.close();
      await admin.del(stream);
      admin.disconnect();
    }
  });
});

describe.skipIf(!redisUrl)('Redis Streams bus batches', () => {
  async function withBus(
    run: (bus: RedisStreamBus, stream: string, admin: Redis) => Promise<void>,
  ): Promise<void> {
    const stream = `${testRedisPrefix()}events`;
    const bus = await RedisStreamBus.connect(redisUrl!, { stream, blockMs: 50 });
    const admin = new Redis(redisUrl!);
    try {
      await run(bus, stream, admin);
    } finally {
      await bus.close();
      await admin.del(stream);
      admin.disconnect();
    }
  }
  const pending = async (admin: Redis, stream: string, group: string) =>
    ((await admin.xpending(stream, group)) as [number])[0];

  it('hands over what was read together in order, and acknowledges it and the unwanted entries in one go', async () => {
    await withBus(async (bus, stream, admin) => {
      const ids = Array.from({ length: 30 }, (_, i) => `evn_${String(i).padStart(2, '0')}`);
      for (const id of ids) await bus.publish(event(id, id.endsWith('7') ? 'y.other' : 'x.happened'));
      const batches: string[][] = [];
      await bus.subscribeBatch(
        { group: 'batched', types: ['x.happened'], fromStart: true },
        async (events) => {
          batches.push(events.map((e) => e.id));
        },
      );
      const wanted = ids.filter((id) => !id.endsWith('7'));
      await eventually(() => expect(batches.flat()).toEqual(wanted));
      expect(batches.length).toBeLessThan(wanted.length);
      await eventually(async () => expect(await pending(admin, stream, 'batched')).toBe(0));
    });
  });

  it('publishes many events in one pipeline, in order, and says how many went out', async () => {
    await withBus(async (bus, stream, admin) => {
      const ids = ['evn_p1', 'evn_p2', 'evn_p3', 'evn_p4'];
      expect(await bus.publishMany(ids.map((id) => event(id)))).toEqual({ published: 4 });
      const entries = (await admin.xrange(stream, '-', '+')) as Array<[string, string[]]>;
      expect(entries.map(([, f]) => (JSON.parse(f[f.indexOf('event') + 1]!) as { id: string }).id)).toEqual(
        ids,
      );
      // Redis refuses an append to a key that holds another type: nothing counts as published.
      await admin.del(stream);
      await admin.set(stream, 'not a stream');
      const refused = await bus.publishMany(ids.map((id) => event(id)));
      expect(refused.published).toBe(0);
      expect(String(refused.error)).toContain('WRONGTYPE');
    });
  });

  it('lingers after a short read, so what arrives meanwhile comes as one batch', async () => {
    await withBus(async (bus) => {
      const batches: string[][] = [];
      const burst = ['evn_b1', 'evn_b2', 'evn_b3', 'evn_b4', 'evn_b5'];
      await bus.subscribeBatch(
        { group: 'lingering', types: ['x.happened'], lingerMs: 2_500 },
        async (events) => {
          batches.push(events.map((e) => e.id));
        },
      );
      await bus.publish(event('evn_first'));
      await eventually(() => expect(batches).toEqual([['evn_first']]), 10_000);
      // Spaced out, so a reader blocking without a linger would take them one read at a time.
      for (const id of burst) {
        await bus.publish(event(id));
        await new Promise((r) => setTimeout(r, 100));
      }
      await eventually(() => expect(batches.flat()).toEqual(['evn_first', ...burst]), 10_000);
      expect(batches).toEqual([['evn_first'], burst]);
    });
  });

  it('retries a failed batch one event at a time: only the bad event stays pending', async () => {
    await withBus(async (bus, stream, admin) => {
      for (const id of ['evn_a', 'evn_bad', 'evn_c', 'evn_d']) await bus.publish(event(id));
      const applied: string[] = [];
      let calls = 0;
      await bus.subscribeBatch({ group: 'picky', types: ['x.happened'], fromStart: true }, async (events) => {
        calls++;
        if (events.some((e) => e.id === 'evn_bad')) throw new Error('cannot apply evn_bad');
        applied.push(...events.map((e) => e.id));
      });
      await eventually(() => expect(applied).toEqual(['evn_a', 'evn_c', 'evn_d']));
      expect(calls).toBe(5);
      await eventually(async () => expect(await pending(admin, stream, 'picky')).toBe(1));
    });
  });
});

describe.skipIf(!redisUrl)('Redis Streams bus, a long handler beside another replica', () => {
  it('is not run again by the other replica while it works, and is once its replica is gone', async () => {
    const stream = `${testRedisPrefix()}events`;
    // A claim after 300 ms idle: the handler below works five times as long.
    const options = { stream, blockMs: 50, claimIdleMs: 300 };
    const [a, b] = await Promise.all([
      RedisStreamBus.connect(redisUrl!, options),
      RedisStreamBus.connect(redisUrl!, options),
    ]);
    const admin = new Redis(redisUrl!);
    let finish: () => void = () => undefined;
    try {
      const runs: Array<{ replica: string; id: string }> = [];
      const stalled = new Promise<void>((resolve) => (finish = resolve));
      const handler = (replica: string) => async (e: { id: string }) => {
        runs.push({ replica, id: e.id });
        if (e.id === 'evn_stalls')
          await stalled; // its replica dies before it ends
        else await new Promise((r) => setTimeout(r, 1_500));
      };
      await a.subscribe({ group: 'long', types: ['x.long'] }, handler('a'));
      await b.subscribe({ group: 'long', types: ['x.long'] }, handler('b'));
      await a.publish(event('evn_long', 'x.long'));
      await eventually(
        async () => expect(((await admin.xpending(stream, 'long')) as [number])[0]).toBe(0),
        5_000,
      );
      // Taken over after 300 ms idle before: run a second time, by the other replica.
      expect(runs.map((r) => r.id)).toEqual(['evn_long']);

      // A replica that dies mid-handler stops renewing: the other one takes the event over.
      await a.publish(event('evn_stalls', 'x.long'));
      await eventually(() => expect(runs.map((r) => r.id)).toEqual(['evn_long', 'evn_stalls']));
      const first = runs[1]!.replica;
      await (first === 'a' ? a : b).close();
      await eventually(
        () => expect(runs.map((r) => r.id)).toEqual(['evn_long', 'evn_stalls', 'evn_stalls']),
        5_000,
      );
      expect(runs[2]!.replica).not.toBe(first);
    } finally {
      finish();
      await Promise.all([a.close(), b.close()]);
      await admin.del(stream);
      admin.disconnect();
    }
  });
});
