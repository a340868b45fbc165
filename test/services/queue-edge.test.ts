import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type Session, type TestPlatform } from '../support/platform';
import { onSaleEvent } from '../integration/admin.flow';
import { serviceMetric } from '../../bench/lib/memory';

/**
 * A waiting room that always queues, through the gateway (ADR 0011): the ticket service says so
 * on its answers, and the gateway then places the room's buyers in the same shared line and
 * answers their polls itself, with the service's own answer, until the room changes.
 */
let tp: TestPlatform;
let admin: Session;

beforeAll(async () => {
  tp = await startTestPlatform({
    services: 'auth,ticket,gateway',
    // No ticker: nobody is admitted while the line is checked. A moment long enough that a slow
    // run does not reach its probe before the checks that count edge answers are done.
    env: { QUEUE_TICK_MS: '0', GATEWAY_QUEUE_ROOM_MS: '4000' },
  });
  admin = await tp.admin();
});
afterAll(async () => {
  await tp?.close();
});

const atEdge = (outcome: string) =>
  serviceMetric(tp.url, 'tiketi_gateway_queue_edge_total', { label: `outcome="${outcome}"`, absent: 0 });

async function alwaysQueues(eventId: string): Promise<void> {
  const res = await tp.api('PUT', `/api/admin/events/${eventId}/queue`, {
    token: admin.accessToken,
    body: { mode: 'on', admissionsPerMinute: 60, maxInside: 1, heartbeatTimeoutSeconds: 3600 },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

describe('a room that always queues, at the edge', () => {
  it("places a crowd in join order with the service's own answers, and keeps each place", async () => {
    const eventId = await onSaleEvent(tp, admin, 'Edge Queue Night');
    await alwaysQueues(eventId);
    // Everyone signs up first: the counted requests then fit well inside one moment.
    const [buyers, stranger] = await Promise.all([
      Promise.all(Array.from({ length: 12 }, () => tp.register())),
      tp.register(),
    ]);

    // Nothing known yet: the service answers the first join, and tells the gateway (never the client).
    const answeredBefore = await atEdge('answered');
    const first = await tp.api('POST', `/api/queue/${eventId}/join`, { token: buyers[0]!.accessToken });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'waiting', eventId, position: 1, ahead: 0, preQueue: false });
    expect(first.headers.get('x-tiketi-queue-room')).toBeNull();

    for (const [i, buyer] of buyers.entries()) {
      if (i === 0) continue;
      const joined = await tp.api('POST', `/api/queue/${eventId}/join`, { token: buyer.accessToken });
      expect(joined.status).toBe(200);
      expect(joined.body).toMatchObject({ status: 'waiting', position: i + 1, ahead: i });
      expect(joined.headers.get('x-tiketi-queue-room')).toBeNull();
      expect(joined.headers.get('content-type')).toBe(first.headers.get('content-type'));
    }
    expect(await atEdge('answered')).toBe(answeredBefore + buyers.length - 1);

    // The first buyer's poll, answered at the edge, is what the service told them on joining.
    const polled = await tp.api('GET', `/api/queue/${eventId}/status`, { token: buyers[0]!.accessToken });
    expect(polled.body).toEqual(first.body);
    const beat = await tp.api('POST', `/api/queue/${eventId}/heartbeat`, { token: buyers[0]!.accessToken });
    expect(beat.body).toEqual(first.body);
    // Joining again keeps the place; a buyer of another room is in none of this one.
    const again = await tp.api('POST', `/api/queue/${eventId}/join`, { token: buyers[3]!.accessToken });
    expect(again.body).toMatchObject({ status: 'waiting', position: 4 });
    const none = await tp.api('GET', `/api/queue/${eventId}/status`, { token: stranger.accessToken });
    expect(none.body).toEqual({ status: 'none', eventId });
    expect(await atEdge('answered')).toBe(answeredBefore + buyers.length + 3);

    // Only signed-in buyers reach it: the edge's own checks come first.
    expect((await tp.api('POST', `/api/queue/${eventId}/join`)).status).toBe(401);
    // What the edge was not told of goes to the service.
    const other = await onSaleEvent(tp, admin, 'No Queue Night');
    const direct = await tp.api('POST', `/api/queue/${other}/join`, { token: stranger.accessToken });
    expect(direct.body).toMatchObject({ status: 'admitted', eventId: other });
  });

  it('leaves the room to the service once it stops always queuing', async () => {
    const eventId = await onSaleEvent(tp, admin, 'Edge Queue Switched Off');
    await alwaysQueues(eventId);
    const [a, b] = [await tp.register(), await tp.register()];
    const answeredBefore = await atEdge('answered');
    await tp.api('POST', `/api/queue/${eventId}/join`, { token: a.accessToken });
    const placed = await tp.api('POST', `/api/queue/${eventId}/join`, { token: b.accessToken });
    expect(placed.body).toMatchObject({ status: 'waiting', position: 2 });
    // The second join was the edge's: what follows checks that the edge lets go of the room.
    expect(await atEdge('answered')).toBe(answeredBefore + 1);

    const off = await tp.api('PUT', `/api/admin/events/${eventId}/queue`, {
      token: admin.accessToken,
      body: { enabled: false },
    });
    expect(off.status).toBe(200);
    // Within the moment (and its probe) the service answers again: a room switched off lets its
    // waiting buyers straight in.
    const deadline = Date.now() + 8_000;
    let status = await tp.api('GET', `/api/queue/${eventId}/status`, { token: b.accessToken });
    while (status.body.status !== 'admitted' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = await tp.api('GET', `/api/queue/${eventId}/status`, { token: b.accessToken });
    }
    expect(status.body).toMatchObject({ status: 'admitted', eventId });
    expect(typeof status.body.token).toBe('string');
    // Admitted: the next join, wherever it is answered, hands back the same admission.
    const rejoin = await tp.api('POST', `/api/queue/${eventId}/join`, { token: b.accessToken });
    expect(rejoin.body).toEqual(status.body);
  });
});
