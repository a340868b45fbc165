import { describe, expect, it } from 'vitest';
import { failReason } from './payment-result.pages';

describe('failReason', () => {
  it('says why a payment did not go through in the reader’s words for the providers’ common codes', () => {
    expect(failReason('ko', 'PAY_PROCESS_CANCELED', 'The buyer cancelled the payment')).toBe(
      '결제를 취소하셨습니다.',
    );
    expect(failReason('en', 'REJECT_CARD_COMPANY', '카드사 거절')).toBe(
      'The card company declined the payment.',
    );
  });

  it('passes on the provider’s own message for any other code, and nothing without one', () => {
    expect(failReason('ko', 'EXCEED_MAX_DAILY_PAYMENT_COUNT', '하루 결제 가능 횟수를 초과했습니다.')).toBe(
      '하루 결제 가능 횟수를 초과했습니다.',
    );
    expect(failReason('en', null, null)).toBeNull();
  });
});
