import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collect,
  eventually,
  startTestService,
  testEnv,
  testRedisPrefix,
  testSockets,
  type TestService,
} from '@tiketi/testing';
import { createTicketService, type TicketConfig } from '@tiketi/ticket';
import { queueRuntime } from '../../services/ticket/src/queue';
import { createEventFixture, movableClock } from './booking.fixtures';
import { configureRoom } from './queue.fixtures';

/**
 * Waiting-room pushes over a real Socket.IO connection (the Redis adapter in real mode): each
 * waiting buyer gets queue:update with their own place, nobody else's.
 */
const clock = movableClock();
let svc: TestService<TicketConfig>;
const sockets = testSockets();

beforeAll(async () => {
  svc = await startTestService(createTicketService(), {
    clock,
    listen: true,
    env: {
      QUEUE_TICK_MS: '0',
      ...(testEnv.redisUrl ? { REDIS_URL: testEnv.redisUrl, REDIS_KEY_PREFIX: testRedisPrefix() } : {}),
    },
  });
});
afterAll(async () => {
  sockets.closeAll();
  await svc?.close();
});

const open = (token: string) => sockets.open(svc.url!, { token });

interface QueueUpdate {
  eventId: string;
  position: number;
  etaSeconds: number;
}

describe('waiting room over Socket.IO', () => {
  it('pushes queue:update with position and ETA only to the buyer it is about', async () => {
    const { eventId } = await createEventFixture(svc.ctx.db);
    await configureRoom(svc, eventId, {
      enabled: true,
      admissionsPerMinute: 30,
      maxInside: 1,
      sessionMinutes: 60,
      heartbeatTimeoutSeconds: 3600,
    });
    const [inside, first, second, outsider] = await Promise.all(
      Array.from({ length: 4 }, () => svc.issuer.user('user')),
    );
    const join = async (user: typeof inside) =>
      (
        await svc.app.inject({ method: 'POST', url: `/api/queue/${eventId}/join`, headers: user!.headers })
      ).json();
    const { ticker } = queueRuntime(svc.ctx);

    // One buyer is let in and fills the room; the next two wait behind them.
    expect(await join(inside)).toMatchObject({ status: 'waiting', position: 1 });
    clock.advance(1_000);
    await ticker.tick();
    expect(await join(first)).toMatchObject({ status: 'waiting', position: 1 });
    expect(await join(second)).toMatchObject({ status: 'waiting', position: 2 });

    const received = new Map<string, QueueUpdate[]>();
    for (const user of [inside!, first!, second!, outsider!])
      received.set(user.id, collect<QueueUpdate>(await open(user.token), 'queue:update'));
    clock.advance(1_000);
    await ticker.tick();

    const status = async (user: typeof first) =>
      (
        await svc.app.inject({ method: 'GET', url: `/api/queue/${eventId}/status`, headers: user!.headers })
      ).json();
    const [firstStatus, secondStatus] = [await status(first), await status(second)];
    await eventually(() => {
      expect(received.get(first!.id)).toEqual([{ eventId, position: 1, etaSeconds: firstStatus.etaSeconds }]);
      expect(received.get(second!.id)).toEqual([
        { eventId, position: 2, etaSeconds: secondStatus.etaSeconds },
      ]);
    }, 10_000);
    expect(firstStatus.etaSeconds).toBeGreaterThan(0);
    expect(secondStatus.etaSeconds).toBeGreaterThan(firstStatus.etaSeconds);

    // The admitted buyer and one who never joined hear nothing about the line. A message sent
    // after the ones above arrives after them on the same server, so by now it would be here.
    clock.advance(1_000);
    await ticker.tick();
    await eventually(() => expect(received.get(first!.id)).toHaveLength(2), 10_000);
    expect(received.get(inside!.id)).toEqual([]);
    expect(received.get(outsider!.id)).toEqual([]);
  });
});
