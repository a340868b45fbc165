import { describe, expect, it } from 'vitest';
import { groupedCode } from './entry-pass';

describe('groupedCode', () => {
  it('writes the code in groups of four after its prefix', () => {
    expect(groupedCode('TKT-MQMK9RP36CH60ME861RHVBH7')).toBe('TKT-MQMK 9RP3 6CH6 0ME8 61RH VBH7');
    expect(groupedCode('ABCDEFG')).toBe('ABCD EFG');
  });
});
