import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, quoteRefund } from './refund-policy';

const DAY = 86_400_000;
const now = new Date('2026-06-01T03:00:00Z');
const at = (days: number) => new Date(now.getTime() + days * DAY);

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
    expect(quote(0, 0.5)).toMatchObject({ refundable: false, refundAmount: 0 });
  });
});
