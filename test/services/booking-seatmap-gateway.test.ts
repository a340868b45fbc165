import { request as httpRequest } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type Session, type TestPlatform } from '../support/platform';
import { hold, onSaleEvent } from '../integration/admin.flow';

/** The gateway passes the seat map's compressed bytes, ETag, Vary and 304 through unchanged. */
let tp: TestPlatform;
let admin: Session;

beforeAll(async () => {
  tp = await startTestPlatform({ services: 'auth,ticket,gateway' });
  admin = await tp.admin();
});
afterAll(async () => {
  await tp?.close();
});

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A plain HTTP/1.1 GET that leaves the body as it came over the wire (fetch would decode it). */
function rawGet(path: string, headers: Record<string, string>): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, tp.url), { headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('seat map through the gateway', () => {
  it('passes gzip, ETag and 304 through, and a hold invalidates the copy', async () => {
    const eventId = await onSaleEvent(tp, admin, 'Compressed Map Night', 40, 88_000);
    const path = `/api/events/${eventId}/seats`;

    const plain = await rawGet(path, { 'accept-encoding': 'identity' });
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    const zipped = await rawGet(path, { 'accept-encoding': 'gzip' });
    expect(zipped.status).toBe(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(String(zipped.headers.vary)).toMatch(/accept-encoding/i);
    expect(gunzipSync(zipped.body).toString()).toBe(plain.body.toString());
    const map = JSON.parse(plain.body.toString()) as {
      version: number;
      seats: Array<{ id: string; status: string }>;
    };
    expect(map.seats).toHaveLength(40);

    const etag = String(zipped.headers.etag);
    expect(etag).toMatch(/^"evt_/);
    const unchanged = await rawGet(path, { 'accept-encoding': 'gzip', 'if-none-match': etag });
    expect(unchanged.status).toBe(304);
    expect(unchanged.body.length).toBe(0);
    expect(unchanged.headers.etag).toBe(etag);

    const buyer = await tp.register();
    const reservation = await hold(tp, buyer, eventId, 2);
    const changed = await rawGet(path, { 'accept-encoding': 'gzip', 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    const after = JSON.parse(gunzipSync(changed.body).toString()) as typeof map;
    expect(after.version).toBeGreaterThan(map.version);
    const heldIds = new Set(reservation.seats.map((s) => s.id));
    expect(
      after.seats
        .filter((s) => s.status === 'held')
        .map((s) => s.id)
        .sort(),
    ).toEqual([...heldIds].sort());

    // fetch (as the web app) decodes it transparently.
    const viaFetch = await tp.api('GET', path);
    expect(viaFetch.status).toBe(200);
    expect(viaFetch.body.version).toBe(after.version);
  });
});
