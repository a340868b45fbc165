import { describe, expect, it, vi } from 'vitest';
import { MemoryCoordination, POST_OPEN_BAND, waitingLineKey } from '@tiketi/platform';
import type { ServiceContext } from '@tiketi/platform';
import type { GatewayConfig } from './gateway.config';
import { answerInLine, queueAsked, queueAtEdge, QueueRooms, type EdgeRoom } from './queue.edge';

describe('queueAsked', () => {
  it('understands a join, a status poll and a heartbeat, by their methods', () => {
    expect(queueAsked('POST', '/api/queue/evt_1/join')).toEqual({ eventId: 'evt_1', join: true });
    expect(queueAsked('GET', '/api/queue/evt_1/status?x=1')).toEqual({ eventId: 'evt_1', join: false });
    expect(queueAsked('POST', '/api/queue/evt_1/heartbeat')).toEqual({ eventId: 'evt_1', join: false });
  });

  it('leaves everything else to the service', () => {
    for (const [method, url] of [
      ['GET', '/api/queue/evt_1/join'],
      ['POST', '/api/queue/evt_1/status'],
      ['POST', '/api/queue/evt_1/leave'],
      ['POST', '/api/queue/evt%201/join'],
      ['POST', '/api/queue//join'],
      ['POST', '/api/queue/evt_1/join/more'],
      ['POST', '/api/tickets/book'],
    ])
      expect(queueAsked(method!, url!), `${method} ${url}`).toBeNull();
  });
});

const join = { eventId: 'evt_1', join: true };

describe('QueueRooms', () => {
  const header = 'event=evt_1; from=1000; opens=2000; until=9000; rate=60';

  it('knows a room the service described, for the given time', () => {
    const rooms = new QueueRooms(1_000);
    expect(rooms.knowsAny(0)).toBe(false);
    rooms.learn(header, 0);
    expect(rooms.decide('evt_1', 500)).toEqual({ known: { from: 1000, opens: 2000, until: 9000, rate: 60 } });
    expect(rooms.decide('evt_2', 500)).toBeNull();
    expect(rooms.decide('evt_1', 1_000)).toBeNull();
  });

  it('learns the room’s capacity when the service gives it, and the room without it otherwise', () => {
    const rooms = new QueueRooms(1_000);
    rooms.learn(`${header}; inside=500; session=600000`, 0);
    expect(rooms.decide('evt_1', 1)).toEqual({
      known: {
        from: 1000,
        opens: 2000,
        until: 9000,
        rate: 60,
        capacity: { maxInside: 500, sessionMs: 600_000 },
      },
    });
    rooms.learn(`${header}; inside=0; session=600000`, 2);
    expect(rooms.decide('evt_1', 3)).toEqual({ known: { from: 1000, opens: 2000, until: 9000, rate: 60 } });
  });

  it('learns nothing from a header it cannot read', () => {
    const rooms = new QueueRooms(1_000);
    for (const bad of [
      undefined,
      '',
      'event=evt_1',
      'event=evt_1; from=1000; opens=2000; until=9000',
      'event=evt_1; from=1000; opens=2000; until=9000; rate=0',
      'event=evt_1; from=x; opens=2000; until=9000; rate=60',
      'from=1000; opens=2000; until=9000; rate=60',
    ])
      rooms.learn(bad, 0);
    expect(rooms.knowsAny(1)).toBe(false);
  });

  it('sends one request on near the end of the moment, and stops at once when told to forget', () => {
    const rooms = new QueueRooms(1_000);
    rooms.learn(header, 0);
    expect(rooms.decide('evt_1', 749)).toHaveProperty('known');
    expect(rooms.decide('evt_1', 750)).toEqual({ probe: 'evt_1' });
    expect(rooms.decide('evt_1', 751)).toHaveProperty('known');
    rooms.forget('evt_1');
    expect(rooms.decide('evt_1', 752)).toBeNull();
  });
});

describe('answerInLine', () => {
  const room: EdgeRoom = { from: 1_000, opens: 60_000, until: 600_000, rate: 60 };
  const poll = { eventId: 'evt_1', join: false };

  it('answers only inside the room: from its opening to the end of the sale', async () => {
    const coord = new MemoryCoordination();
    expect(await answerInLine(coord, join, room, 'usr_a', 999)).toBeNull();
    expect(await answerInLine(coord, join, room, 'usr_a', 600_001)).toBeNull();
    expect(await coord.zcard(waitingLineKey('evt_1', 'wait'))).toBe(0);
  });

  it('places arrivals in the pre-queue before opening and in order after it, as the service does', async () => {
    const coord = new MemoryCoordination();
    const early = await answerInLine(coord, join, room, 'usr_early', 30_000);
    expect(early).toEqual({
      status: 'waiting',
      eventId: 'evt_1',
      position: 1,
      ahead: 0,
      // Thirty seconds to the opening, then one place at sixty a minute.
      etaSeconds: 31,
      preQueue: true,
      opensAt: new Date(60_000).toISOString(),
    });
    const late = await answerInLine(coord, join, room, 'usr_late', 61_000);
    expect(late).toMatchObject({ status: 'waiting', position: 2, ahead: 1, preQueue: false, etaSeconds: 2 });
    expect(await coord.zscore(waitingLineKey('evt_1', 'wait'), 'usr_late')).toBeGreaterThan(POST_OPEN_BAND);
    // Polls and a second join keep the place; someone not in line is in none of it.
    expect(await answerInLine(coord, poll, room, 'usr_late', 62_000)).toMatchObject({ position: 2 });
    expect(await answerInLine(coord, join, room, 'usr_late', 62_000)).toMatchObject({ position: 2 });
    expect(await answerInLine(coord, poll, room, 'usr_other', 62_000)).toEqual({
      status: 'none',
      eventId: 'evt_1',
    });
  });

  it('hands an admitted buyer their admission back, and says closed while admissions are paused', async () => {
    const coord = new MemoryCoordination();
    await answerInLine(coord, join, room, 'usr_waiting', 61_000);
    await coord.zadd(waitingLineKey('evt_1', 'inside'), [{ member: 'usr_in', score: 900_000 }]);
    await coord.set(
      waitingLineKey('evt_1', 'admit:usr_in'),
      JSON.stringify({ token: 'tok', expiresAt: 900_000 }),
    );
    const admitted = {
      status: 'admitted',
      eventId: 'evt_1',
      token: 'tok',
      expiresAt: new Date(900_000).toISOString(),
    };
    expect(await answerInLine(coord, join, room, 'usr_in', 62_000)).toEqual(admitted);
    expect(await answerInLine(coord, poll, room, 'usr_in', 62_000)).toEqual(admitted);
    await coord.hset(waitingLineKey('evt_1', 'meta'), { closed: '1' });
    expect(await answerInLine(coord, poll, room, 'usr_waiting', 62_000)).toMatchObject({
      status: 'closed',
      position: 1,
      etaSeconds: null,
    });
  });
});

describe('answerInLine behind a full room', () => {
  it('tells the line when the room’s sessions free its places, as the service does', async () => {
    const coord = new MemoryCoordination();
    const full: EdgeRoom = {
      from: 1_000,
      opens: 2_000,
      until: 9_000_000,
      rate: 60,
      capacity: { maxInside: 2, sessionMs: 600_000 },
    };
    await coord.zadd(waitingLineKey('evt_1', 'inside'), [
      { member: 'usr_in1', score: 300_000 },
      { member: 'usr_in2', score: 420_000 },
    ]);
    const now = 60_000;
    const etas = [];
    for (const user of ['usr_a', 'usr_b', 'usr_c'])
      etas.push((await answerInLine(coord, join, full, user, now))?.etaSeconds);
    // At sixty a minute these were 1, 2 and 3 seconds; the room has no place before 5 and 6 minutes.
    expect(etas).toEqual([240, 360, 240 + 600]);
  });
});

describe('queueAtEdge', () => {
  it('leaves the request to the service when the line is unreachable, and says so once, not per request', async () => {
    const rooms = new QueueRooms(60_000);
    rooms.learn(`event=evt_1; from=0; opens=0; until=${Date.now() + 60_000}; rate=60`);
    const warn = vi.fn();
    const unreachable = Object.assign(new MemoryCoordination(), {
      enterLine: () => Promise.reject(new Error('Connection is closed.')),
    });
    const ctx = {
      clock: { now: () => new Date() },
      coordination: unreachable,
      log: { warn },
    } as unknown as ServiceContext<GatewayConfig>;
    const asked = { eventId: 'evt_1', join: true };
    expect(await queueAtEdge(rooms, asked, 'usr_a', ctx)).toEqual({ view: null, outcome: 'forwarded' });
    expect(await queueAtEdge(rooms, asked, 'usr_b', ctx)).toEqual({ view: null, outcome: 'forwarded' });
    expect(warn).toHaveBeenCalledTimes(1);
    // With the line back, the edge answers again.
    ctx.coordination = new MemoryCoordination();
    expect(await queueAtEdge(rooms, asked, 'usr_a', ctx)).toMatchObject({
      outcome: 'answered',
      view: { status: 'waiting', position: 1 },
    });
  });
});
