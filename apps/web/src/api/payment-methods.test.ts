import { describe, expect, it } from 'vitest';
import { paymentMethodName } from './payment-methods';
import { namedById } from '../i18n/messages';

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

describe('namedById', () => {
  it('names the default refund policy in Korean, and keeps an operator’s own policy name', () => {
    expect(namedById('ko', 'refundPolicy', 'standard', 'Standard (Korean ticketing schedule)')).toBe(
      '표준 (국내 공연 취소 수수료 기준)',
    );
    expect(namedById('ko', 'refundPolicy', 'pol_festival', '페스티벌 환불 규정')).toBe('페스티벌 환불 규정');
  });
});
