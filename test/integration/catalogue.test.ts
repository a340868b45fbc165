import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type Session, type TestPlatform } from '../support/platform';
import { catalogueFor } from '../../services/ticket/src/catalogue/index';

/** The catalogue through the gateway, as the web app uses it. */
let tp: TestPlatform;
let admin: Session;
let buyer: Session;
const HOUR = 3_600_000;
const at = (ms: number) => new Date(Date.now() + ms).toISOString();

beforeAll(async () => {
  tp = await startTestPlatform();
  admin = await tp.admin();
  buyer = await tp.register();
});
afterAll(async () => {
  await tp?.close();
});

function body(title: string, saleInMs: number) {
  return {
    title,
    category: 'concert',
    artist: '아이유',
    venueName: '잠실종합운동장 주경기장',
    startsAt: at(48 * HOUR),
    endsAt: at(51 * HOUR),
    saleStartsAt: at(saleInMs),
    saleEndsAt: at(47 * HOUR),
    layout: {
      sections: [
        { name: 'VIP', price: 150000, rows: [{ label: 'A', seats: 4 }] },
        { name: 'GA', price: 80000, kind: 'standing', capacity: 6 },
      ],
    },
  };
}

/**
 * What the public reads through the gateway may be up to a second old (the edge cache, ADR 0005);
 * an administrator's reads never are. Asks again until `shows` holds, for at most three seconds.
 */
async function publicly(
  path: string,
  shows: (body: Record<string, any>) => boolean,
): Promise<Record<string, any>> {
  const until = Date.now() + 3_000;
  for (;;) {
    const { body } = await tp.api('GET', path);
    if (shows(body) || Date.now() > until) return body;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const statusOf = async (id: string) =>
  (await tp.api('GET', `/api/events/${id}`, { token: admin.accessToken })).body.event.status;

describe('catalogue through the gateway', () => {
  it('runs an event from draft through every status, on the clock, to ended', async () => {
    const created = await tp.api('POST', '/api/admin/events', {
      token: admin.accessToken,
      body: body('Gateway Lifecycle', HOUR),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.event.id as string;
    expect(created.body.event).toMatchObject({ status: 'draft', seatsTotal: 10 });
    expect((await tp.api('GET', `/api/events/${id}`)).status).toBe(404);

    const published = await tp.api('POST', `/api/events/${id}/publish`, { token: admin.accessToken });
    expect(published.body.event.status).toBe('scheduled');
    const pub = await tp.api('GET', `/api/events/${id}`);
    expect(pub.body.event.sections).toEqual([
      expect.objectContaining({ name: 'VIP', price: 150000, seatsTotal: 4, seatsAvailable: 4 }),
      expect.objectContaining({ name: 'GA', kind: 'standing', seatsTotal: 6, seatsAvailable: 6 }),
    ]);

    const { scheduler } = catalogueFor(tp.platform.services.ticket!.ctx);
    await scheduler.tick(new Date(Date.now() + HOUR + 1000));
    expect(await statusOf(id)).toBe('on_sale');
    // Every seat blocked (house seats) -> sold_out; one back on sale -> on_sale.
    const map = await tp.api('GET', `/api/events/${id}/seats`);
    const seatIds = (map.body.seats as Array<{ id: string }>).map((s) => s.id);
    expect(seatIds).toHaveLength(10);
    const blocked = await tp.api('POST', `/api/events/${id}/seats/block`, {
      token: admin.accessToken,
      body: { seatIds },
    });
    expect(blocked.status, JSON.stringify(blocked.body)).toBe(200);
    expect(await statusOf(id)).toBe('sold_out');
    expect((await publicly(`/api/events/${id}`, (b) => b.event?.status === 'sold_out')).event).toMatchObject({
      status: 'sold_out',
      seatsAvailable: 0,
    });
    await tp.api('POST', `/api/events/${id}/seats/unblock`, {
      token: admin.accessToken,
      body: { seatIds: [seatIds[0]] },
    });
    expect(await statusOf(id)).toBe('on_sale');

    await scheduler.tick(new Date(Date.now() + 47 * HOUR + 1000));
    expect(await statusOf(id)).toBe('sale_closed');
    await scheduler.tick(new Date(Date.now() + 51 * HOUR + 1000));
    expect(await statusOf(id)).toBe('ended');
    expect(
      (await tp.api('GET', `/api/events?status=ended`)).body.items.map((e: { id: string }) => e.id),
    ).toContain(id);
  });

  it('cancels an event (admin) and finds events by alias, typo and literal %', async () => {
    const created = await tp.api('POST', '/api/events', {
      token: admin.accessToken,
      body: body('아이유 100% 라이브', -HOUR),
    });
    const id = created.body.event.id as string;
    expect(
      (await tp.api('POST', `/api/events/${id}/publish`, { token: admin.accessToken })).body.event.status,
    ).toBe('on_sale');
    expect(
      (
        await tp.api('POST', '/api/admin/aliases', {
          token: admin.accessToken,
          body: { name: '아이유', alias: 'IU' },
        })
      ).status,
    ).toBe(201);
    for (const q of ['IU', '아이유', '100%', '라이브', '잠실종합운동장']) {
      const res = await tp.api('GET', `/api/events?q=${encodeURIComponent(q)}`);
      expect(
        res.body.items.map((e: { id: string }) => e.id),
        q,
      ).toContain(id);
    }
    expect((await tp.api('GET', `/api/events?q=${encodeURIComponent('%%%')}`)).body.items).toEqual([]);

    const cancelled = await tp.api('POST', `/api/events/${id}/cancel`, {
      token: admin.accessToken,
      body: { reason: 'venue closed' },
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.event.status).toBe('cancelled');
    const ids = (b: Record<string, any>) => (b.items as Array<{ id: string }>).map((e) => e.id);
    expect(ids(await publicly('/api/events?q=IU', (b) => !ids(b).includes(id)))).not.toContain(id);
  });

  it('uploads a poster through the gateway and serves it; rejects SVG with 415', async () => {
    const id = (
      await tp.api('POST', '/api/events', { token: admin.accessToken, body: body('Poster Show', HOUR) })
    ).body.event.id as string;
    const send = async (bytes: Buffer, name: string, type: string) => {
      const form = new FormData();
      form.append('poster', new Blob([bytes], { type }), name);
      const res = await fetch(`${tp.url}/api/events/${id}/poster`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin.accessToken}` },
        body: form,
      });
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };
    const jpeg = await sharp({ create: { width: 600, height: 900, channels: 3, background: '#4f46e5' } })
      .jpeg()
      .toBuffer();
    const ok = await send(jpeg, 'poster.jpg', 'image/jpeg');
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.posterUrl.startsWith(`${tp.url}/api/files/`)).toBe(true);
    const image = await fetch(ok.body.posterUrl);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/webp');

    const svg = await send(
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'),
      'poster.png',
      'image/png',
    );
    expect(svg.status).toBe(415);
    expect(svg.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('rejects bad layouts with the offending path', async () => {
    const cases: Array<[unknown, string]> = [
      [
        {
          sections: [
            {
              name: 'A',
              price: 1000,
              rows: [
                { label: '1', seats: 2 },
                { label: '1', seats: 2 },
              ],
            },
          ],
        },
        'body.layout.sections[0].rows[1].label',
      ],
      [
        { sections: [{ name: 'A', price: 1000, rows: [{ label: '1', seats: 0 }] }] },
        'body.layout.sections[0].rows[0].seats',
      ],
      [
        {
          sections: [
            {
              name: 'A',
              price: 1000,
              rows: [
                {
                  label: '1',
                  seats: [
                    { number: 1, label: 'X' },
                    { number: 2, label: 'X' },
                  ],
                },
              ],
            },
          ],
        },
        'body.layout.sections[0].rows[0].seats[1]',
      ],
    ];
    for (const [layout, path] of cases) {
      const res = await tp.api('POST', '/api/events', {
        token: admin.accessToken,
        body: { ...body('Bad Layout', HOUR), layout },
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'INVALID_LAYOUT', details: { path } });
    }
    const negative = await tp.api('POST', '/api/events', {
      token: admin.accessToken,
      body: {
        ...body('Bad Price', HOUR),
        layout: { sections: [{ name: 'A', price: -1, rows: [{ label: '1', seats: 1 }] }] },
      },
    });
    expect(negative.status).toBe(400);
    expect(negative.body.error).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { path: 'body.layout.sections[0].price' },
    });
    expect(JSON.stringify(negative.body.error.details.issues)).toContain('sections.0.price');
  });

  it('answers 403 to a buyer on admin routes', async () => {
    const id = (
      await tp.api('POST', '/api/events', { token: admin.accessToken, body: body('Guarded', HOUR) })
    ).body.event.id as string;
    const routes: Array<[string, string, unknown?]> = [
      ['POST', '/api/admin/events', body('x', HOUR)],
      ['POST', '/api/events', body('x', HOUR)],
      ['PATCH', `/api/events/${id}`, { title: 'y' }],
      ['DELETE', `/api/events/${id}`],
      ['POST', `/api/events/${id}/publish`],
      ['POST', `/api/events/${id}/cancel`],
      ['POST', `/api/events/${id}/seats/block`, { seatIds: ['seat_x'] }],
      ['POST', `/api/events/${id}/seats/unblock`, { seatIds: ['seat_x'] }],
      ['GET', '/api/admin/venues'],
      [
        'POST',
        '/api/admin/venues',
        { name: 'v', layout: { sections: [{ name: 'A', price: 1, rows: [{ label: 'A', seats: 1 }] }] } },
      ],
      ['PATCH', '/api/admin/venues/ven_x', { name: 'w' }],
      ['DELETE', '/api/admin/venues/ven_x'],
      ['GET', '/api/venues'],
      [
        'POST',
        '/api/venues',
        { name: 'v', layout: { sections: [{ name: 'A', price: 1, rows: [{ label: 'A', seats: 1 }] }] } },
      ],
      ['GET', '/api/admin/aliases'],
      ['POST', '/api/admin/aliases', { name: 'a', alias: 'b' }],
    ];
    for (const [method, path, payload] of routes) {
      const res = await tp.api(method, path, { token: buyer.accessToken, body: payload });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    expect(await statusOf(id)).toBe('draft');
  });
});
