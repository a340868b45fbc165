import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SEATS_PER_CHUNK, SeatMapBodyBuilder, chooseEncoding, emptySeatMapBody } from './seat-map.body';

function fragments(n: number, status = 'available'): string[] {
  return Array.from({ length: n }, (_, i) => JSON.stringify({ id: `seat_${i}`, label: `A-${i}`, status }));
}

describe('seat map body', () => {
  it('gzips pieces separately into one stream that decodes to exactly the identity body', async () => {
    const seats = fragments(SEATS_PER_CHUNK * 3 + 7);
    const builder = new SeatMapBodyBuilder(seats);
    const v1 = builder.build('evt_1', 1, 1);
    const plain = v1.identity();
    expect(JSON.parse(plain.toString()).seats).toHaveLength(seats.length);
    expect(gunzipSync(await v1.gzip())).toEqual(plain);

    // A change in the last piece: a new version whose gzip still decodes to its identity body.
    seats[seats.length - 1] = JSON.stringify({ id: 'seat_x', label: 'X', status: 'held' });
    builder.changed(seats.length - 1);
    const v2 = builder.build('evt_1', 1, 2);
    const parsed = JSON.parse(gunzipSync(await v2.gzip()).toString());
    expect(parsed.version).toBe(2);
    expect(parsed.seats.at(-1)).toEqual({ id: 'seat_x', label: 'X', status: 'held' });
    expect(gunzipSync(await v2.gzip())).toEqual(v2.identity());
    // The earlier version's body is untouched by the change.
    expect(JSON.parse(gunzipSync(await v1.gzip()).toString()).seats.at(-1).status).toBe('available');
    expect(v2.etag).not.toBe(v1.etag);
  });

  it('a reload seeded with the earlier builder serves its own content, reusing only equal pieces', async () => {
    const first = fragments(SEATS_PER_CHUNK * 2 + 3);
    const old = new SeatMapBodyBuilder(first);
    const v1 = old.build('evt_1', 1, 1);
    await v1.gzip();
    const reloaded = fragments(SEATS_PER_CHUNK * 2 + 3);
    reloaded[SEATS_PER_CHUNK + 1] = JSON.stringify({ id: 'seat_y', label: 'Y', status: 'sold' });
    const v2 = new SeatMapBodyBuilder(reloaded, old).build('evt_1', 1, 2);
    const decoded = JSON.parse(gunzipSync(await v2.gzip()).toString());
    expect(decoded.seats).toEqual(reloaded.map((f) => JSON.parse(f)));
    expect(gunzipSync(await v2.gzip())).toEqual(v2.identity());

    // A seat changed and changed back within one version: the piece is equal again and still right.
    old.changed(0);
    const v3 = old.build('evt_1', 1, 3);
    expect(gunzipSync(await v3.gzip()).toString()).toBe(v3.identity().toString());
    expect(JSON.parse(v3.identity().toString()).seats).toEqual(first.map((f) => JSON.parse(f)));
  });

  it('names event, layout and version in a strong ETag that changes with content even at the same version', () => {
    const seats = fragments(10);
    const builder = new SeatMapBodyBuilder(seats);
    const a = builder.build('evt_1', 3, 7);
    expect(a.etag).toMatch(/^"evt_1\.3\.7\.[0-9a-z]+"$/);
    expect(builder.build('evt_1', 4, 7).etag).not.toBe(a.etag);
    // A lost shared counter restarting at the same number must not revalidate different seats.
    seats[0] = JSON.stringify({ id: 'seat_0', label: 'A-0', status: 'sold' });
    builder.changed(0);
    expect(builder.build('evt_1', 3, 7).etag).not.toBe(a.etag);
  });

  it('answers If-None-Match for either encoding, weak or listed, and nothing else', () => {
    const body = new SeatMapBodyBuilder(fragments(3)).build('evt_1', 1, 1);
    const gz = body.etagFor('gzip');
    expect(gz).not.toBe(body.etag);
    expect(body.matches(body.etag)).toBe(true);
    expect(body.matches(gz)).toBe(true);
    expect(body.matches(`W/${body.etag}`)).toBe(true);
    expect(body.matches(`"other", ${gz}`)).toBe(true);
    expect(body.matches('*')).toBe(true);
    expect(body.matches('"evt_1.1.0.abc"')).toBe(false);
    expect(body.matches(undefined)).toBe(false);
  });

  it('serves an empty map and chooses gzip only when accepted', async () => {
    const empty = emptySeatMapBody('evt_2', 1);
    expect(JSON.parse(empty.identity().toString())).toEqual({ eventId: 'evt_2', version: 0, seats: [] });
    expect(gunzipSync(await empty.gzip())).toEqual(empty.identity());
    expect(chooseEncoding(undefined)).toBe('identity');
    expect(chooseEncoding('br, gzip;q=0.5')).toBe('gzip');
    expect(chooseEncoding('gzip;q=0, *')).toBe('identity');
    expect(chooseEncoding('*')).toBe('gzip');
    expect(chooseEncoding('br, deflate')).toBe('identity');
  });
});
