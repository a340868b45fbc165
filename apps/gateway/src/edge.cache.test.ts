import { describe, expect, it } from 'vitest';
import { EdgeCache, sharedMaxAge } from './edge.cache';

describe('sharedMaxAge', () => {
  it('reads s-maxage from public answers only, capped at 10 s', () => {
    expect(sharedMaxAge({ 'cache-control': 'public, max-age=0, s-maxage=1' })).toBe(1);
    expect(sharedMaxAge({ 'cache-control': 'Public, S-MaxAge=30' })).toBe(10);
    expect(sharedMaxAge({ 'cache-control': 'public, max-age=60' })).toBe(0);
    expect(sharedMaxAge({ 'cache-control': 's-maxage=5' })).toBe(0);
    expect(sharedMaxAge({ 'cache-control': 'public, s-maxage=5, private' })).toBe(0);
    expect(sharedMaxAge({ 'cache-control': 'public, no-store, s-maxage=5' })).toBe(0);
    expect(sharedMaxAge({ 'cache-control': 'public, s-maxage=abc' })).toBe(0);
    expect(sharedMaxAge({})).toBe(0);
  });
});

describe('EdgeCache', () => {
  const publicFor = (seconds: number, extra: Record<string, string> = {}) => ({
    'cache-control': `public, s-maxage=${seconds}`,
    'content-type': 'application/json',
    'content-length': '2',
    ...extra,
  });

  it('keeps only 200s of known, bounded length without cookies or a Vary it does not key on', () => {
    const cache = new EdgeCache({ maxEntries: 10, maxBodyBytes: 100, maxBytes: 1_000 });
    expect(cache.admits(200, publicFor(1))).toBe(true);
    expect(cache.admits(404, publicFor(1))).toBe(false);
    expect(cache.admits(200, publicFor(1, { 'set-cookie': 'a=b' }))).toBe(false);
    expect(cache.admits(200, publicFor(1, { 'content-length': '101' }))).toBe(false);
    const { 'content-length': _, ...unknownLength } = publicFor(1);
    expect(cache.admits(200, unknownLength)).toBe(false);
    expect(cache.admits(200, publicFor(1, { vary: 'Accept-Encoding' }))).toBe(true);
    expect(cache.admits(200, publicFor(1, { vary: 'accept-encoding, authorization' }))).toBe(false);
    expect(cache.admits(200, { ...publicFor(1), 'cache-control': 'private' })).toBe(false);
  });

  it('answers until s-maxage has passed, then forgets', () => {
    let now = 1_000_000;
    const cache = new EdgeCache({ maxEntries: 10, maxBodyBytes: 100, maxBytes: 1_000, now: () => now });
    const key = EdgeCache.key('/api/events/evt_1', 'gzip');
    cache.put(key, { ...publicFor(2), 'x-request-id': 'req_first', etag: '"v1"' }, Buffer.from('{}'));
    // The first request's own headers are not replayed to the next buyer.
    expect(cache.get(key)?.headers).toEqual({
      'cache-control': 'public, s-maxage=2',
      'content-type': 'application/json',
      etag: '"v1"',
    });
    expect(cache.get(EdgeCache.key('/api/events/evt_1', undefined))).toBeUndefined();
    now += 1_999;
    expect(cache.get(key)?.body.toString()).toBe('{}');
    now += 1;
    expect(cache.get(key)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('stays within its bound, dropping the entry stored longest ago', () => {
    const cache = new EdgeCache({ maxEntries: 2, maxBodyBytes: 100, maxBytes: 1_000 });
    for (const id of ['a', 'b', 'c']) cache.put(id, publicFor(5), Buffer.from(id));
    expect(cache.size).toBe(2);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('c')?.body.toString()).toBe('c');
    // Storing a key again makes it the newest.
    cache.put('b', publicFor(5), Buffer.from('b2'));
    cache.put('d', publicFor(5), Buffer.from('d'));
    expect(cache.get('c')).toBeUndefined();
    expect(cache.get('b')?.body.toString()).toBe('b2');
  });

  it('stays within its byte bound, and refuses a body larger than all of it', () => {
    const cache = new EdgeCache({ maxEntries: 10, maxBodyBytes: 100, maxBytes: 10 });
    cache.put('a', publicFor(5), Buffer.alloc(4));
    cache.put('b', publicFor(5), Buffer.alloc(4));
    cache.put('c', publicFor(5), Buffer.alloc(4));
    expect([cache.get('a'), cache.size, cache.totalBytes]).toEqual([undefined, 2, 8]);
    cache.put('big', publicFor(5), Buffer.alloc(11));
    expect([cache.get('big'), cache.size, cache.totalBytes]).toEqual([undefined, 2, 8]);
    cache.put('b', publicFor(5), Buffer.alloc(1));
    expect(cache.totalBytes).toBe(5);
  });
});
