import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MemoryCoordination,
  newId,
  RedisCoordination,
  type Coordination,
  type ServiceContext,
} from '@tiketi/platform';
import {
  createTestBus,
  createTestDatabase,
  createTestIssuer,
  eventually,
  startTestService,
  type TestDatabase,
  testEnv,
  testRedisPrefix,
  type TestService,
} from '@tiketi/testing';
import { createTicketService, type TicketConfig } from '@tiketi/ticket';
import { queueRuntime } from '../../services/ticket/src/queue';

/** Fake time while `t` is set; real time once it is null. */
const clock = {
  t: Date.parse('2030-06-01T10:00:00Z') as number | null,
  now() {
    return this.t === null ? new Date() : new Date(this.t);
  },
};

/**
 * One coordination client per replica, as two processes have: with Redis, two connections on the
 * same keys. Embedded mode has only the in-process implementation, which replicas in one process
 * share (there is no second process to give it to).
 */
async function replicaCoordinations(): Promise<[Coordination, Coordination]> {
  if (!testEnv.redisUrl) {
    const shared = new MemoryCoordination();
    return [shared, shared];
  }
  const keyPrefix = testRedisPrefix();
  return [
    await RedisCoordination.connect(testEnv.redisUrl, { keyPrefix }),
    await RedisCoordination.connect(testEnv.redisUrl, { keyPrefix }),
  ];
}

async function createEvent(ctx: ServiceContext<TicketConfig>, saleStartsAt: number): Promise<string> {
  const id = newId('evt');
  await ctx.db
    .insertInto('events')
    .values({
      id,
      title: 'Replica test',
      category: 'concert',
      venue_name: 'Hall',
      starts_at: new Date(saleStartsAt + 86_400_000),
      ends_at: new Date(saleStartsAt + 90_000_000),
      sale_starts_at: new Date(saleStartsAt),
      sale_ends_at: new Date(saleStartsAt + 80_000_000),
      status: 'on_sale',
    })
    .execute();
  return id;
}

describe('waiting room on two ticket-service replicas', () => {
  let database: TestDatabase;
  let a: TestService<TicketConfig>;
  let b: TestService<TicketConfig>;
  let closeShared: () => Promise<void>;

  beforeAll(async () => {
    database = await createTestDatabase('queue_replicas');
    const [coordinationA, coordinationB] = await replicaCoordinations();
    const bus = await createTestBus();
    const issuer = await createTestIssuer();
    const options = { database, bus, issuer, clock, env: { QUEUE_TICK_MS: '0' } };
    a = await startTestService(createTicketService(), { ...options, coordination: coordinationA });
    b = await startTestService(createTicketService(), { ...options, coordination: coordinationB });
    closeShared = async () => {
      await coordinationA.close();
      if (coordinationB !== coordinationA) await coordinationB.close();
      await bus.close();
    };
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await closeShared?.();
    await database?.drop();
  });

  async function configure(eventId: string, admissionsPerMinute: number) {
    const admin = await a.issuer.user('admin');
    const res = await a.app.inject({
      method: 'PUT',
      url: `/api/admin/events/${eventId}/queue`,
      headers: admin.headers,
      payload: { enabled: true, admissionsPerMinute, maxInside: 10_000, heartbeatTimeoutSeconds: 3600 },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().settings).toMatchObject({ mode: 'on', enabled: true });
  }

  it.skipIf(!testEnv.redisUrl)(
    'runs each replica on its own coordination client (two connections on one Redis)',
    async () => {
      expect(a.coordination).not.toBe(b.coordination);
      // What one client writes the other reads: the same keys, not two private copies.
      const key = `probe:${newId('prb')}`;
      expect(await a.coordination.set(key, 'replica-a', { ttlMs: 60_000 })).toBe(true);
      expect(await b.coordination.get(key)).toBe('replica-a');
      expect(await b.coordination.claimAll([key], 'replica-b', 60_000)).toEqual([key]);
    },
  );

  it('admits each buyer exactly once, in join order, with one replica admitting per tick', async () => {
    const eventId = await createEvent(a.ctx, clock.t! - 1000);
    await configure(eventId, 120);
    const users = await Promise.all(Array.from({ length: 40 }, () => a.issuer.user('user')));
    for (const [i, user] of users.entries()) {
      const via = i % 2 === 0 ? a : b;
      const res = await via.app.inject({
        method: 'POST',
        url: `/api/queue/${eventId}/join`,
        headers: user.headers,
      });
      expect(res.json()).toMatchObject({ status: 'waiting', position: i + 1 });
    }
    // Both replicas see the same line.
    const [onA, onB] = await Promise.all(
      [a, b].map(async (svc) =>
        (
          await svc.app.inject({
            method: 'GET',
            url: `/api/queue/${eventId}/status`,
            headers: users[17]!.headers,
          })
        ).json(),
      ),
    );
    expect(onA).toEqual(onB);
    expect(onA.position).toBe(18);

    const qa = queueRuntime(a.ctx);
    const qb = queueRuntime(b.ctx);
    const admitted: string[] = [];
    for (let s = 0; s < 40; s += 1) {
      clock.t! += 1000;
      const [ra, rb] = await Promise.all([qa.ticker.tick(), qb.ticker.tick()]);
      // Never both (a lapsed lease on a starved machine may leave one tick with neither).
      expect(Number(ra.leader) + Number(rb.leader)).toBeLessThanOrEqual(1);
      admitted.push(...(ra.admitted[eventId] ?? []), ...(rb.admitted[eventId] ?? []));
    }
    expect(admitted).toEqual(users.map((u) => u.id));

    // Tokens from either replica pass the gate on the other.
    const status = (
      await b.app.inject({ method: 'GET', url: `/api/queue/${eventId}/status`, headers: users[0]!.headers })
    ).json();
    expect(status.status).toBe('admitted');
    await qa.shared.queueGate.assertAdmitted(eventId, users[0]!.id, status.token);
    await qb.shared.queueGate.assertAdmitted(eventId, users[0]!.id, status.token);
  });

  it('keeps admitting with the background tickers when the leader goes away', async () => {
    clock.t = null;
    const eventId = await createEvent(a.ctx, Date.now() - 1000);
    await configure(eventId, 6000);
    const users = Array.from({ length: 30 }, () => ({
      id: newId('usr'),
      role: 'user' as const,
      sid: newId('ses'),
    }));
    const qa = queueRuntime(a.ctx);
    const qb = queueRuntime(b.ctx);
    for (const user of users.slice(0, 10)) await qa.service.join(eventId, user);
    qa.ticker.start(40);
    qb.ticker.start(40);
    await eventually(
      async () => expect((await qb.service.status(eventId, users[9]!.id)).status).toBe('admitted'),
      10_000,
    );
    // The leader stops (its lease is released); the other replica carries on alone.
    const holder = await a.coordination.get('queue:ticker');
    const [leader, other] = holder === qa.ticker.holder ? [qa, qb] : [qb, qa];
    expect(holder).toBe(leader.ticker.holder);
    await leader.ticker.stop();
    for (const user of users.slice(10)) await leader.service.join(eventId, user);
    await eventually(
      async () => expect((await leader.service.status(eventId, users[29]!.id)).status).toBe('admitted'),
      10_000,
    );
    expect(await a.coordination.get('queue:ticker')).toBe(other.ticker.holder);
    await other.ticker.stop();
    const statuses = await Promise.all(users.map((u) => qa.service.status(eventId, u.id)));
    expect(statuses.every((s) => s.status === 'admitted')).toBe(true);
    const res = await a.app.inject({
      method: 'GET',
      url: `/api/admin/events/${eventId}/queue`,
      headers: (await a.issuer.user('admin')).headers,
    });
    expect(res.json().live).toMatchObject({ waiting: 0, inside: 30 });
  });
});
