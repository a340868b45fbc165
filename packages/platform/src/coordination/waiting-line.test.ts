import { describe, expect, it } from 'vitest';
import { capacityWaitMs, etaSeconds, placeView, slotIndex, type LineStanding } from './waiting-line';

const capacity = { maxInside: 500, sessionMs: 10 * 60_000 };

describe('the room’s turnover in the ETA', () => {
  it('finds the session whose end frees a waiting place, after the places free now', () => {
    // A full room of 500: the first in line takes the soonest end, the 500th the latest.
    expect(slotIndex(0, 500, 500)).toBe(0);
    expect(slotIndex(499, 500, 500)).toBe(499);
    // 500 behind: the place the first one takes, a session later.
    expect(slotIndex(500, 500, 500)).toBe(0);
    // 200 inside: the first 300 in line have a place now.
    expect(slotIndex(299, 200, 500)).toBeNull();
    expect(slotIndex(300, 200, 500)).toBe(0);
  });

  it('waits for that session, and a whole session more per room ahead', () => {
    expect(capacityWaitMs(0, null, 1_000, capacity)).toBe(0);
    expect(capacityWaitMs(10, 61_000, 1_000, capacity)).toBe(60_000);
    expect(capacityWaitMs(1_499, 31_000, 1_000, capacity)).toBe(30_000 + 2 * 600_000);
    // A session already over (not yet swept) frees its place now.
    expect(capacityWaitMs(0, 500, 1_000, capacity)).toBe(0);
  });

  it('takes the slower of the rate and the turnover, after the opening', () => {
    expect(etaSeconds(300, 2_000, 0, 0)).toBe(400);
    expect(etaSeconds(300, 2_000, 0, 0, 1_800_000)).toBe(1_800);
    expect(etaSeconds(300, 10, 0, 0, 1_000)).toBe(2);
    expect(etaSeconds(60, 1, 0, 30_000, 0)).toBe(31);
  });

  it('tells a line behind a full room how long the room keeps it out, not the admission rate', () => {
    const now = 1_000_000;
    const standing = (rank: number, slotEnd: number | null): LineStanding => ({
      admission: null,
      rank,
      score: 2 ** 40 + rank,
      added: false,
      // Admitting for a while, none in the last minute: the room is full.
      meta: {
        credit: 0,
        creditAt: now,
        shuffled: true,
        closed: false,
        autoUntil: 0,
        firstAdmitAt: now - 600_000,
      },
      recentAdmissions: 0,
      slotEnd,
    });
    const room = { eventId: 'evt_1', opensAt: 0, saleOver: false, admissionsPerMinute: 300, capacity };
    // The first in line waits for the soonest session to end, four minutes from now.
    expect(placeView(room, standing(0, now + 240_000), now)).toMatchObject({ position: 1, etaSeconds: 240 });
    // 1,999 ahead of 500 places: three more turns of ten minutes after its session ends.
    expect(placeView(room, standing(1_999, now + 540_000), now)).toMatchObject({ etaSeconds: 540 + 3 * 600 });
    // Without the room's capacity, the rate alone (what it said before).
    expect(placeView({ ...room, capacity: undefined }, standing(1_999, null), now)).toMatchObject({
      etaSeconds: 400,
    });
  });
});
