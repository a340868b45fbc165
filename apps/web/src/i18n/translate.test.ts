import { describe, expect, it } from 'vitest';
import { translate } from './i18n.context';
import { messages } from './messages';

describe('translate', () => {
  it('fills the variables in', () => {
    expect(translate('en', 'my.refunded', { amount: '₩1,000' })).toBe('refunded ₩1,000');
  });

  it('takes the singular form where the language has one, the plain message otherwise', () => {
    expect(translate('en', 'search.resultCount', { count: 1 })).toBe('1 event');
    expect(translate('en', 'search.resultCount', { count: 0 })).toBe('0 events');
    expect(translate('en', 'search.resultCount', { count: 2 })).toBe('2 events');
    expect(translate('en', 'my.seatCount', { n: 1 })).toBe('1 seat');
    expect(translate('ko', 'search.resultCount', { count: 1 })).toBe('공연 1개');
  });

  it('has every message in both languages, with the same variables', () => {
    const vars = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(messages.en) as Array<keyof typeof messages.en>) {
      expect(messages.ko[key], key).toBeTruthy();
      expect(vars(messages.ko[key]), key).toEqual(vars(messages.en[key]));
    }
  });
});
