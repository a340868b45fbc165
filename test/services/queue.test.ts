import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql } from 'kysely';
import { AppError } from '@tiketi/platform';
import { startTestService, type TestService } from '@tiketi/testing';
import { createTicketService, type TicketConfig } from '@tiketi/ticket';
import { queueRuntime, signAdmission, type QueueRuntime } from '../../services/ticket/src/queue';
import { buyer, createEvent, fakeClock } from './queue.fixtures';

async function expectAppError(promise: Promise<unknown>, code: string): Promise<void> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe(code);
}

describe('waiting room', () => {
  const clock = fakeClock();
  let svc: TestService<TicketConfig>;
  let q: QueueRuntime;
  let admin: { headers: { authorization: string } };
  const pushes: Array<{ userId: string; name: string; payload: any }> = [];

  async function configure(eventId: string, body: Record<string, unknown>) {
    const res = await svc.app.inject({
      method: 'PUT',
      url: `/api/admin/events/${eventId}/queue`,
      headers: admin.headers,
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  }

  /** Ticks every `stepMs` of simulated time (a second by default); returns who was admitted, in order. */
  async function runFor(seconds: number, eventId: string, stepMs = 1000): Promise<string[]> {
    const admitted: string[] = [];
    for (let elapsed = 0; elapsed < seconds * 1000; elapsed += stepMs) {
      clock.advance(stepMs);
      const result = await q.ticker.tick();
      admitted.push(...(result.admitted[eventId] ?? []));
    }
    return admitted;
  }

  beforeAll(async () => {
    svc = await startTestService(createTicketService(), { clock, env: { QUEUE_TICK_MS: '0' } });
    q = queueRuntime(svc.ctx);
    admin = await svc.issuer.user('admin');
    const original = q.shared.realtime;
    q.shared.realtime = {
      toEvent: (e, n, p) => original.toEvent(e, n, p),
      toUser: (userId, name, payload) => {
        pushes.push({ userId, name, payload });
        original.toUser(userId, name, payload);
      },
      toUsers: (name, messages) => {
        for (const { userId, payload } of messages) pushes.push({ userId, name, payload: payload as never });
        original.toUsers(name, messages);
      },
    };
  });
  afterEach(async () => {
    // Earlier tests' rooms would otherwise keep ticking (and pushing) through later tests.
    await svc.ctx.db.updateTable('queue_settings').set({ mode: 'off' }).execute();
  });
  afterAll(async () => svc?.close());

  it('admits post-opening arrivals in join order, and joining twice keeps the place', async () => {
    const eventId = await createEvent(svc.ctx, clock.t - 60_000);
    await configure(eventId, {
      mode: 'on',
      admissionsPerMinute: 60,
      maxInside: 100,
      heartbeatTimeoutSeconds: 3600,
    });
    const users = await Promise.all(Array.from({ length: 8 }, () => svc.issuer.user('user')));
    for (const [i, user] of users.entries()) {
      const res = await svc.app.inject({
        method: 'POST',
        url: `/api/queue/${eventId}/join`,
        headers: user.headers,
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ status: 'waiting', position: i + 1, ahead: i, preQueue: false });
      clock.advance(10);
    }
    const again = await svc.app.inject({
      method: 'POST',
      url: `/api/queue/${eventId}/join`,
      headers: users[2]!.headers,
    });
    expect(again.json()).toMatchObject({ status: 'waiting', position: 3 });

    const admitted = await runFor(10, eventId);
    expect(admitted).toEqual(users.map((u) => u.id));
    const status = await svc.app.inject({
      method: 'GET',
      url: `/api/queue/${eventId}/status`,
      headers: users[0]!.headers,
    });
    expect(status.json()).toMatchObject({ status: 'admitted', eventId });
    expect(
      pushes.some(
        (p) =>
          p.userId === users[0]!.id && p.name === 'queue:admitted' && p.payload.token === status.json().token,
      ),
    ).toBe(true);
    // Joining while admitted hands back the same admission instead of a new place.
    const rejoin = await svc.app.inject({
      method: 'POST',
      url: `/api/queue/${eventId}/join`,
      headers: users[0]!.headers,
    });
    expect(rejoin.json()).toMatchObject({ status: 'admitted', token: status.json().token });

    const outbox = await sql<{
      n: string;
    }>`select count(*) as n from ${sql.table('ticket.outbox')} where type = 'queue.admitted' and payload->'data'->>'eventId' = ${eventId}`.execute(
      svc.ctx.db,
    );
    expect(Number(outbox.rows[0]!.n)).toBe(users.length);
    const audit = await sql<{
      n: string;
    }>`select count(*) as n from ${sql.table('ticket.outbox')} where type = 'audit.recorded' and payload->'data'->>'targetId' = ${eventId} and payload->'data'->>'action' = 'event.queue'`.execute(
      svc.ctx.db,
    );
    expect(Number(audit.rows[0]!.n)).toBe(1);
    const metrics = await svc.ctx.metrics.metrics();
    expect(metrics).toContain(
      `tiketi_queue_admitted_total{event_id="${eventId}",service="ticket"} ${users.length}`,
    );
    expect(metrics).toContain('tiketi_queue_wait_seconds_bucket');
  });

  it('shuffles pre-queue arrivals at opening and admits them before anyone who came later', async () => {
    const opensAt = clock.t + 10 * 60_000;
    const eventId = await createEvent(svc.ctx, opensAt, 50, 'scheduled');
    await configure(eventId, {
      mode: 'on',
      admissionsPerMinute: 600,
      maxInside: 1000,
      preQueueMinutes: 30,
      heartbeatTimeoutSeconds: 3600,
    });
    const early = Array.from({ length: 20 }, buyer);
    for (const user of early) {
      const view = await q.service.join(eventId, user);
      expect(view).toMatchObject({ status: 'waiting', preQueue: true });
      clock.advance(100);
    }
    // Nobody is admitted before the sale opens.
    expect(await runFor(5, eventId)).toEqual([]);
    clock.t = opensAt + 1;
    const late = Array.from({ length: 5 }, buyer);
    for (const user of late) {
      expect(await q.service.join(eventId, user)).toMatchObject({ status: 'waiting', preQueue: false });
      clock.advance(1);
    }
    const admitted = await runFor(10, eventId);
    expect(admitted).toHaveLength(25);
    const firstIds = admitted.slice(0, 20);
    expect([...firstIds].sort()).toEqual(early.map((u) => u.id).sort());
    // 20! orders: the join order coming back unchanged would mean no shuffle happened.
    expect(firstIds).not.toEqual(early.map((u) => u.id));
    expect(admitted.slice(20)).toEqual(late.map((u) => u.id));
  });

  it('keeps the admission rate within 5% of the setting over a minute and gives an ETA from it', async () => {
    const eventId = await createEvent(svc.ctx, clock.t - 1000);
    await configure(eventId, {
      mode: 'on',
      admissionsPerMinute: 120,
      maxInside: 10_000,
      heartbeatTimeoutSeconds: 3600,
    });
    const users = Array.from({ length: 150 }, buyer);
    for (const user of users) await q.service.join(eventId, user);
    const admitted = await runFor(60, eventId, 2000);
    expect(Math.abs(admitted.length - 120)).toBeLessThanOrEqual(6);
    expect(admitted).toEqual(users.slice(0, admitted.length).map((u) => u.id));

    const res = await svc.app.inject({
      method: 'GET',
      url: `/api/admin/events/${eventId}/queue`,
      headers: admin.headers,
    });
    const live = res.json().live;
    expect(live.waiting).toBe(150 - admitted.length);
    expect(live.inside).toBe(admitted.length);
    expect(Math.abs(live.admittedPerMinute - 120)).toBeLessThanOrEqual(6);
    const view = await q.service.status(eventId, users[admitted.length + 19]!.id);
    expect(view.position).toBe(20);
    // 20 ahead at a measured ~120/min is about 10 s.
    expect(view.etaSeconds).toBeGreaterThanOrEqual(9);
    expect(view.etaSeconds).toBeLessThanOrEqual(11);
  });

  it('tells a line behind a full room when the room’s sessions free its places, in polls, pushes and to the gateway', async () => {
    const eventId = await createEvent(svc.ctx, clock.t - 1000);
    await configure(eventId, {
      mode: 'on',
      admissionsPerMinute: 600,
      maxInside: 2,
      sessionMinutes: 10,
      heartbeatTimeoutSeconds: 3600,
    });
    const users = Array.from({ length: 5 }, buyer);
    for (const user of users) await q.service.join(eventId, user);
    expect(await runFor(2, eventId)).toEqual(users.slice(0, 2).map((u) => u.id));
    clock.advance(60_000);
    pushes.length = 0;
    expect(await runFor(1, eventId)).toEqual([]);

    // The two inside (let in a tick apart) hold their places nine minutes more; the third waiter
    // takes the first place again, a session later. At the admission rate alone (600 a minute, or
    // nothing measured in the last minute) the answers were 1 to 3 s.
    const etas = [];
    for (const user of users.slice(2)) etas.push((await q.service.status(eventId, user.id)).etaSeconds);
    expect(etas).toEqual([538, 539, 538 + 600]);
    const pushed = users
      .slice(2)
      .map((u) => pushes.find((p) => p.userId === u.id && p.name === 'queue:update')?.payload.etaSeconds);
    expect(pushed).toEqual([538, 539, 538 + 600]);
    expect(q.service.edgeHint(eventId)).toContain('inside=2; session=600000');
  });

  it('binds the token to user, event and time, and refuses forgeries', async () => {
    const eventA = await createEvent(svc.ctx, clock.t - 1000);
    const eventB = await createEvent(svc.ctx, clock.t - 1000);
    const eventOff = await createEvent(svc.ctx, clock.t - 1000);
    await configure(eventA, { mode: 'on', admissionsPerMinute: 600, sessionMinutes: 5 });
    await configure(eventB, { mode: 'on', admissionsPerMinute: 600, sessionMinutes: 5 });
    const alice = buyer();
    const bob = buyer();
    await q.service.join(eventA, alice);
    await q.service.join(eventA, bob);
    await runFor(1, eventA);
    const a = await q.service.status(eventA, alice.id);
    expect(a.status).toBe('admitted');
    const gate = q.shared.queueGate;

    await gate.assertAdmitted(eventA, alice.id, a.token);
    await expectAppError(gate.assertAdmitted(eventA, alice.id, undefined), 'QUEUE_TOKEN_REQUIRED');
    await expectAppError(gate.assertAdmitted(eventB, alice.id, a.token), 'QUEUE_TOKEN_INVALID');
    await expectAppError(gate.assertAdmitted(eventA, bob.id, a.token), 'QUEUE_TOKEN_INVALID');
    const expiresAt = Date.parse(a.expiresAt!);
    const forged = signAdmission('not-the-server-secret-at-all', {
      eventId: eventA,
      userId: alice.id,
      expiresAt,
    });
    await expectAppError(gate.assertAdmitted(eventA, alice.id, forged), 'QUEUE_TOKEN_INVALID');
    const [prefix, , mac] = a.token!.split('.');
    const stretched = Buffer.from(
      JSON.stringify({ e: eventA, u: alice.id, x: expiresAt + 3_600_000, n: 'x' }),
    ).toString('base64url');
    await expectAppError(
      gate.assertAdmitted(eventA, alice.id, `${prefix}.${stretched}.${mac}`),
      'QUEUE_TOKEN_INVALID',
    );
    // No waiting room for the event: the gate lets everyone through.
    await gate.assertAdmitted(eventOff, alice.id, undefined);

    clock.advance(5 * 60_000 + 1);
    await expectAppError(gate.assertAdmitted(eventA, alice.id, a.token), 'QUEUE_TOKEN_INVALID');
    expect((await q.service.status(eventA, alice.id)).status).toBe('none');

    // Leaving ends an admission at once, before its token expires.
    const carol = buyer();
    await q.service.join(eventA, carol);
    await runFor(1, eventA);
    const c = await q.service.status(eventA, carol.id);
    await gate.assertAdmitted(eventA, carol.id, c.token);
    await q.service.leave(eventA, carol.id);
    await expectAppError(gate.assertAdmitted(eventA, carol.id, c.token), 'QUEUE_TOKEN_INVALID');
  });

  it('stops admitting at sell-out, tells the waiting buyers, and resumes when seats return', async () => {
    const eventId = await createEvent(svc.ctx, clock.t - 1000, 2);
    await configure(eventId, {
      mode: 'on',
      admissionsPerMinute: 60,
      maxInside: 100,
      heartbeatTimeoutSeconds: 3600,
    });
    const users = Array.from({ length: 4 }, buyer);
    for (const user of users) await q.service.join(eventId, user);
    expect(await runFor(1, eventId)).toEqual([users[0]!.id]);

    await svc.ctx.db.updateTable('seats').set({ status: 'sold' }).where('event_id', '=', eventId).execute();
    pushes.length = 0;
    expect(await runFor(5, eventId)).toEqual([]);
    const closed = pushes.filter((p) => p.name === 'queue:closed').map((p) => p.userId);
    expect(closed.sort()).toEqual(
      users
        .slice(1)
        .map((u) => u.id)
        .sort(),
    );
    expect(pushes.filter((p) => p.name === 'queue:closed').every((p) => p.payload.eventId === eventId)).toBe(
      true,
    );
    expect(await q.service.status(eventId, users[1]!.id)).toMatchObject({
      status: 'closed',
      position: 1,
      etaSeconds: null,
    });

    // A hold expired: a seat is back, and the line moves again in order.
    const [seat] = await svc.ctx.db
      .selectFrom('seats')
      .select('id')
      .where('event_id', '=', eventId)
      .execute();
    await svc.ctx.db.updateTable('seats').set({ status: 'available' }).where('id', '=', seat!.id).execute();
    expect(await runFor(1, eventId)).toEqual([users[1]!.id]);
    expect((await q.service.status(eventId, users[2]!.id)).status).toBe('waiting');
  });

  it('drops buyers who stop heartbeating and lets the next in when a session ends', async () => {
    const eventId = await createEvent(svc.ctx, clock.t - 1000);
    await configure(eventId, {
      mode: 'on',
      admissionsPerMinute: 60,
      maxInside: 1,
      sessionMinutes: 2,
      heartbeatTimeoutSeconds: 30,
    });
    const [first, second, gone] = [buyer(), buyer(), buyer()];
    for (const user of [first, second, gone]) await q.service.join(eventId, user);
    expect(await runFor(1, eventId)).toEqual([first.id]);
    // The room is full: nobody else gets in while `first` is inside.
    for (let i = 0; i < 4; i += 1) {
      expect(await runFor(25, eventId, 5000)).toEqual([]);
      await q.service.status(eventId, second.id);
    }
    expect((await q.service.status(eventId, gone.id)).status).toBe('none');
    expect((await q.service.status(eventId, second.id)).position).toBe(1);
    expect(await runFor(25, eventId, 5000)).toEqual([second.id]);
    const res = await svc.app.inject({
      method: 'GET',
      url: `/api/admin/events/${eventId}/queue`,
      headers: admin.headers,
    });
    expect(res.json().live).toMatchObject({ waiting: 0, inside: 1, abandoned: 1 });
  });
  it('auto mode lets buyers straight in until arrivals pass the threshold, then queues and guards', async () => {
    const eventId = await createEvent(svc.ctx, clock.t - 1000);
    await configure(eventId, {
      mode: 'auto',
      autoThreshold: 3,
      admissionsPerMinute: 60,
      maxInside: 100,
      heartbeatTimeoutSeconds: 3600,
    });
    const gate = q.shared.queueGate;
    await gate.assertAdmitted(eventId, buyer().id, undefined);
    const users = Array.from({ length: 5 }, buyer);
    const views = [];
    for (const user of users) views.push(await q.service.join(eventId, user));
    expect(views.map((v) => v.status)).toEqual(['admitted', 'admitted', 'admitted', 'waiting', 'waiting']);
    expect(views[4]).toMatchObject({ position: 2 });
    await expectAppError(gate.assertAdmitted(eventId, buyer().id, undefined), 'QUEUE_TOKEN_REQUIRED');
    await gate.assertAdmitted(eventId, users[0]!.id, views[0]!.token);
    expect(await runFor(2, eventId)).toEqual([users[3]!.id, users[4]!.id]);
    // Once the rush is over and nobody waits, the room stands down.
    clock.advance(6 * 60_000);
    await gate.assertAdmitted(eventId, buyer().id, undefined);
  });

  it('lets the waiting buyers in when the operator switches the room off', async () => {
    const eventId = await createEvent(svc.ctx, clock.t - 1000);
    await configure(eventId, {
      mode: 'on',
      admissionsPerMinute: 60,
      maxInside: 1,
      heartbeatTimeoutSeconds: 3600,
    });
    const [first, second] = [buyer(), buyer()];
    await q.service.join(eventId, first);
    await q.service.join(eventId, second);
    expect(await runFor(1, eventId)).toEqual([first.id]);
    await expectAppError(
      q.shared.queueGate.assertAdmitted(eventId, second.id, undefined),
      'QUEUE_TOKEN_REQUIRED',
    );
    const off = await configure(eventId, { enabled: false });
    expect(off.settings).toMatchObject({ mode: 'off', enabled: false, maxInside: 1 });
    await q.shared.queueGate.assertAdmitted(eventId, second.id, undefined);
    expect(await q.service.status(eventId, second.id)).toMatchObject({ status: 'admitted' });
  });
  it('reads a room once for a crowd joining together, and keeps no read an operator overtook', async () => {
    const eventId = await createEvent(svc.ctx, clock.t - 1000);
    await configure(eventId, {
      mode: 'on',
      admissionsPerMinute: 60,
      maxInside: 100,
      heartbeatTimeoutSeconds: 3600,
    });
    const repo = q.service.repo;
    const readSettings = repo.settings.bind(repo);
    const eventReads = vi.spyOn(repo, 'event');
    const settingsReads = vi.spyOn(repo, 'settings');
    try {
      const crowd = Array.from({ length: 40 }, () => buyer());
      const views = await Promise.all(crowd.map((user) => q.service.join(eventId, user)));
      expect(views.map((v) => v.position).sort((a, b) => a! - b!)).toEqual(crowd.map((_, i) => i + 1));
      expect(eventReads).toHaveBeenCalledTimes(1);
      expect(settingsReads).toHaveBeenCalledTimes(1);

      // A read that started before the operator switched the room off, and ends after it.
      q.service.forget(eventId);
      let release!: () => void;
      let readDone!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const read = new Promise<void>((resolve) => (readDone = resolve));
      settingsReads.mockImplementationOnce(async (id) => {
        const settings = await readSettings(id);
        readDone();
        await held;
        return settings;
      });
      const overtaken = q.service.room(eventId);
      // The switch must come after the row was read, or the read could see it (a slow CI did).
      await read;
      await configure(eventId, { enabled: false });
      release();
      expect((await overtaken).settings.mode).toBe('on');
      expect((await q.service.room(eventId)).settings.mode).toBe('off');
    } finally {
      vi.restoreAllMocks();
    }
  });
  it('tells the buyers still waiting when the sale ends and leaves no state behind', async () => {
    const eventId = await createEvent(svc.ctx, clock.t - 1000);
    await configure(eventId, {
      mode: 'on',
      admissionsPerMinute: 60,
      maxInside: 1,
      heartbeatTimeoutSeconds: 3600,
    });
    const [inside, waiting] = [buyer(), buyer()];
    await q.service.join(eventId, inside);
    await q.service.join(eventId, waiting);
    expect(await runFor(1, eventId)).toEqual([inside.id]);
    await svc.ctx.db
      .updateTable('events')
      .set({ sale_ends_at: new Date(clock.t + 500) })
      .where('id', '=', eventId)
      .execute();
    pushes.length = 0;
    expect(await runFor(1, eventId)).toEqual([]);
    expect(pushes.filter((p) => p.name === 'queue:closed').map((p) => p.userId)).toEqual([waiting.id]);
    expect((await q.service.status(eventId, waiting.id)).status).toBe('none');
    const res = await svc.app.inject({
      method: 'GET',
      url: `/api/admin/events/${eventId}/queue`,
      headers: admin.headers,
    });
    expect(res.json().live).toMatchObject({ waiting: 0, inside: 0 });
  });
});
