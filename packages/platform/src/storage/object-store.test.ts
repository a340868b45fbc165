import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiskObjectStore } from './disk-object-store';
import { createS3ObjectStore } from './s3-object-store';
import { createObjectStore } from './create-object-store';
import type { ObjectStore } from './object-store';

/** A minimal S3 (path-style PUT/GET/DELETE) so the real SDK client is exercised end to end. */
function fakeS3(): Promise<{
  server: Server;
  url: string;
  objects: Map<string, { body: Buffer; type: string }>;
}> {
  const objects = new Map<string, { body: Buffer; type: string }>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const key = decodeURIComponent(new URL(req.url!, 'http://x').pathname);
      if (req.method === 'PUT') {
        objects.set(key, { body: Buffer.concat(chunks), type: String(req.headers['content-type']) });
        res.writeHead(200, { etag: '"1"' }).end();
      } else if (req.method === 'GET') {
        const object = objects.get(key);
        if (!object) {
          res
            .writeHead(404, { 'content-type': 'application/xml' })
            .end('<?xml version="1.0"?><Error><Code>NoSuchKey</Code><Message>missing</Message></Error>');
          return;
        }
        res
          .writeHead(200, { 'content-type': object.type, 'content-length': object.body.length })
          .end(object.body);
      } else if (req.method === 'DELETE') {
        objects.delete(key);
        res.writeHead(204).end();
      } else res.writeHead(405).end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as { port: number };
      resolve({ server, url: `http://127.0.0.1:${address.port}`, objects });
    }),
  );
}

async function contract(store: ObjectStore) {
  const body = Buffer.from('poster bytes');
  await store.put('posters/evt_1/a.webp', body, 'image/webp');
  expect(await store.get('posters/evt_1/a.webp')).toEqual({ body, contentType: 'image/webp' });
  await store.delete('posters/evt_1/a.webp');
  expect(await store.get('posters/evt_1/a.webp')).toBeNull();
  await expect(store.put('../escape', body, 'text/plain')).rejects.toMatchObject({
    code: 'INVALID_OBJECT_KEY',
  });
  await expect(store.get('posters/../../etc/passwd')).rejects.toMatchObject({ code: 'INVALID_OBJECT_KEY' });
}

describe('object stores', () => {
  let s3: Awaited<ReturnType<typeof fakeS3>>;
  beforeAll(async () => {
    s3 = await fakeS3();
  });
  afterAll(() => new Promise<void>((r) => s3.server.close(() => r())));

  it('disk: keeps bytes and type, refuses keys outside its root', async () => {
    const store = createDiskObjectStore({
      root: mkdtempSync(join(tmpdir(), 'tiketi-store-')),
      publicBaseUrl: 'http://api.test/api/files/',
    });
    await contract(store);
    expect(store.publicUrl('posters/x.webp')).toBe('http://api.test/api/files/posters/x.webp');
  });

  it('s3: talks to the bucket through the AWS SDK', async () => {
    const store = createS3ObjectStore({
      bucket: 'posters',
      region: 'ap-northeast-2',
      endpoint: s3.url,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    await store.put('posters/evt_2/b.webp', Buffer.from('x'), 'image/webp');
    expect(s3.objects.get('/posters/posters/evt_2/b.webp')?.type).toBe('image/webp');
    await contract(store);
    expect(store.publicUrl('k.webp')).toBe(`${s3.url}/posters/k.webp`);
  });

  it('picks S3 when a bucket is configured, disk otherwise', () => {
    const base = { DATA_DIR: '.data', PUBLIC_API_URL: 'http://localhost:3001' };
    expect(createObjectStore(base).kind).toBe('disk');
    expect(
      createObjectStore({ ...base, S3_BUCKET: 'b', S3_PUBLIC_URL: 'https://cdn.test' }).publicUrl('p.webp'),
    ).toBe('https://cdn.test/p.webp');
  });
});
