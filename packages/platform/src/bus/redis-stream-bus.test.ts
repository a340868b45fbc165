import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { eventually, realRedisUrl, uniqueSuffix } from '@tiketi/testing';
import { RedisStreamBus } from './redis-stream-bus';

const redisUrl = realRedisUrl();

describe.skipIf(!redisUrl)('Redis Streams bus after Redis lost its data', () => {
  it('recreates its consumer group and keeps delivering', async () => {
    const stream = `t:${uniqueSuffix()}:events`;
    const bus = await RedisStreamBus.connect(redisUrl!, { stream, blockMs: 50 });
    const admin = new Redis(redisUrl!);
    try {
      const seen: string[] = [];
      await bus.subscribe({ group: 'survivor', types: ['x.happened'] }, async (e) => {
        seen.push(e.id);
      });
      const event = (id: string) => ({ id, type: 'x.happened', source: 'test', occurredAt: new Date().toISOString(), data: {} });
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
