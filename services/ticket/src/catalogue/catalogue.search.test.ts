import { randomBytes } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventBody, multipart, startCatalogue, type CatalogueHarness } from './catalogue.testkit';

let h: CatalogueHarness;

/** A PNG that declares width x height pixels in its header (all a decoder looks at before allocating). */
function pngHeaderOnly(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(1024))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
const ids: Record<string, string> = {};

const inject = (method: string, url: string, headers?: Record<string, string>, payload?: unknown) =>
  h.svc.app.inject({
    method: method as 'GET',
    url,
    headers,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });

async function published(key: string, overrides: Record<string, unknown>) {
  const res = await inject('POST', '/api/events', h.admin, eventBody(overrides));
  expect(res.statusCode, res.body).toBe(201);
  ids[key] = res.json().event.id;
  expect((await inject('POST', `/api/events/${ids[key]}/publish`, h.admin)).statusCode).toBe(200);
}

const search = async (query: string) => {
  const res = await inject('GET', `/api/events?${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as {
    items: Array<{ id: string; title: string }>;
    total: number;
    page: number;
    limit: number;
  };
};
const found = async (query: string) => (await search(query)).items.map((e) => e.id);

beforeAll(async () => {
  h = await startCatalogue('2026-03-01T00:00:00Z');
  await published('iu', {
    title: '아이유 HEREH WORLD TOUR',
    artist: '아이유',
    venueName: '잠실종합운동장 주경기장',
    startsAt: '2026-05-10T10:00:00Z',
    endsAt: '2026-05-10T13:00:00Z',
    saleEndsAt: '2026-05-10T09:00:00Z',
  });
  await published('musical', {
    title: '뮤지컬 레미제라블',
    category: 'musical',
    artist: '민우혁',
    venueName: '블루스퀘어 신한카드홀',
  });
  await published('seventeen', {
    title: 'SEVENTEEN FOLLOW',
    artist: 'SEVENTEEN',
    venueName: 'KSPO DOME',
    startsAt: '2026-06-01T10:00:00Z',
    endsAt: '2026-06-01T12:00:00Z',
    saleEndsAt: '2026-06-01T09:00:00Z',
  });
  await published('percent', { title: '100% 라이브', artist: '밴드', venueName: '롤링홀' });
  await inject('POST', '/api/events', h.admin, eventBody({ title: '아이유 비공개 초안' }));
  for (const [name, alias] of [
    ['아이유', 'IU'],
    ['잠실종합운동장', 'Jamsil Olympic Stadium'],
  ]) {
    expect((await inject('POST', '/api/admin/aliases', h.admin, { name, alias })).statusCode).toBe(201);
  }
});
afterAll(async () => {
  await h?.close();
});

describe('GET /api/events search', () => {
  it('filters by category, venue and date range, and lists only published events', async () => {
    expect(await found('category=musical')).toEqual([ids.musical]);
    expect(await found('venue=KSPO')).toEqual([ids.seventeen]);
    expect(await found('from=2026-05-01T00:00:00Z&to=2026-05-31T00:00:00Z')).toEqual([ids.iu]);
    expect((await search('')).total).toBe(4);
    expect((await inject('GET', '/api/events?q=초안', h.admin)).json().items).toHaveLength(1);
    expect(await found('q=초안')).toEqual([]);
  });

  it('matches Korean and English spellings through the alias table', async () => {
    expect(await found('q=IU')).toEqual([ids.iu]);
    expect(await found('q=iu')).toEqual([ids.iu]);
    expect(await found('q=아이유')).toEqual([ids.iu]);
    expect(await found(`q=${encodeURIComponent('Jamsil Olympic Stadium')}`)).toEqual([ids.iu]);
  });

  it('tolerates typos (trigram similarity)', async () => {
    expect(await found('q=seventen')).toEqual([ids.seventeen]);
    expect(await found(`q=${encodeURIComponent('레미제라불')}`)).toEqual([ids.musical]);
  });

  it('treats %, _ and quotes as plain characters', async () => {
    expect(await found(`q=${encodeURIComponent('100%')}`)).toEqual([ids.percent]);
    expect(await found(`q=${encodeURIComponent('%')}`)).toEqual([ids.percent]);
    expect(await found(`q=${encodeURIComponent('_')}`)).toEqual([]);
    expect(await found(`q=${encodeURIComponent("' or 1=1 --")}`)).toEqual([]);
  });

  it('pages with a capped limit', async () => {
    const capped = await search('limit=500');
    expect(capped.limit).toBe(100);
    const page2 = await search('limit=3&page=2&sort=date');
    expect(page2).toMatchObject({ total: 4, page: 2, limit: 3 });
    expect(page2.items).toHaveLength(1);
  });

  it('lets the admin edit aliases', async () => {
    const list = (await inject('GET', `/api/admin/aliases?q=${encodeURIComponent('아이유')}`, h.admin)).json()
      .items;
    expect(list).toHaveLength(1);
    expect(
      (await inject('POST', '/api/admin/aliases', h.admin, { name: '아이유', alias: 'iu' })).json().error
        .code,
    ).toBe('ALIAS_EXISTS');
    expect((await inject('DELETE', `/api/admin/aliases/${list[0].id}`, h.admin)).statusCode).toBe(204);
    expect(await found('q=IU')).toEqual([]);
  });
});

describe('posters', () => {
  const upload = (filename: string, type: string, bytes: Buffer, headers = h.admin) => {
    const form = multipart('poster', filename, type, bytes);
    return h.svc.app.inject({
      method: 'POST',
      url: `/api/events/${ids.iu}/poster`,
      headers: { ...headers, ...form.headers },
      payload: form.body,
    });
  };
  const storedFiles = () => {
    const dir = join(h.dataDir, 'files', 'posters', ids.iu!);
    return existsSync(dir) ? readdirSync(dir) : [];
  };

  it('re-encodes a PNG into a display image and a thumbnail served under /api/files', async () => {
    const png = await sharp({ create: { width: 1200, height: 1800, channels: 3, background: '#e11d48' } })
      .png()
      .toBuffer();
    const res = await upload('poster.png', 'image/png', png);
    expect(res.statusCode, res.body).toBe(200);
    const { posterUrl, posterThumbUrl } = res.json();
    expect(posterUrl).toMatch(/^http:\/\/api\.test\/api\/files\/posters\/evt_.*\.webp$/);
    const file = await inject('GET', posterUrl.replace('http://api.test', ''));
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('image/webp');
    const meta = await sharp(file.rawPayload).metadata();
    expect(meta).toMatchObject({ format: 'webp', width: 800, height: 1200 });
    const thumb = await sharp(
      (await inject('GET', posterThumbUrl.replace('http://api.test', ''))).rawPayload,
    ).metadata();
    expect(thumb.width).toBe(300);
    expect((await inject('GET', `/api/events/${ids.iu}`)).json().event.posterUrl).toBe(posterUrl);
    expect(storedFiles()).toHaveLength(4);
  });

  it('decides the type by bytes: SVG, HTML and a renamed executable get 415 and nothing is stored', async () => {
    const before = storedFiles();
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const html = Buffer.from('<!doctype html><html><body><script>alert(1)</script></body></html>');
    const exe = Buffer.concat([
      Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff', 'latin1'),
      Buffer.alloc(512, 1),
    ]);
    for (const [name, type, bytes] of [
      ['a.svg', 'image/svg+xml', svg],
      ['a.png', 'image/png', html],
      ['poster.jpg', 'image/jpeg', exe],
    ] as const) {
      const res = await upload(name, type, bytes);
      expect(res.statusCode, name).toBe(415);
      expect(res.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    expect(storedFiles()).toEqual(before);
  });

  it('bounds bytes and pixels: 413 for an oversized file or a decompression bomb, nothing stored', async () => {
    const before = storedFiles();
    const huge = Buffer.concat([
      Buffer.from('89504e470d0a1a0a', 'hex'),
      randomBytes(h.svc.ctx.config.POSTER_MAX_BYTES),
    ]);
    const big = await upload('big.png', 'image/png', huge);
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('PAYLOAD_TOO_LARGE');
    const bomb = pngHeaderOnly(20_000, 20_000);
    const res = await upload('bomb.png', 'image/png', bomb);
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('POSTER_TOO_LARGE');
    expect(storedFiles()).toEqual(before);
  });

  it('refuses a buyer, a missing file and a path outside the store', async () => {
    const png = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    expect((await upload('p.png', 'image/png', png, h.user)).statusCode).toBe(403);
    const wrongField = multipart('image', 'p.png', 'image/png', png);
    const missing = await h.svc.app.inject({
      method: 'POST',
      url: `/api/events/${ids.iu}/poster`,
      headers: { ...h.admin, ...wrongField.headers },
      payload: wrongField.body,
    });
    expect(missing.json().error.code).toBe('POSTER_REQUIRED');
    expect((await inject('GET', '/api/files/..%2F..%2Fetc%2Fpasswd')).statusCode).toBe(404);
  });
});
