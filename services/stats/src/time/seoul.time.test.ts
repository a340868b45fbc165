import { describe, expect, it } from 'vitest';
import {
  bucketsBetween,
  parseBound,
  seoulDate,
  seoulDayStart,
  seoulHour,
  seoulHourLabel,
} from './seoul.time';

describe('Seoul calendar', () => {
  it('puts 15:00 UTC on the next Seoul day and 14:59 on the same one', () => {
    expect(seoulDate(new Date('2026-11-25T14:59:59Z'))).toBe('2026-11-25');
    expect(seoulDate(new Date('2026-11-25T15:00:00Z'))).toBe('2026-11-26');
    expect(seoulDayStart(new Date('2026-11-25T16:30:00Z')).toISOString()).toBe('2026-11-25T15:00:00.000Z');
    expect(seoulDayStart(new Date('2026-11-25T14:30:00Z')).toISOString()).toBe('2026-11-24T15:00:00.000Z');
  });

  it('labels hours in Seoul wall-clock time', () => {
    expect(seoulHour(new Date('2026-11-25T15:20:00Z'))).toBe(0);
    expect(seoulHourLabel(new Date('2026-11-25T05:20:00Z'))).toBe('2026-11-25T14:00:00+09:00');
  });

  it('reads date-only bounds as whole Seoul days', () => {
    expect(parseBound('2026-11-25', false)?.toISOString()).toBe('2026-11-24T15:00:00.000Z');
    expect(parseBound('2026-11-25', true)?.toISOString()).toBe('2026-11-25T14:59:59.999Z');
    expect(parseBound('2026-11-25T01:00:00Z', false)?.toISOString()).toBe('2026-11-25T01:00:00.000Z');
    expect(parseBound('yesterday', false)).toBeNull();
  });

  it('lists every bucket of a range', () => {
    const days = bucketsBetween(parseBound('2026-11-24', false)!, parseBound('2026-11-26', true)!, 'day');
    expect(days.map((d) => seoulDate(d))).toEqual(['2026-11-24', '2026-11-25', '2026-11-26']);
    const hours = bucketsBetween(new Date('2026-11-25T00:30:00Z'), new Date('2026-11-25T02:00:00Z'), 'hour');
    expect(hours).toHaveLength(3);
  });
});
