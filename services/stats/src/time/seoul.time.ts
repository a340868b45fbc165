/**
 * Seoul calendar arithmetic. Asia/Seoul is UTC+9 all year (no daylight saving since 1988), so a
 * Seoul hour is exactly one UTC hour and a Seoul day is 24 of them starting at 15:00 UTC.
 */
export const SEOUL_OFFSET_MS = 9 * 3_600_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export type Granularity = 'day' | 'hour';

/** Start of the hour containing `at`. */
export function hourStart(at: Date): Date {
  return new Date(Math.floor(at.getTime() / HOUR_MS) * HOUR_MS);
}

/** Start (as a UTC instant) of the Seoul calendar day containing `at`. */
export function seoulDayStart(at: Date): Date {
  return new Date(Math.floor((at.getTime() + SEOUL_OFFSET_MS) / DAY_MS) * DAY_MS - SEOUL_OFFSET_MS);
}

/** `2026-11-25` for the Seoul day containing `at`. */
export function seoulDate(at: Date): string {
  return new Date(at.getTime() + SEOUL_OFFSET_MS).toISOString().slice(0, 10);
}

/** Seoul hour of day, 0-23. */
export function seoulHour(at: Date): number {
  return new Date(at.getTime() + SEOUL_OFFSET_MS).getUTCHours();
}

/** `2026-11-25T14:00:00+09:00`: the Seoul wall-clock start of the hour containing `at`. */
export function seoulHourLabel(at: Date): string {
  return `${new Date(hourStart(at).getTime() + SEOUL_OFFSET_MS).toISOString().slice(0, 19)}+09:00`;
}

export function bucketStart(at: Date, granularity: Granularity): Date {
  return granularity === 'day' ? seoulDayStart(at) : hourStart(at);
}

export function bucketLabel(at: Date, granularity: Granularity): string {
  return granularity === 'day' ? seoulDate(at) : seoulHourLabel(at);
}

export function bucketSize(granularity: Granularity): number {
  return granularity === 'day' ? DAY_MS : HOUR_MS;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Reads a range bound: a Seoul date (`2026-11-25`, meaning that whole day) or an ISO instant.
 * `end` picks the end of a date-only bound so `to=2026-11-25` includes the 25th. Null when unreadable.
 */
export function parseBound(value: string, end: boolean): Date | null {
  if (DATE_ONLY.test(value)) {
    const start = Date.parse(`${value}T00:00:00+09:00`);
    if (Number.isNaN(start)) return null;
    return new Date(end ? start + DAY_MS - 1 : start);
  }
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : new Date(at);
}

/** Every bucket start from the one containing `from` to the one containing `to`, inclusive. */
export function bucketsBetween(from: Date, to: Date, granularity: Granularity): Date[] {
  const out: Date[] = [];
  const step = bucketSize(granularity);
  for (let t = bucketStart(from, granularity).getTime(); t <= to.getTime(); t += step) out.push(new Date(t));
  return out;
}
