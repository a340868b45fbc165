import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { Coordination } from '@tiketi/platform';
import { createTestCoordination, startTestService, type TestService } from '@tiketi/testing';
import { createTicketService, type TicketConfig } from '@tiketi/ticket';
import { queueRuntime, verifyAdmission, type QueueRuntime } from '../../services/ticket/src/queue';
import { buyer, configureRoom, createEvent, fakeClock } from './queue.fixtures';

type BeforeCall = (operation: string, args: unknown[]) => Promise<void>;

/** Counts the calls made on a coordination, by operation; `before.call` runs ahead of each one. */
function counting(inner: Coordination): {
  coordination: Coordination;
  calls: Map<string, number>;
  before: { call: BeforeCall | null };
} {
  const calls = new Map<string, number>();
  const before: { call: BeforeCall | null } = { call: null };
  const coordination = new Proxy(inner, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        calls.set(String(property), (calls.get(String(property)) ?? 0) + 1);
        await before.call?.(String(property), args);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { coordination, calls, before };
}

describe('a tick that admits a crowd', () => {
  const clock = fakeClock();
  let inner: Coordination;
  let calls: Map<string, number>;
  let before: { call: BeforeCall | null };
  let svc: TestService<TicketConfig>;
  let q: QueueRuntime;

  beforeAll(async () => {
    inner = await createTestCoordination();
    const counted = counting(inner);
    calls = counted.calls;
    before = counted.before;
    svc = await startTestService(createTicketService(), {
      clock,
      coordination: counted.coordination,
      env: { QUEUE_TICK_MS: '0' },
    });
    q = queueRuntime(svc.ctx);
  });
  afterAll(async () => {
    await svc?.close();
    await inner?.close();
  });

  it('lets 2,000 buyers in, in join order, with a few round trips, each with an admission and an event', async () => {
    const eventId = await createEvent(svc.ctx, clock.t - 60_000);
    await configureRoom(svc, eventId, {
      mode: 'on',
      admissionsPerMinute: 600_000,
      maxInside: 1_000_000,
      heartbeatTimeoutSeconds: 3600,
    });
    const buyers = Array.from({ length: 2_000 }, () => buyer());
    for (const user of buyers) await q.service.join(eventId, user);
    const joinedAt = clock.t;

    // A fresh room lets one in at once; a second later the rate allows all the others.
    expect((await q.ticker.tick()).admitted[eventId]).toEqual([buyers[0]!.id]);
    clock.advance(1_000);
    calls.clear();
    const admitted = (await q.ticker.tick()).admitted[eventId];
    expect(admitted).toEqual(buyers.slice(1).map((u) => u.id));

    // Admitting wrote each chunk of 500 in one step: one round trip per buyer per write took a
    // tick of thousands seconds (bench: `npm run bench -- queue`). The total also counts what the
    // service's timers and the other rooms ask meanwhile: a few dozen, where one per buyer was 10,000.
    expect(calls.get('admitMembers')).toBe(4);
    expect([...calls.values()].reduce((a, b) => a + b, 0)).toBeLessThan(200);

    expect(await q.service.state.waiting(eventId)).toBe(0);
    for (const user of buyers) {
      const status = await q.service.status(eventId, user.id);
      expect(status.status).toBe('admitted');
      const token = (status as { token: string }).token;
      const check = verifyAdmission(svc.ctx.config.QUEUE_TOKEN_SECRET, token, {
        eventId,
        userId: user.id,
        now: clock.t,
      });
      expect(check.ok).toBe(true);
      expect(await q.service.state.joinedAt(eventId, user.id)).toBeNull();
      expect(await q.service.state.lastSeen(eventId, user.id)).toBeNull();
      expect(await q.service.state.insideUntil(eventId, user.id)).toBeGreaterThan(clock.t);
    }
    const events = await sql<{ user_id: string }>`select payload->'data'->>'userId' as user_id
      from ${sql.table('ticket.outbox')}
      where type = 'queue.admitted' and payload->'data'->>'eventId' = ${eventId}`.execute(svc.ctx.db);
    expect(events.rows.map((r) => r.user_id).sort()).toEqual(buyers.map((u) => u.id).sort());

    // Each wait was measured from the buyer's own join: the first at once, the rest a second later.
    const histogram = await svc.ctx.metrics.getSingleMetric('tiketi_queue_wait_seconds')?.get();
    const figure = (suffix: string) =>
      histogram?.values.find(
        (v) => (v as { metricName?: string }).metricName?.endsWith(suffix) && v.labels.event_id === eventId,
      )?.value;
    expect(figure('_count')).toBe(2_000);
    expect(figure('_sum')).toBeCloseTo(((clock.t - joinedAt) / 1000) * 1_999, 6);
  });

  it('opens a pre-queue of 3,000 with one shuffled write, and a buyer who leaves meanwhile stays out', async () => {
    const opensAt = clock.t + 10 * 60_000;
    const eventId = await createEvent(svc.ctx, opensAt, 50, 'scheduled');
    await configureRoom(svc, eventId, {
      mode: 'on',
      admissionsPerMinute: 600_000,
      maxInside: 1_000_000,
      preQueueMinutes: 30,
      heartbeatTimeoutSeconds: 3600,
    });
    const early = Array.from({ length: 3_000 }, () => buyer());
    for (const user of early) await q.service.join(eventId, user);
    const leaver = early[1_234]!;
    clock.t = opensAt + 1;
    // The buyer leaves just as the shuffled order is written.
    before.call = async (operation, args) => {
      if (operation !== 'zadd' || (args[1] as unknown[]).length !== early.length) return;
      before.call = null;
      await q.service.leave(eventId, leaver.id);
    };
    calls.clear();
    const first = (await q.ticker.tick()).admitted[eventId] ?? [];
    expect(before.call).toBeNull();
    // The shuffle checked nobody one by one: a round trip per pre-queue buyer held a big sale's
    // opening tick, and every admission, up for seconds.
    expect(calls.get('zscore') ?? 0).toBeLessThan(10);
    expect([...calls.values()].reduce((a, b) => a + b, 0)).toBeLessThan(200);
    expect(first).toHaveLength(1);
    clock.advance(1_000);
    const rest = (await q.ticker.tick()).admitted[eventId] ?? [];
    const inJoinOrder = early.filter((u) => u !== leaver).map((u) => u.id);
    const admitted = [...first, ...rest];
    expect([...admitted].sort()).toEqual([...inJoinOrder].sort());
    expect(admitted).not.toEqual(inJoinOrder);
    expect(await q.service.state.waiting(eventId)).toBe(0);
    expect((await q.service.status(eventId, leaver.id)).status).toBe('none');
  });
});
