import { describe, expect, it } from 'vitest';
import { calendarDaysBefore, DEFAULT_POLICY, quoteRefund } from './refund-policy';

const DAY = 86_400_000;
// 12:00 in Seoul (UTC+9).
const now = new Date('2026-06-01T03:00:00Z');
const at = (days: number) => new Date(now.getTime() + days * DAY);
/** A wall-clock time in Seoul. */
const seoul = (local: string) => new Date(`${local}+09:00`);

describe('default refund policy', () => {
  const quote = (bookedDaysAgo: number, showInDays: number) =>
    quoteRefund(DEFAULT_POLICY.rules, 100_000, at(-bookedDaysAgo), at(showInDays), now);

  it('is free within 7 days of booking when the show is far', () => {
    expect(quote(1, 30)).toMatchObject({ refundable: true, fee: 0, refundAmount: 100_000 });
  });
  it('charges the schedule when the show is near, even right after booking', () => {
    expect(quote(0, 8)).toMatchObject({ fee: 10_000, refundAmount: 90_000 });
    expect(quote(0, 4)).toMatchObject({ fee: 20_000 });
    expect(quote(0, 1.5)).toMatchObject({ fee: 30_000 });
  });
  it('charges 10% after the free week', () => {
    expect(quote(8, 30)).toMatchObject({ fee: 10_000 });
  });
  it('refunds nothing on the day', () => {
    // 19:00 the same day in Seoul.
    expect(
      quoteRefund(DEFAULT_POLICY.rules, 100_000, at(-1), seoul('2026-06-01T19:00:00'), now),
    ).toMatchObject({ refundable: false, refundAmount: 0 });
  });
});

describe('days are calendar days in Seoul', () => {
  const show = seoul('2026-06-10T19:00:00');
  const quoteAt = (local: string) =>
    quoteRefund(DEFAULT_POLICY.rules, 100_000, seoul('2026-05-01T12:00:00'), show, seoul(local));

  it('counts 20:00 the evening before a 19:00 show as one day before, not the day', () => {
    expect(calendarDaysBefore(show, seoul('2026-06-09T20:00:00'))).toBe(1);
    expect(quoteAt('2026-06-09T20:00:00')).toMatchObject({
      refundable: true,
      feePercent: 30,
      fee: 30_000,
      refundAmount: 70_000,
    });
  });
  it('counts any moment of the show date as the day, from just after midnight', () => {
    expect(calendarDaysBefore(show, seoul('2026-06-10T00:05:00'))).toBe(0);
    expect(quoteAt('2026-06-10T00:05:00')).toMatchObject({ refundable: false, refundAmount: 0 });
    expect(quoteAt('2026-06-09T23:55:00')).toMatchObject({ refundable: true, feePercent: 30 });
  });
  it('moves between tiers at midnight in Seoul, whatever the UTC date is', () => {
    // 2026-06-07 08:59 Seoul is still 06-06 in UTC: three calendar days before in Seoul, 20%.
    expect(calendarDaysBefore(show, seoul('2026-06-07T08:59:00'))).toBe(3);
    expect(quoteAt('2026-06-07T08:59:00')).toMatchObject({ feePercent: 20 });
    expect(quoteAt('2026-06-07T23:59:00')).toMatchObject({ feePercent: 20 });
    expect(quoteAt('2026-06-08T00:01:00')).toMatchObject({ feePercent: 30 });
    expect(quoteAt('2026-06-03T00:01:00')).toMatchObject({ feePercent: 10 });
    expect(quoteAt('2026-06-02T23:59:00')).toMatchObject({ feePercent: 10 });
  });
});

describe('the free week after booking counts dates in Seoul', () => {
  const show = seoul('2026-07-30T19:00:00');
  const feeAt = (booked: string, now: string) =>
    quoteRefund(DEFAULT_POLICY.rules, 100_000, seoul(booked), show, seoul(now)).fee;

  it('booked late on the 1st: free through the whole of the 8th, charged from the 9th', () => {
    expect(feeAt('2026-05-01T23:50:00', '2026-05-08T23:55:00')).toBe(0);
    expect(feeAt('2026-05-01T23:50:00', '2026-05-09T00:05:00')).toBe(10_000);
  });

  it('uses the date in Korea, not in UTC, for the booking and for now', () => {
    // 01:00 on the 2nd in Seoul is still the 1st in UTC; 23:00 on the 9th in Seoul is the 9th in UTC.
    expect(feeAt('2026-05-02T01:00:00', '2026-05-09T23:00:00')).toBe(0);
    expect(feeAt('2026-05-02T01:00:00', '2026-05-10T00:30:00')).toBe(10_000);
  });

  it('has no free window when the policy says 0 days', () => {
    const rules = { ...DEFAULT_POLICY.rules, freeWithinDaysOfBooking: 0 };
    expect(
      quoteRefund(rules, 100_000, seoul('2026-05-01T10:00:00'), show, seoul('2026-05-01T10:05:00')).fee,
    ).toBe(10_000);
  });
});
