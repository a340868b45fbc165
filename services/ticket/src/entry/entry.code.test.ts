import { describe, expect, it } from 'vitest';
import { newEntryCode, normaliseEntryCode } from './entry.code';

describe('entry codes', () => {
  it('are 120 random bits in Crockford base32 behind their prefix, never twice the same', () => {
    const codes = new Set(Array.from({ length: 1000 }, () => newEntryCode()));
    expect(codes.size).toBe(1000);
    for (const code of codes) expect(code).toMatch(/^TKT-[0-9A-HJKMNP-TV-Z]{24}$/);
  });

  it('read the same however a person or a scanner sends them', () => {
    const code = 'TKT-MQMK9RP36CH60ME861RHVBH7';
    for (const typed of [
      code,
      code.toLowerCase(),
      ' TKT-MQMK 9RP3 6CH6 0ME8 61RH VBH7 ',
      'MQMK9RP36CH60ME861RHVBH7',
      'tkt-mqmk9rp36ch6ome861rhvbh7', // O typed for 0
      'TKT-MQMK9RP36CH60ME86IRHVBH7', // I typed for 1
    ])
      expect(normaliseEntryCode(typed), typed).toBe(code);
  });
});
