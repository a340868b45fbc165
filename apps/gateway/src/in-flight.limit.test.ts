import { describe, expect, it } from 'vitest';
import { InFlightLimit, WhilePaying } from './in-flight.limit';

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

  it('switched off lets the whole line through in order; switched on, newcomers wait until fewer than max are under way', async () => {
    const limit = new InFlightLimit(1);
    const a = limit.enter();
    const order: string[] = [];
    const b = limit.enter();
    const c = limit.enter();
    void b.admitted.then(() => order.push('b'));
    void c.admitted.then(() => order.push('c'));
    limit.switch(false);
    expect(await b.admitted).toBe(true);
    expect(await c.admitted).toBe(true);
    expect(order).toEqual(['b', 'c']);
    expect(limit.waiting).toBe(0);
    expect(limit.inFlight).toBe(3);
    // Off, it only counts.
    const d = limit.enter();
    expect(await d.admitted).toBe(true);
    expect(limit.inFlight).toBe(4);

    limit.switch(true);
    const e = limit.enter();
    expect(await settled(e.admitted)).toBe('pending');
    // Four under way against a limit of one: the first three to finish free no slot for e.
    a.leave();
    b.leave();
    c.leave();
    expect(await settled(e.admitted)).toBe('pending');
    d.leave();
    expect(await e.admitted).toBe(true);
    expect(limit.inFlight).toBe(1);
  });
});

describe('WhilePaying', () => {
  const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('limits while a payment is under way and for the linger after the last one, never in between', async () => {
    const limit = new InFlightLimit(1, { on: false });
    const paying = new WhilePaying(limit, 40);
    try {
      const free = [limit.enter(), limit.enter()];
      expect(await Promise.all(free.map((p) => p.admitted))).toEqual([true, true]);
      free.forEach((p) => p.leave());

      const first = paying.begin();
      expect(limit.limiting).toBe(true);
      const slot = limit.enter();
      const waiter = limit.enter();
      expect(await slot.admitted).toBe(true);
      expect(await settled(waiter.admitted)).toBe('pending');

      // A second payment starts before the first ends: the limit holds throughout.
      const second = paying.begin();
      first();
      first(); // twice is once
      await tick(60);
      expect(limit.limiting).toBe(true);
      expect(await settled(waiter.admitted)).toBe('pending');

      // The last one ends: still limited during the linger, and a payment inside it keeps it on.
      second();
      await tick(10);
      expect(limit.limiting).toBe(true);
      const third = paying.begin();
      await tick(60);
      expect(limit.limiting).toBe(true);
      third();
      await tick(60);
      // No payment for the whole linger: the limit lifts and the waiting hold goes through.
      expect(limit.limiting).toBe(false);
      expect(await waiter.admitted).toBe(true);
      slot.leave();
      waiter.leave();
    } finally {
      paying.stop();
    }
  });
});
