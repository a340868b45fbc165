import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestService, type TestService } from '@tiketi/testing';
import { createTicketService, type TicketConfig } from '@tiketi/ticket';
import { bookingInstance } from '../../services/ticket/src/booking/booking.area';
import { createEventFixture, type EventFixture } from './booking.fixtures';

/** GET /api/events/:id/seats served from per-version bodies: ETag/304, gzip, and no stale body after a change. */
let svc: TestService<TicketConfig>;
let event: EventFixture;

beforeAll(async () => {
  svc = await startTestService(createTicketService());
  // 1,200 seats: several separately compressed pieces.
  event = await createEventFixture(svc.ctx.db, { rows: 6, seatsPerRow: 200 });
});
afterAll(async () => {
  await svc?.close();
});

function getMap(headers: Record<string, string> = {}) {
  return svc.app.inject({ method: 'GET', url: `/api/events/${event.eventId}/seats`, headers });
}

type SeatMap = { eventId: string; version: number; seats: Array<{ id: string; status: string }> };

describe('seat map bodies', () => {
  it('sends gzip that decodes to exactly the plain JSON, with a strong ETag and Vary', async () => {
    const plain = await getMap();
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-type']).toMatch(/^application\/json/);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toMatch(/accept-encoding/i);
    const etag = String(plain.headers.etag);
    expect(etag).toMatch(new RegExp(`^"${event.eventId}\\.\\d+\\.\\d+\\.[0-9a-z]+"$`));
    const map = plain.json() as SeatMap;
    expect(map.eventId).toBe(event.eventId);
    expect(map.seats).toHaveLength(1200);
    expect(Object.keys(map.seats[0]!).sort()).toEqual(
      [
        'accessible',
        'id',
        'label',
        'number',
        'price',
        'row',
        'section',
        'sectionId',
        'status',
        'x',
        'y',
      ].sort(),
    );

    const zipped = await getMap({ 'accept-encoding': 'gzip, deflate, br' });
    expect(zipped.statusCode).toBe(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toMatch(/accept-encoding/i);
    expect(zipped.headers.etag).not.toBe(etag);
    expect(zipped.rawPayload.length).toBeLessThan(plain.rawPayload.length / 4);
    expect(gunzipSync(zipped.rawPayload).toString()).toBe(plain.body);
  });

  it('answers If-None-Match with 304 and no body while the map is unchanged', async () => {
    const first = await getMap();
    const zipped = await getMap({ 'accept-encoding': 'gzip' });
    for (const tag of [String(first.headers.etag), String(zipped.headers.etag), `W/${first.headers.etag}`]) {
      const again = await getMap({ 'if-none-match': tag, 'accept-encoding': 'gzip' });
      expect(again.statusCode).toBe(304);
      expect(again.rawPayload.length).toBe(0);
      expect(again.headers.etag).toBe(zipped.headers.etag);
    }
    expect((await getMap({ 'if-none-match': '"somewhere-else"' })).statusCode).toBe(200);
  });

  it('serves a new version, never the stale body, after a hold and after a layout change', async () => {
    const before = await getMap();
    const beforeZipped = await getMap({ 'accept-encoding': 'gzip' });
    const old = before.json() as SeatMap;
    // A seat in a later piece than the first: only that piece is rebuilt.
    const seatId = event.rows.E![17]!;
    const buyer = await svc.issuer.user('user');
    const held = await svc.app.inject({
      method: 'POST',
      url: '/api/tickets/book',
      headers: buyer.headers,
      payload: { eventId: event.eventId, seatIds: [seatId] },
    });
    expect(held.statusCode, held.body).toBe(201);

    for (const tag of [before.headers.etag, beforeZipped.headers.etag]) {
      const after = await getMap({ 'if-none-match': String(tag), 'accept-encoding': 'gzip' });
      expect(after.statusCode).toBe(200);
      const map = JSON.parse(gunzipSync(after.rawPayload).toString()) as SeatMap;
      expect(map.version).toBeGreaterThan(old.version);
      expect(map.seats.find((s) => s.id === seatId)?.status).toBe('held');
      expect(map.seats.filter((s) => s.status !== 'available')).toHaveLength(1);
    }
    const plainAfter = await getMap();
    expect(plainAfter.headers.etag).not.toBe(before.headers.etag);
    expect((plainAfter.json() as SeatMap).seats.find((s) => s.id === seatId)?.status).toBe('held');

    // A layout edit changes the validator even where the status version did not move.
    await svc.ctx.db
      .updateTable('events')
      .set((eb) => ({ layout_version: eb('layout_version', '+', 1) }))
      .where('id', '=', event.eventId)
      .execute();
    // Buyers' reads share the event row for up to a second; an administrator's read the new one at once.
    const admin = await svc.issuer.user('admin');
    const adminView = await getMap({ ...admin.headers, 'if-none-match': String(plainAfter.headers.etag) });
    expect(adminView.statusCode).toBe(200);
    expect(adminView.headers.etag).not.toBe(plainAfter.headers.etag);
    const relaid = await getMap({ 'if-none-match': String(plainAfter.headers.etag) });
    expect(relaid.statusCode).toBe(200);
    expect(relaid.headers.etag).not.toBe(plainAfter.headers.etag);
    expect(relaid.body).toBe(
      plainAfter.body.replace(/"version":\d+/, `"version":${(relaid.json() as SeatMap).version}`),
    );
  });

  it('documents the 304 and keeps the 200 schema in the OpenAPI', async () => {
    const doc = (await svc.app.inject({ method: 'GET', url: '/api-docs/json' })).json();
    const op = doc.paths['/api/events/{id}/seats'].get;
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '304', '404']));
    expect(op.responses['200'].content['application/json'].schema.properties.seats).toBeDefined();
    expect(op.parameters.map((p: { name: string }) => p.name)).toContain('if-none-match');
  });

  it('gives 404 for an unknown event and gzip-free identity when gzip is refused', async () => {
    const missing = await svc.app.inject({ method: 'GET', url: '/api/events/evt_missing/seats' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('EVENT_NOT_FOUND');
    const refused = await getMap({ 'accept-encoding': 'gzip;q=0, identity' });
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect((refused.json() as SeatMap).seats).toHaveLength(1200);
  });
});

describe('the event row behind the seat map', () => {
  it('is read once for many reads, and again at once for a reader it would turn away', async () => {
    const runtime = bookingInstance(svc.ctx).runtime;
    const draft = await createEventFixture(svc.ctx.db, { rows: 2, seatsPerRow: 10, status: 'draft' });
    const read = (headers: Record<string, string> = {}) =>
      svc.app.inject({ method: 'GET', url: `/api/events/${draft.eventId}/seats`, headers });
    const setStatus = (status: string) =>
      svc.ctx.db.updateTable('events').set({ status }).where('id', '=', draft.eventId).execute();
    // Every read of the row from the database goes through fresh().
    const fresh = vi.spyOn(runtime.events, 'fresh');
    const rowReads = () => fresh.mock.calls.filter(([id]) => id === draft.eventId).length;
    try {
      expect((await read()).statusCode).toBe(404);
      expect(rowReads()).toBe(1);
      // Published a moment later: the kept draft row does not turn the buyer away.
      await setStatus('on_sale');
      for (let i = 0; i < 30; i += 1) expect((await read()).statusCode).toBe(200);
      expect(rowReads()).toBe(2);

      // Back to draft: an administrator reads the row each time; buyers may see the map for the
      // rest of the row's second, then get 404 again.
      await setStatus('draft');
      const admin = await svc.issuer.user('admin');
      expect((await read(admin.headers)).statusCode).toBe(200);
      expect(rowReads()).toBe(3);
      runtime.events.invalidate(draft.eventId);
      expect((await read()).statusCode).toBe(404);
    } finally {
      fresh.mockRestore();
    }
  });
});

describe('seat map under a crowd', () => {
  it('stays in step with holds committed while it is read, without reloading the event for each one', async () => {
    const crowd = await createEventFixture(svc.ctx.db, { rows: 10, seatsPerRow: 40, seatLimit: 4 });
    const mapOf = () => svc.app.inject({ method: 'GET', url: `/api/events/${crowd.eventId}/seats` });
    expect((await mapOf()).statusCode).toBe(200);
    // Every read of the event's seats by the map cache is counted.
    const cache = bookingInstance(svc.ctx).runtime.seatMap as unknown as {
      load: (...args: unknown[]) => Promise<unknown>;
    };
    const spy = vi.spyOn(cache, 'load');
    let buyers: Array<{ headers: Record<string, string> }>;
    let answers: Array<{ statusCode: number; json(): any }>;
    try {
      buyers = await Promise.all(Array.from({ length: 150 }, () => svc.issuer.user('user')));
      // Best available reads the map for every attempt while the other holds commit.
      answers = await Promise.all(
        buyers.map((b) =>
          svc.app.inject({
            method: 'POST',
            url: '/api/tickets/book',
            headers: b.headers,
            payload: { eventId: crowd.eventId, quantity: 2 },
          }),
        ),
      );
      expect(answers.filter((a) => a.statusCode === 201)).toHaveLength(150);
      expect(spy.mock.calls.length).toBe(0);
    } finally {
      spy.mockRestore();
    }
    // What the map shows is what PostgreSQL holds.
    const shown = (await mapOf()).json() as SeatMap;
    const truth = await svc.ctx.db
      .selectFrom('seats')
      .select(['id', 'status'])
      .where('event_id', '=', crowd.eventId)
      .execute();
    expect(Object.fromEntries(shown.seats.map((s) => [s.id, s.status]))).toEqual(
      Object.fromEntries(truth.map((r) => [r.id, r.status])),
    );
    expect(shown.seats.filter((s) => s.status === 'held')).toHaveLength(300);

    // Best available refuses at once on the count of available seats: the count follows every change.
    const runtime = bookingInstance(svc.ctx).runtime;
    const available = async () => (await runtime.seatMap.get(crowd.eventId, 0))!.available;
    expect(await available()).toBe(100);
    const won = answers.find((a) => a.statusCode === 201)!.json().reservation as { id: string };
    const cancelled = await svc.app.inject({
      method: 'POST',
      url: `/api/reservations/${won.id}/cancel`,
      headers: buyers[answers.findIndex((a) => a.json().reservation?.id === won.id)]!.headers,
    });
    expect(cancelled.statusCode).toBe(200);
    expect(await available()).toBe(102);
    const rest = await Promise.all(
      Array.from({ length: 26 }, () => svc.issuer.user('user')).map(async (pending) => {
        const b = await pending;
        return svc.app.inject({
          method: 'POST',
          url: '/api/tickets/book',
          headers: b.headers,
          payload: { eventId: crowd.eventId, quantity: 4 },
        });
      }),
    );
    expect(rest.filter((a) => a.statusCode === 201)).toHaveLength(25);
    expect(await available()).toBe(2);
    const refused = rest.find((a) => a.statusCode !== 201)!;
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('SEAT_UNAVAILABLE');
  });
});
