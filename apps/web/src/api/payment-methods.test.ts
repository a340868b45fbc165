import { describe, expect, it } from 'vitest';
import { paymentMethodName } from './payment-methods';

describe('paymentMethodName', () => {
  it('names the providers in the reader’s language', () => {
    expect(paymentMethodName('ko', 'kakaopay', 'Kakao Pay')).toBe('카카오페이');
    expect(paymentMethodName('ko', 'sandbox', 'Sandbox (test payments)')).toBe('샌드박스 (테스트 결제)');
    expect(paymentMethodName('en', 'toss', 'Toss Payments')).toBe('Toss Payments');
  });

  it('falls back to the service’s name, then the id, for a method it does not know', () => {
    expect(paymentMethodName('ko', 'paycoin', 'Paycoin')).toBe('Paycoin');
    expect(paymentMethodName('en', 'paycoin')).toBe('paycoin');
  });
});
