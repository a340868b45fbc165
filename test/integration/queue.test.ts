import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@tiketi/testing';
import { startTestPlatform, type Session, type TestPlatform } from '../support/platform';
import { paySandbox } from './admin.flow';

/** The waiting room through the gateway, as the web app and the booking page use it. */
let tp: TestPlatform;
let admin: Session;
const HOUR = 3_600_000;
const at = (ms: number) => new Date(Date.now() + ms).toISOString();

beforeAll(async () => {
  // A fast real-time ticker: this file checks the wiring, the services tests check the rules.
  tp = await startTestPlatform({ env: { QUEUE_TICK_MS: '100' } });
  admin = await tp.admin();
});
afterAll(async () => {
  await tp?.close();
});

async function onSaleEvent(title: string): Promise<string> {
  const created = await tp.api('POST', '/api/admin/events', {
    token: admin.accessToken,
    body: {
      title,
      category: 'concert',
      venueName: 'KSPO Dome',
      startsAt: at(48 * HOUR),
      endsAt: at(51 * HOUR),
      saleStartsAt: at(-HOUR),
      saleEndsAt: at(47 * HOUR),
      layout: { sections: [{ name: 'R', price: 99000, rows: [{ label: 'A', seats: 6 }] }] },
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = created.body.event.id as string;
  const published = await tp.api('POST', `/api/events/${id}/publish`, { token: admin.accessToken });
  expect(published.body.event.status).toBe('on_sale');
  return id;
}

describe('waiting room through the gateway', () => {
  it('guards its routes and validates settings', async () => {
    const id = await onSaleEvent('Queue Guards');
    const buyer = await tp.register();
    expect((await tp.api('POST', `/api/queue/${id}/join`)).status).toBe(401);
    expect((await tp.api('GET', `/api/admin/events/${id}/queue`, { token: buyer.accessToken })).status).toBe(
      403,
    );
    const bad = await tp.api('PUT', `/api/admin/events/${id}/queue`, {
      token: admin.accessToken,
      body: { mode: 'on', admissionsPerMinute: 0 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBeTruthy();
    const clash = await tp.api('PUT', `/api/admin/events/${id}/queue`, {
      token: admin.accessToken,
      body: { mode: 'on', enabled: false },
    });
    expect(clash.status).toBe(400);
    expect(clash.body.error.code).toBe('QUEUE_SETTINGS_INVALID');
    const missing = await tp.api('PUT', '/api/admin/events/evt_nope/queue', {
      token: admin.accessToken,
      body: { mode: 'on' },
    });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('EVENT_NOT_FOUND');
    expect((await tp.api('POST', '/api/queue/evt_nope/join', { token: buyer.accessToken })).status).toBe(404);

    // Without a waiting room a buyer is let straight in, and booking needs no token.
    const direct = await tp.api('POST', `/api/queue/${id}/join`, { token: buyer.accessToken });
    expect(direct.body).toMatchObject({ status: 'admitted', eventId: id });
    const booked = await tp.api('POST', '/api/tickets/book', {
      token: buyer.accessToken,
      body: { eventId: id, quantity: 1 },
    });
    expect(booked.status, JSON.stringify(booked.body)).toBe(201);
  });

  it('queues buyers, admits them on the ticker, and the booking route honours only their own token', async () => {
    const id = await onSaleEvent('Queue Flow');
    const put = await tp.api('PUT', `/api/admin/events/${id}/queue`, {
      token: admin.accessToken,
      body: {
        mode: 'on',
        admissionsPerMinute: 600,
        maxInside: 1,
        sessionMinutes: 5,
        preQueueMinutes: 10,
        heartbeatTimeoutSeconds: 60,
      },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body.settings).toMatchObject({
      eventId: id,
      mode: 'on',
      enabled: true,
      admissionsPerMinute: 600,
      maxInside: 1,
    });

    const [first, second] = [await tp.register(), await tp.register()];
    const noToken = await tp.api('POST', '/api/tickets/book', {
      token: first.accessToken,
      body: { eventId: id, quantity: 1 },
    });
    expect(noToken.status).toBe(403);
    expect(noToken.body.error.code).toBe('QUEUE_TOKEN_REQUIRED');

    const joined = await tp.api('POST', `/api/queue/${id}/join`, { token: first.accessToken });
    expect(joined.status).toBe(200);
    const admitted = await eventually(async () => {
      const res = await tp.api('GET', `/api/queue/${id}/status`, { token: first.accessToken });
      expect(res.body.status).toBe('admitted');
      return res.body as { token: string; expiresAt: string };
    }, 10_000);
    expect(Date.parse(admitted.expiresAt)).toBeGreaterThan(Date.now());

    // Only one buyer fits inside: the second waits at the head of the line.
    const waiting = await tp.api('POST', `/api/queue/${id}/join`, { token: second.accessToken });
    expect(waiting.body).toMatchObject({ status: 'waiting', position: 1, ahead: 0, preQueue: false });
    expect(waiting.body.etaSeconds).toBeGreaterThan(0);
    expect(
      (await tp.api('POST', `/api/queue/${id}/heartbeat`, { token: second.accessToken })).body.position,
    ).toBe(1);

    const stolen = await tp.api('POST', '/api/tickets/book', {
      token: second.accessToken,
      headers: { 'x-queue-token': admitted.token },
      body: { eventId: id, quantity: 1 },
    });
    expect(stolen.status).toBe(403);
    expect(stolen.body.error.code).toBe('QUEUE_TOKEN_INVALID');
    const own = await tp.api('POST', '/api/tickets/book', {
      token: first.accessToken,
      headers: { 'x-queue-token': admitted.token },
      body: { eventId: id, quantity: 1 },
    });
    expect(own.status, JSON.stringify(own.body)).toBe(201);

    const live = await tp.api('GET', `/api/admin/events/${id}/queue`, { token: admin.accessToken });
    expect(live.body.live).toMatchObject({ active: true, closed: false, waiting: 1, inside: 1 });
    expect(live.body.live.admittedPerMinute).toBeGreaterThan(0);

    // Leaving ends the first buyer's session at once and makes room for the second.
    expect((await tp.api('POST', `/api/queue/${id}/leave`, { token: first.accessToken })).status).toBe(204);
    expect((await tp.api('GET', `/api/queue/${id}/status`, { token: first.accessToken })).body.status).toBe(
      'none',
    );
    await eventually(async () => {
      const res = await tp.api('GET', `/api/queue/${id}/status`, { token: second.accessToken });
      expect(res.body.status).toBe('admitted');
    }, 10_000);
  });

  it('gives a buyer’s place inside back once their purchase is confirmed, so the next in line gets in', async () => {
    const id = await onSaleEvent('Queue Purchase');
    await tp.api('PUT', `/api/admin/events/${id}/queue`, {
      token: admin.accessToken,
      body: {
        mode: 'on',
        admissionsPerMinute: 600,
        maxInside: 1,
        sessionMinutes: 10,
        heartbeatTimeoutSeconds: 60,
      },
    });
    const [first, second] = [await tp.register(), await tp.register()];
    await tp.api('POST', `/api/queue/${id}/join`, { token: first.accessToken });
    const admitted = await eventually(async () => {
      const res = await tp.api('GET', `/api/queue/${id}/status`, { token: first.accessToken });
      expect(res.body.status).toBe('admitted');
      return res.body as { token: string };
    }, 10_000);
    const waiting = await tp.api('POST', `/api/queue/${id}/join`, { token: second.accessToken });
    expect(waiting.body).toMatchObject({ status: 'waiting', position: 1 });
    // The room's one place is the first buyer's for ten minutes: the second is told about that long.
    expect(waiting.body.etaSeconds).toBeGreaterThan(9 * 60);

    const held = await tp.api('POST', '/api/tickets/book', {
      token: first.accessToken,
      headers: { 'x-queue-token': admitted.token },
      body: { eventId: id, quantity: 2 },
    });
    expect(held.status, JSON.stringify(held.body)).toBe(201);
    // Still inside while paying.
    expect((await tp.api('GET', `/api/queue/${id}/status`, { token: first.accessToken })).body.status).toBe(
      'admitted',
    );
    await paySandbox(tp, first, held.body.reservation.id);

    // Paid: the place is given back; buying again means joining the line again.
    await eventually(async () => {
      const res = await tp.api('GET', `/api/queue/${id}/status`, { token: first.accessToken });
      expect(res.body.status).toBe('none');
    }, 10_000);
    const again = await tp.api('POST', '/api/tickets/book', {
      token: first.accessToken,
      headers: { 'x-queue-token': admitted.token },
      body: { eventId: id, quantity: 1 },
    });
    expect(again.status).toBe(403);
    expect(again.body.error).toMatchObject({ code: 'QUEUE_TOKEN_INVALID', details: { reason: 'ended' } });
    await eventually(async () => {
      const res = await tp.api('GET', `/api/queue/${id}/status`, { token: second.accessToken });
      expect(res.body.status).toBe('admitted');
    }, 10_000);
  });
});
