import { Type, type Static } from '@sinclair/typebox';

export const RefundTier = Type.Object({
  minDaysBefore: Type.Integer({
    minimum: 0,
    description: 'applies when the show is at least this many calendar days away (dates in Asia/Seoul)',
  }),
  feePercent: Type.Integer({ minimum: 0, maximum: 100 }),
});

export const RefundRules = Type.Object({
  freeWithinDaysOfBooking: Type.Integer({
    minimum: 0,
    description:
      'free cancellation on the booking date and this many calendar dates after it (dates in Asia/Seoul; 0 = no free window)...',
  }),
  freeUnlessShowWithinDays: Type.Integer({
    minimum: 0,
    description: '...unless the show is fewer than this many calendar days away',
  }),
  noRefundWithinDays: Type.Integer({
    minimum: 0,
    description:
      'no refund when the show is fewer than this many calendar days away (1 = on the day; dates in Asia/Seoul)',
  }),
  tiers: Type.Array(RefundTier, {
    description: 'fee by days before the show; the first tier (largest minDaysBefore) that applies wins',
  }),
});
export type RefundRules = Static<typeof RefundRules>;

export const RefundPolicy = Type.Object({ id: Type.String(), name: Type.String(), rules: RefundRules });
export type RefundPolicy = Static<typeof RefundPolicy>;

/** The common Korean ticketing schedule: free for a week after booking unless the show is near, then 10/20/30%, nothing on the day. */
export const DEFAULT_POLICY: RefundPolicy = {
  id: 'standard',
  name: 'Standard (Korean ticketing schedule)',
  rules: {
    freeWithinDaysOfBooking: 7,
    freeUnlessShowWithinDays: 10,
    noRefundWithinDays: 1,
    tiers: [
      { minDaysBefore: 7, feePercent: 10 },
      { minDaysBefore: 3, feePercent: 20 },
      { minDaysBefore: 1, feePercent: 30 },
    ],
  },
};

export interface RefundQuote {
  refundable: boolean;
  feePercent: number;
  fee: number;
  refundAmount: number;
}

const DAY_MS = 86_400_000;

/** Where the schedule's days are counted: Korean ticketing counts dates in Korea, whatever the server's zone. */
export const REFUND_TIME_ZONE = 'Asia/Seoul';

const dateInZone = new Intl.DateTimeFormat('en-CA', {
  timeZone: REFUND_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** The calendar date of `at` in REFUND_TIME_ZONE, as a day number (days since 1970-01-01). */
function dayNumber(at: Date): number {
  const parts = Object.fromEntries(dateInZone.formatToParts(at).map((p) => [p.type, p.value]));
  return Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day)) / DAY_MS;
}

/**
 * Calendar days from `now` to the show in Korea: the evening before a show is "1 day before"
 * however few hours are left, and any moment on the show's date is "the day" (0).
 */
export function calendarDaysBefore(startsAt: Date, now: Date): number {
  return dayNumber(startsAt) - dayNumber(now);
}

/** The fee for refunding `amount` now, under `rules`, for a show at `startsAt` booked at `bookedAt`. */
export function quoteRefund(
  rules: RefundRules,
  amount: number,
  bookedAt: Date,
  startsAt: Date,
  now: Date,
): RefundQuote {
  const daysBefore = calendarDaysBefore(startsAt, now);
  if (daysBefore < rules.noRefundWithinDays)
    return { refundable: false, feePercent: 100, fee: amount, refundAmount: 0 };
  // The booking date and the N dates after it, in Korea: with 7, booked late on the 1st, free through the 8th.
  const daysSinceBooking = dayNumber(now) - dayNumber(bookedAt);
  const inFreeWindow = rules.freeWithinDaysOfBooking > 0 && daysSinceBooking <= rules.freeWithinDaysOfBooking;
  let feePercent = 0;
  if (!(inFreeWindow && daysBefore >= rules.freeUnlessShowWithinDays)) {
    const tiers = [...rules.tiers].sort((a, b) => b.minDaysBefore - a.minDaysBefore);
    feePercent = tiers.find((t) => daysBefore >= t.minDaysBefore)?.feePercent ?? 0;
  }
  const fee = Math.floor((amount * feePercent) / 100);
  return { refundable: true, feePercent, fee, refundAmount: amount - fee };
}
