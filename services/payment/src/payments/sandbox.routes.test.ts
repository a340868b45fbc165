import { describe, expect, it } from 'vitest';
import { sandboxLanguage } from './sandbox.routes';

describe('sandboxLanguage', () => {
  it('follows the browser’s most preferred of Korean and English', () => {
    expect(sandboxLanguage('ko-KR,ko;q=0.9,en-US;q=0.8')).toBe('ko');
    expect(sandboxLanguage('en-US,en;q=0.9,ko;q=0.8')).toBe('en');
    expect(sandboxLanguage('ja-JP,ko;q=0.7,en;q=0.5')).toBe('ko');
    expect(sandboxLanguage('en;q=0.4,ko;q=0.6')).toBe('ko');
  });

  it('answers in English when neither is asked for, or Korean is refused', () => {
    expect(sandboxLanguage(undefined)).toBe('en');
    expect(sandboxLanguage('fr-FR')).toBe('en');
    expect(sandboxLanguage('ko;q=0,en;q=0.1')).toBe('en');
  });
});
