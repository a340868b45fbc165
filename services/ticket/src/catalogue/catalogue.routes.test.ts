import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { catalogueFor } from './catalogue.registry';
import { compactLayout, eventBody, startCatalogue, type CatalogueHarness } from './catalogue.testkit';

let h: CatalogueHarness;
beforeAll(async () => {
  h = await startCatalogue();
});
afterAll(async () => {
  await h?.close();
});

const inject = (method: string, url: string, headers?: Record<string, string>, payload?: unknown) =>
  h.svc.app.inject({
    method: method as 'GET',
    url,
    headers,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });

async function createEvent(overrides: Record<string, unknown> = {}): Promise<string> {
  const res = await inject('POST', '/api/events', h.admin, eventBody(overrides));
  expect(res.statusCode, res.body).toBe(201);
  return res.json().event.id;
}

async function outboxTypes(eventId: string): Promise<string[]> {
  const rows = await sql<{
    type: string;
  }>`select type from ${sql.table('ticket.outbox')} where payload->'data'->>'eventId' = ${eventId} order by id`.execute(
    h.svc.ctx.db,
  );
  return rows.rows.map((r) => r.type);
}

const status = async (id: string) => (await inject('GET', `/api/events/${id}`, h.admin)).json().event.status;

describe('event lifecycle', () => {
  it('creates a draft with sections and seats, hidden from the public until published', async () => {
    const res = await inject('POST', '/api/admin/events', h.admin, eventBody({ title: 'Draft Show' }));
    expect(res.statusCode).toBe(201);
    const event = res.json().event;
    expect(event).toMatchObject({
      status: 'draft',
      seatsTotal: 25,
      seatsAvailable: 25,
      priceMin: 99000,
      priceMax: 150000,
      seatLimit: 4,
      holdMinutes: 10,
    });
    expect(event.sections.map((s: { name: string; seatsTotal: number }) => [s.name, s.seatsTotal])).toEqual([
      ['VIP', 20],
      ['R', 5],
    ]);
    expect((await inject('GET', `/api/events/${event.id}`)).statusCode).toBe(404);
    expect((await inject('GET', `/api/events/${event.id}`)).json().error.code).toBe('EVENT_NOT_FOUND');
    const list = (await inject('GET', '/api/events?limit=100')).json();
    expect(list.items.map((e: { id: string }) => e.id)).not.toContain(event.id);
  });

  it('lets the edge share what buyers read for a second, never what an administrator reads', async () => {
    const id = await createEvent({ title: 'Shared Show' });
    expect((await inject('POST', `/api/events/${id}/publish`, h.admin)).statusCode).toBe(200);
    for (const url of [`/api/events/${id}`, '/api/events?limit=5']) {
      expect((await inject('GET', url)).headers['cache-control'], url).toBe('public, max-age=0, s-maxage=1');
      expect((await inject('GET', url, h.admin)).headers['cache-control'], url).toBe('private, no-store');
    }
    // Not found is not shared: a draft published a moment later shows at once.
    expect((await inject('GET', '/api/events/evt_missing')).headers['cache-control']).toBeUndefined();
  });

  it('walks draft -> scheduled -> on_sale -> sold_out -> on_sale -> sale_closed -> ended on the clock and on seat changes', async () => {
    h.clock.set('2026-03-01T00:00:00Z');
    const id = await createEvent({ title: 'Lifecycle Show' });
    const published = await inject('POST', `/api/events/${id}/publish`, h.admin);
    expect(published.statusCode).toBe(200);
    expect(published.json().event.status).toBe('scheduled');
    expect((await inject('GET', `/api/events/${id}`)).json().event.status).toBe('scheduled');

    const { scheduler, events } = catalogueFor(h.svc.ctx);
    h.clock.set('2026-03-10T01:00:00Z');
    await scheduler.tick();
    expect(await status(id)).toBe('on_sale');
    // Public detail is cached but invalidated by the transition.
    expect((await inject('GET', `/api/events/${id}`)).json().event.status).toBe('on_sale');

    await sql`update ${sql.table('ticket.seats')} set status = 'sold' where event_id = ${id}`.execute(
      h.svc.ctx.db,
    );
    await events.seatsChanged(id);
    expect(await status(id)).toBe('sold_out');
    const listed = (await inject('GET', '/api/events?status=sold_out')).json();
    expect(listed.items.find((e: { id: string }) => e.id === id)).toMatchObject({
      status: 'sold_out',
      seatsAvailable: 0,
    });

    await sql`update ${sql.table('ticket.seats')} set status = 'available' where event_id = ${id} and label = 'VIP A-1'`.execute(
      h.svc.ctx.db,
    );
    await events.seatsChanged(id);
    expect(await status(id)).toBe('on_sale');

    h.clock.set('2026-04-01T09:00:00Z');
    await scheduler.tick();
    expect(await status(id)).toBe('sale_closed');
    h.clock.set('2026-04-01T13:00:00Z');
    await scheduler.tick();
    expect(await status(id)).toBe('ended');
    expect(await scheduler.tick()).toBe(0);
    const metrics = (await inject('GET', '/metrics')).body;
    expect(metrics).toMatch(/ticket_event_status_transitions_total\{to="ended",cause="clock"[^}]*\} [1-9]/);
    expect(metrics).toMatch(
      /ticket_event_status_transitions_total\{to="sold_out",cause="seats"[^}]*\} [1-9]/,
    );
    expect(metrics).toMatch(/ticket_catalogue_cache_requests_total\{kind="event",result="hit"[^}]*\} [1-9]/);

    const types = await outboxTypes(id);
    expect(types[0]).toBe('event.published');
    expect(types.filter((t) => t === 'event.updated').length).toBeGreaterThanOrEqual(5);
    expect((await inject('PATCH', `/api/events/${id}`, h.admin, { title: 'x' })).json().error.code).toBe(
      'EVENT_NOT_EDITABLE',
    );
  });

  it('publishing during the sale goes straight to on_sale; a second replica never double-acts', async () => {
    h.clock.set('2026-03-01T00:00:00Z');
    const id = await createEvent({ title: 'Race Show' });
    await inject('POST', `/api/events/${id}/publish`, h.admin);
    h.clock.set('2026-03-11T00:00:00Z');
    const { scheduler } = catalogueFor(h.svc.ctx);
    const moved = await Promise.all([scheduler.tick(), scheduler.tick(), scheduler.tick()]);
    expect(moved.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
    expect(await status(id)).toBe('on_sale');
    expect((await outboxTypes(id)).filter((t) => t === 'event.updated')).toHaveLength(1);

    const direct = await createEvent({ title: 'Open Now' });
    expect((await inject('POST', `/api/events/${direct}/publish`, h.admin)).json().event.status).toBe(
      'on_sale',
    );
    expect((await inject('POST', `/api/events/${direct}/publish`, h.admin)).json().error.code).toBe(
      'INVALID_STATUS_TRANSITION',
    );
  });

  it('cancels from any state with event.cancelled, and refuses a second cancel', async () => {
    h.clock.set('2026-03-01T00:00:00Z');
    const draft = await createEvent({ title: 'Cancel Draft' });
    const res = await inject('POST', `/api/events/${draft}/cancel`, h.admin, { reason: 'artist ill' });
    expect(res.statusCode).toBe(200);
    expect(res.json().event).toMatchObject({ status: 'cancelled' });
    expect(res.json().event.cancelledAt).toBeTruthy();
    expect(await outboxTypes(draft)).toContain('event.cancelled');
    expect((await inject('POST', `/api/events/${draft}/cancel`, h.admin)).statusCode).toBe(409);
    const audits = await sql<{
      n: number;
    }>`select count(*)::int as n from ${sql.table('ticket.outbox')} where type = 'audit.recorded' and payload->'data'->>'targetId' = ${draft}`.execute(
      h.svc.ctx.db,
    );
    expect(audits.rows[0]!.n).toBe(2);
  });

  it('deletes only while nothing is sold or held', async () => {
    const id = await createEvent({ title: 'Delete Me' });
    await sql`update ${sql.table('ticket.seats')} set status = 'held' where event_id = ${id} and label = 'R C-1'`.execute(
      h.svc.ctx.db,
    );
    const refused = await inject('DELETE', `/api/events/${id}`, h.admin);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('EVENT_HAS_SALES');
    await sql`update ${sql.table('ticket.seats')} set status = 'available' where event_id = ${id}`.execute(
      h.svc.ctx.db,
    );
    expect((await inject('DELETE', `/api/events/${id}`, h.admin)).statusCode).toBe(204);
    expect((await inject('GET', `/api/events/${id}`, h.admin)).statusCode).toBe(404);
  });

  it('rejects impossible dates with the offending field', async () => {
    const res = await inject(
      'POST',
      '/api/events',
      h.admin,
      eventBody({ endsAt: '2026-04-01T09:00:00.000Z' }),
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'INVALID_DATES', details: { path: 'body.endsAt' } });
  });
});

describe('layouts', () => {
  const bad = async (layout: unknown) => {
    const res = await inject('POST', '/api/events', h.admin, eventBody({ layout }));
    expect(res.statusCode).toBe(400);
    return res.json().error;
  };

  it('names the path of duplicate seat labels, empty sections and negative prices', async () => {
    const dup = await bad({
      sections: [
        {
          name: 'A',
          price: 1000,
          rows: [{ label: '1', seats: [{ number: 1 }, { number: 2, label: 'A 1-1' }] }],
        },
      ],
    });
    expect(dup.code).toBe('INVALID_LAYOUT');
    expect(dup.details.path).toBe('body.layout.sections[0].rows[0].seats[1]');
    const empty = await bad({
      sections: [
        { name: 'A', price: 1000, rows: [{ label: '1', seats: 3 }] },
        { name: 'B', price: 1000, rows: [] },
      ],
    });
    expect(empty).toMatchObject({
      code: 'INVALID_LAYOUT',
      details: { path: 'body.layout.sections[1].rows' },
    });
    const negative = await bad({ sections: [{ name: 'A', price: -1, rows: [{ label: '1', seats: 3 }] }] });
    expect(negative.code).toBe('VALIDATION_FAILED');
    // The same place for the offending path as INVALID_LAYOUT, with the schema's issues beside it.
    expect(negative.details.path).toBe('body.layout.sections[0].price');
    expect(negative.details.issues[0].path).toBe('body.layout.sections.0.price');
    const nested = await bad({ sections: [{ name: 'A', price: 1000, rows: [{ label: '1', seats: -2 }] }] });
    expect(nested).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { path: expect.stringMatching(/^body\.layout\.sections\[0\]\.rows\[0\]\.seats/) },
    });
  });

  it('edits a layout around sold seats and refuses to change or remove them', async () => {
    const id = await createEvent({ title: 'Layout Edit' });
    await sql`update ${sql.table('ticket.seats')} set status = 'sold' where event_id = ${id} and label = 'VIP A-1'`.execute(
      h.svc.ctx.db,
    );
    const removing = await inject('PATCH', `/api/events/${id}`, h.admin, {
      layout: { sections: [{ name: 'R', price: 99000, rows: [{ label: 'C', seats: 5 }] }] },
    });
    expect(removing.statusCode).toBe(409);
    expect(removing.json().error).toMatchObject({
      code: 'LAYOUT_SEATS_SOLD',
      details: { seats: ['VIP A-1'] },
    });
    const repricing = await inject('PATCH', `/api/events/${id}`, h.admin, {
      layout: { sections: [{ ...compactLayout.sections[0]!, price: 1 }, compactLayout.sections[1]!] },
    });
    expect(repricing.statusCode).toBe(409);

    const growing = await inject('PATCH', `/api/events/${id}`, h.admin, {
      layout: {
        sections: [
          { name: 'VIP', price: 150000, rows: [{ label: 'A', seats: 12 }] },
          { name: 'S', price: 50000, rows: [{ label: 'D', seats: 4 }] },
        ],
      },
    });
    expect(growing.statusCode, growing.body).toBe(200);
    expect(growing.json().event).toMatchObject({ seatsTotal: 16, layoutVersion: 2 });
    const seats = await sql<{
      label: string;
      status: string;
    }>`select label, status from ${sql.table('ticket.seats')} where event_id = ${id} order by sort`.execute(
      h.svc.ctx.db,
    );
    expect(seats.rows).toHaveLength(16);
    expect(seats.rows.find((s) => s.label === 'VIP A-1')!.status).toBe('sold');
  });

  it('refreshes the planner statistics of the seats table when a seat map is created or replaced', async () => {
    // What the planner believes the table holds against what it holds: an analysed small table is counted exactly.
    const believed = async () => {
      const row = await sql<{ believed: number; actual: number }>`
        select (select reltuples from pg_class where oid = ${'ticket.seats'}::regclass)::int as believed,
          (select count(*) from ${sql.table('ticket.seats')})::int as actual`.execute(h.svc.ctx.db);
      return row.rows[0]!;
    };
    const id = await createEvent({
      title: 'Statistics',
      layout: { sections: [{ name: 'Floor', price: 10000, rows: [{ label: 'A', seats: 40 }] }] },
    });
    const afterCreate = await believed();
    expect(afterCreate.believed).toBe(afterCreate.actual);
    const edited = await inject('PATCH', `/api/events/${id}`, h.admin, {
      layout: {
        sections: [
          {
            name: 'Floor',
            price: 10000,
            rows: [
              { label: 'A', seats: 40 },
              { label: 'B', seats: 30 },
            ],
          },
        ],
      },
    });
    expect(edited.statusCode, edited.body).toBe(200);
    const afterEdit = await believed();
    expect(afterEdit.actual).toBe(afterCreate.actual + 30);
    expect(afterEdit.believed).toBe(afterEdit.actual);
  });

  it('keeps venue templates and creates events from them', async () => {
    const created = await inject('POST', '/api/venues', h.admin, {
      name: '블루스퀘어',
      address: '서울 용산구',
      layout: compactLayout,
    });
    expect(created.statusCode).toBe(201);
    const venue = created.json().venue;
    expect(venue.seatsTotal).toBe(25);
    expect(
      (await inject('GET', '/api/venues', h.admin)).json().items.map((v: { id: string }) => v.id),
    ).toContain(venue.id);
    const patched = await inject('PATCH', `/api/venues/${venue.id}`, h.admin, {
      layout: { sections: [{ name: 'Floor', price: 70000, kind: 'standing', capacity: 40 }] },
    });
    expect(patched.json().venue.seatsTotal).toBe(40);
    const badVenue = await inject('POST', '/api/venues', h.admin, { name: 'x', layout: { sections: [] } });
    expect(badVenue.json().error).toMatchObject({
      code: 'INVALID_LAYOUT',
      details: { path: 'body.layout.sections' },
    });

    const res = await inject('POST', '/api/events', h.admin, {
      ...eventBody({ title: 'From Template' }),
      layout: undefined,
      venueName: undefined,
      venueId: venue.id,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().event).toMatchObject({ venue: '블루스퀘어', venueId: venue.id, seatsTotal: 40 });
    expect(res.json().event.sections[0]).toMatchObject({ name: 'Floor', kind: 'standing', capacity: 40 });
    expect((await inject('DELETE', `/api/venues/${venue.id}`, h.admin)).statusCode).toBe(204);
    expect((await inject('GET', `/api/venues/${venue.id}`, h.admin)).statusCode).toBe(404);
  });
});

describe('admin routes', () => {
  it('answer 403 to a buyer and 401 to nobody', async () => {
    const id = await createEvent({ title: 'Guarded' });
    const routes: Array<[string, string, unknown?]> = [
      ['POST', '/api/events', eventBody()],
      ['POST', '/api/admin/events', eventBody()],
      ['PATCH', `/api/events/${id}`, { title: 'x' }],
      ['DELETE', `/api/events/${id}`],
      ['POST', `/api/events/${id}/publish`],
      ['POST', `/api/events/${id}/cancel`],
      ['POST', `/api/events/${id}/poster`],
      ['POST', `/api/events/${id}/seats/block`, { seatIds: ['seat_x'] }],
      ['POST', `/api/events/${id}/seats/unblock`, { seatIds: ['seat_x'] }],
      ...['/api/venues', '/api/admin/venues'].flatMap((base): Array<[string, string, unknown?]> => [
        ['GET', base],
        ['POST', base, { name: 'x', layout: compactLayout }],
        ['GET', `${base}/ven_x`],
        ['PATCH', `${base}/ven_x`, { name: 'y' }],
        ['DELETE', `${base}/ven_x`],
      ]),
      ['GET', '/api/admin/aliases'],
      ['POST', '/api/admin/aliases', { name: '아이유', alias: 'IU' }],
      ['DELETE', '/api/admin/aliases/als_x'],
    ];
    for (const [method, url, body] of routes) {
      const forbidden = await inject(method, url, h.user, body);
      expect(forbidden.statusCode, `${method} ${url}`).toBe(403);
      expect(forbidden.json().error.code).toBe('ADMIN_ONLY');
      expect((await inject(method, url, undefined, body)).statusCode, `${method} ${url}`).toBe(401);
    }
    expect(await status(id)).toBe('draft');
  });
});

describe('blocking seats', () => {
  it('blocks available seats, refuses held ones, unblocks, and keeps sold_out right', async () => {
    h.clock.set('2026-03-11T00:00:00Z');
    const id = await createEvent({
      title: 'House Seats',
      layout: { sections: [{ name: 'A', price: 1000, rows: [{ label: '1', seats: 3 }] }] },
    });
    await inject('POST', `/api/events/${id}/publish`, h.admin);
    const seats = await sql<{
      id: string;
    }>`select id from ${sql.table('ticket.seats')} where event_id = ${id} order by sort`.execute(
      h.svc.ctx.db,
    );
    const [a, b, c] = seats.rows.map((r) => r.id);
    await sql`update ${sql.table('ticket.seats')} set status = 'held' where id = ${c!}`.execute(h.svc.ctx.db);

    const refused = await inject('POST', `/api/events/${id}/seats/block`, h.admin, { seatIds: [a, c] });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('SEATS_NOT_AVAILABLE');
    expect((await inject('POST', `/api/events/${id}/seats/block`, h.user, { seatIds: [a] })).statusCode).toBe(
      403,
    );

    const blocked = await inject('POST', `/api/events/${id}/seats/block`, h.admin, { seatIds: [a, b] });
    expect(blocked.statusCode).toBe(200);
    expect(blocked.json().changed).toHaveLength(2);
    expect(await status(id)).toBe('sold_out');

    const unblocked = await inject('POST', `/api/events/${id}/seats/unblock`, h.admin, { seatIds: [a] });
    expect(unblocked.json().changed).toEqual([{ seatId: a, status: 'available' }]);
    expect(await status(id)).toBe('on_sale');
    expect(
      (await inject('POST', `/api/events/${id}/seats/unblock`, h.admin, { seatIds: ['seat_missing'] }))
        .statusCode,
    ).toBe(404);
  });
});
