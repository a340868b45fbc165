import { describe, expect, it } from 'vitest';
import { holdAsked, SoldOutEvents, type SoldOutDecision } from './sold-out.edge';

const body = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('holdAsked', () => {
  it('understands a valid hold: chosen seats (counted once each) or a quantity', () => {
    expect(holdAsked(body({ eventId: 'evt_1', seatIds: ['b', 'a', 'b'] }))).toEqual({
      body: { eventId: 'evt_1', seatIds: ['b', 'a', 'b'] },
      count: 2,
    });
    expect(holdAsked(body({ eventId: 'evt_1', quantity: 3, section: 'VIP' }))?.count).toBe(3);
  });

  it('leaves everything else to the service', () => {
    for (const invalid of [
      { eventId: 'evt_1' },
      { eventId: 'evt_1', seatIds: ['a'], quantity: 1 },
      { eventId: 'evt_1', seatIds: ['a'], section: 'VIP' },
      { eventId: 'evt_1', seatIds: [] },
      { eventId: 'evt_1', quantity: 0 },
      { eventId: 'evt_1', quantity: 51 },
      { eventId: 'evt_1', quantity: '2' },
      { eventId: '', quantity: 1 },
      { seatIds: ['a'] },
      ['evt_1'],
    ])
      expect(holdAsked(body(invalid)), JSON.stringify(invalid)).toBeNull();
    expect(holdAsked(Buffer.from('{"eventId":'))).toBeNull();
    expect(holdAsked(undefined)).toBeNull();
    expect(holdAsked({ eventId: 'evt_1', quantity: 1 })).toBeNull();
  });
});

describe('SoldOutEvents', () => {
  const asked = (value: unknown) => holdAsked(body(value))!;

  it('answers an event the service called sold out, for the given time, as the service does', () => {
    const soldOut = new SoldOutEvents(1_000);
    expect(soldOut.knowsAny(0)).toBe(false);
    expect(soldOut.answer(asked({ eventId: 'evt_1', quantity: 1 }), 0)).toBeNull();
    soldOut.learn('event=evt_1; seat-limit=4', 0);
    expect(soldOut.knowsAny(0)).toBe(true);

    const refuse = (decision: SoldOutDecision) => (decision && 'refuse' in decision ? decision.refuse : null);
    const chosen = refuse(soldOut.answer(asked({ eventId: 'evt_1', seatIds: ['s2', 's1', 's2'] }), 500))!;
    expect(chosen.kind).toBe('conflict');
    expect(chosen.code).toBe('SEAT_UNAVAILABLE');
    expect(chosen.message).toBe('This event is sold out');
    expect(chosen.details).toEqual({ seatIds: ['s1', 's2'], soldOut: true });
    expect(refuse(soldOut.answer(asked({ eventId: 'evt_1', quantity: 4 }), 700))?.details).toEqual({
      seatIds: [],
      soldOut: true,
    });
    // More seats than a buyer may hold: the service's own 422.
    expect(soldOut.answer(asked({ eventId: 'evt_1', quantity: 5 }), 500)).toBeNull();
    // Another event, and the same one once its moment has passed.
    expect(soldOut.answer(asked({ eventId: 'evt_2', quantity: 1 }), 500)).toBeNull();
    expect(soldOut.answer(asked({ eventId: 'evt_1', quantity: 1 }), 1_000)).toBeNull();
    expect(soldOut.answer(asked({ eventId: 'evt_1', quantity: 1 }), 500)).toBeNull();
  });

  it('knows of an event until the last one it learnt stops being sold out, then of none', () => {
    const soldOut = new SoldOutEvents(1_000);
    soldOut.learn('event=evt_1; seat-limit=4', 0);
    soldOut.learn('event=evt_2; seat-limit=4', 600);
    expect(soldOut.knowsAny(1_000)).toBe(true);
    expect(soldOut.answer(asked({ eventId: 'evt_2', quantity: 1 }), 1_000)).not.toBeNull();
    expect(soldOut.knowsAny(1_600)).toBe(false);
    expect(soldOut.answer(asked({ eventId: 'evt_2', quantity: 1 }), 1_000)).toBeNull();
  });

  it('learns nothing from a header it cannot read', () => {
    const soldOut = new SoldOutEvents(1_000);
    for (const header of [
      undefined,
      '',
      'seat-limit=4',
      'event=evt_1',
      'event=evt_1; seat-limit=',
      'event=evt_1; seat-limit=many',
      'event=; seat-limit=4',
      'event=evt_1; limit=4',
    ])
      soldOut.learn(header, 0);
    expect(soldOut.knowsAny(1)).toBe(false);
    expect(soldOut.answer(asked({ eventId: 'evt_1', quantity: 1 }), 1)).toBeNull();
    soldOut.learn(['event=evt_1; seat-limit=2'], 0);
    expect(soldOut.answer(asked({ eventId: 'evt_1', quantity: 2 }), 1)).not.toBeNull();
  });

  it('sends one hold on near the end of the moment, answering the rest, and renews or ends on its answer', () => {
    const soldOut = new SoldOutEvents(1_000);
    const hold = asked({ eventId: 'evt_1', quantity: 1 });
    soldOut.learn('event=evt_1; seat-limit=4', 0);
    expect(soldOut.answer(hold, 749)).toHaveProperty('refuse');
    // The last quarter of the moment: one probe, while everyone else is still answered here.
    expect(soldOut.answer(hold, 750)).toEqual({ probe: 'evt_1' });
    expect(soldOut.answer(hold, 751)).toHaveProperty('refuse');
    expect(soldOut.answer(asked({ eventId: 'evt_1', quantity: 5 }), 751)).toBeNull();
    // The service called it sold out again: a new moment, and a new probe only near its end.
    soldOut.learn('event=evt_1; seat-limit=4', 760);
    expect(soldOut.answer(hold, 1_200)).toHaveProperty('refuse');
    expect(soldOut.answer(hold, 1_509)).toHaveProperty('refuse');
    expect(soldOut.answer(hold, 1_510)).toEqual({ probe: 'evt_1' });
    // A probe without an answer: another once a tenth of the moment has passed.
    expect(soldOut.answer(hold, 1_609)).toHaveProperty('refuse');
    expect(soldOut.answer(hold, 1_610)).toEqual({ probe: 'evt_1' });
    // Still none: the moment ends when it would have without probes.
    expect(soldOut.answer(hold, 1_709)).toHaveProperty('refuse');
    expect(soldOut.answer(hold, 1_760)).toBeNull();
  });

  it('stops answering for an event at once when a probe comes back without a sold-out answer', () => {
    const soldOut = new SoldOutEvents(1_000);
    const hold = asked({ eventId: 'evt_1', quantity: 1 });
    soldOut.learn('event=evt_1; seat-limit=4', 0);
    soldOut.learn('event=evt_2; seat-limit=4', 500);
    expect(soldOut.answer(hold, 900)).toEqual({ probe: 'evt_1' });
    soldOut.forget('evt_1');
    expect(soldOut.answer(hold, 901)).toBeNull();
    expect(soldOut.answer(asked({ eventId: 'evt_2', quantity: 1 }), 901)).toHaveProperty('refuse');
  });
});
