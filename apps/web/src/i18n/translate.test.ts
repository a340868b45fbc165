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
    // Counts arrive formatted too.
    expect(translate('en', 'queue.ahead', { n: '1' })).toBe('1 person ahead of you');
    expect(translate('en', 'queue.ahead', { n: '1,001' })).toBe('1,001 people ahead of you');
  });

  it('has every message in both languages, with the same variables', () => {
    const vars = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(messages.en) as Array<keyof typeof messages.en>) {
      // A singular form is the language's own: Korean has none.
      if (key.endsWith('.one')) {
        expect(messages.en[key.slice(0, -'.one'.length) as keyof typeof messages.en], key).toBeTruthy();
        expect(vars(messages.en[key]!), key).toEqual(
          vars(messages.en[key.slice(0, -4) as keyof typeof messages.en]!),
        );
        continue;
      }
      expect(messages.ko[key], key).toBeTruthy();
      expect(vars(messages.ko[key]!), key).toEqual(vars(messages.en[key]!));
    }
  });
});
