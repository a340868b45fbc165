import { describe, expect, it } from 'vitest';
import { AppError } from './app-error';

describe('AppError', () => {
  it('skips the stack of a client error, keeps that of a server error, and leaves the limit as it was', () => {
    const limit = Error.stackTraceLimit;
    const refusal = AppError.conflict('SEAT_UNAVAILABLE', 'Some of the seats are no longer available');
    const fault = new AppError('unavailable', 'DEPENDENCY_DOWN', 'PostgreSQL is away');
    expect(refusal.stack ?? '').not.toMatch(/\n\s+at /);
    expect(fault.stack ?? '').toMatch(/\n\s+at /);
    expect(Error.stackTraceLimit).toBe(limit);
    expect(refusal).toMatchObject({ kind: 'conflict', code: 'SEAT_UNAVAILABLE', status: 409 });
    expect(refusal).toBeInstanceOf(Error);
  });
});
