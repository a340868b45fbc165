import { describe, expect, it } from 'vitest';
import { InFlightLimit } from './in-flight.limit';

const settled = async <T>(p: Promise<T>): Promise<T | 'pending'> =>
  Promise.race([p, new Promise<'pending'>((r) => setTimeout(() => r('pending'), 5))]);

describe('InFlightLimit', () => {
  it('lets `max` through, then admits the rest in arrival order as slots come back', async () => {
    const limit = new InFlightLimit(2);
    const a = limit.enter();
    const b = limit.enter();
    const c = limit.enter();
    const d = limit.enter();
    expect(await a.admitted).toBe(true);
    expect(await b.admitted).toBe(true);
    expect(await settled(c.admitted)).toBe('pending');
    expect(limit.waiting).toBe(2);
    b.leave();
    b.leave(); // twice is once
    expect(await c.admitted).toBe(true);
    expect(await settled(d.admitted)).toBe('pending');
    a.leave();
    expect(await d.admitted).toBe(true);
    c.leave();
    d.leave();
    // Every slot is free again: two more go straight through.
    const e = limit.enter();
    const f = limit.enter();
    expect(await e.admitted).toBe(true);
    expect(await f.admitted).toBe(true);
    expect(limit.waiting).toBe(0);
  });

  it('drops a caller that leaves the line, and never gives it a slot', async () => {
    const limit = new InFlightLimit(1);
    const a = limit.enter();
    const gone = limit.enter();
    const next = limit.enter();
    gone.leave();
    expect(await gone.admitted).toBe(false);
    expect(limit.waiting).toBe(1);
    a.leave();
    expect(await next.admitted).toBe(true);
    gone.leave(); // leaving again changes nothing
    const after = limit.enter();
    expect(await settled(after.admitted)).toBe('pending');
    next.leave();
    expect(await after.admitted).toBe(true);
  });
});
