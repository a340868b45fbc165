import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/api-error';
import { translate } from '../i18n/i18n.context';
import type { Locale } from '../lib/format';
import { errorText } from './state-views';

const text = (locale: Locale, err: unknown) => errorText(err, (key, vars) => translate(locale, key, vars));

describe('errorText', () => {
  it('tells a Korean operator what went wrong in Korean, keeping the service’s detail where it matters', () => {
    const layout = new ApiError(400, 'INVALID_LAYOUT', 'Expected integer (/sections/0/price)');
    expect(text('ko', layout)).toBe('좌석 배치도가 올바르지 않습니다: Expected integer (/sections/0/price)');
    expect(
      text(
        'ko',
        new ApiError(409, 'EVENT_HAS_SALES', 'This event has reservations; cancel the event instead'),
      ),
    ).toBe('예매가 있는 공연은 삭제할 수 없습니다. 공연 취소를 이용해 주세요.');
  });

  it('keeps the service’s own detail where it carries one', () => {
    const err = new ApiError(400, 'VALIDATION_FAILED', 'Name must not be blank');
    expect(text('en', err)).toBe('Name must not be blank');
    expect(text('ko', err)).toBe('입력한 내용을 확인해 주세요: Name must not be blank');
    const state = new ApiError(409, 'EVENT_NOT_EDITABLE', 'A cancelled event cannot be edited');
    expect(text('ko', state)).toBe('지금 상태의 공연은 수정할 수 없습니다.');
  });

  it('fills in the numbers the error’s details carry', () => {
    const err = new ApiError(409, 'OPEN_BOOKINGS', 'The account has bookings still going', {
      pending: 1,
      upcoming: 2,
    });
    expect(text('ko', err)).toContain('결제 전 1건, 관람 예정 2건');
    expect(text('en', err)).toContain('(1 unpaid, 2 for events to come)');
  });

  it('falls back to the service’s message for a code it does not know, and to a generic sentence without one', () => {
    expect(text('ko', new ApiError(409, 'SOMETHING_NEW', 'Something new happened'))).toBe(
      'Something new happened',
    );
    expect(text('en', new ApiError(400, 'VALIDATION_FAILED', ''))).toBe(translate('en', 'error.generic'));
    expect(text('ko', new Error('boom'))).toBe(translate('ko', 'error.generic'));
  });
});
