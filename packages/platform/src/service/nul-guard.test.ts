import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { findNul } from './nul-guard';

describe('findNul', () => {
  it('finds a NUL in any string of a request part, and says where', () => {
    expect(findNul({ id: 'usr_\u0000' }, 'params')).toBe('params.id');
    expect(findNul({ layout: { sections: [{ name: 'R' }, { name: 'S\u0000' }] } }, 'body')).toBe(
      'body.layout.sections[1].name',
    );
    expect(findNul(['a', 'b\u0000'], 'query.ids')).toBe('query.ids[1]');
    expect(findNul({ ['k\u0000']: 1 }, 'body')).toBe('body.k\u0000');
    expect(findNul('\u0000', 'body')).toBe('body');
  });

  it('passes clean input, numbers, nulls, and bodies that are not text (an upload, a proxied stream)', () => {
    expect(findNul({ eventId: 'evt_1', seatIds: ['s1', 's2'], quantity: 2, note: null }, 'body')).toBeNull();
    expect(findNul(undefined, 'body')).toBeNull();
    expect(findNul(Buffer.from('a\u0000b'), 'body')).toBeNull();
    expect(findNul(Readable.from(['a\u0000b']), 'body')).toBeNull();
  });

  it('stops at a depth no real request has', () => {
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 100; i++) deep = { inner: deep };
    expect(findNul(deep, 'body')).toBeNull();
  });
});
