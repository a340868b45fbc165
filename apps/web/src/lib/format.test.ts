import { describe, expect, it } from 'vitest';
import { formatDuration } from './format';

describe('formatDuration', () => {
  it('counts down as m:ss under an hour and h:mm:ss under a day', () => {
    expect(formatDuration(65, 'ko')).toBe('1:05');
    expect(formatDuration(3 * 3600 + 4 * 60 + 5, 'en')).toBe('3:04:05');
    expect(formatDuration(-3, 'ko')).toBe('0:00');
  });

  it('names whole days in the reader’s language', () => {
    const left = 29 * 86400 + 22 * 3600 + 59 * 60 + 39;
    expect(formatDuration(left, 'ko')).toBe('29일 22:59:39');
    expect(formatDuration(left, 'en')).toBe('29d 22:59:39');
  });
});
