import { describe, expect, it } from 'vitest';
import { csvCell, csvDocument } from './csv';

describe('csv', () => {
  it('quotes what needs it and defuses text that starts like a formula, not negative numbers', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a, "b"')).toBe('"a, ""b"""');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('-1+2')).toBe("'-1+2");
    expect(csvCell(-5000)).toBe('-5000');
    expect(csvCell(null)).toBe('');
  });

  it('starts with a byte order mark and ends lines with CRLF', () => {
    const doc = csvDocument([
      ['title', 'amount'],
      ['뮤지컬 〈오페라의 유령〉', 170000],
    ]);
    expect(doc).toBe('\uFEFFtitle,amount\r\n뮤지컬 〈오페라의 유령〉,170000\r\n');
    expect([...Buffer.from(doc).subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  });
});
