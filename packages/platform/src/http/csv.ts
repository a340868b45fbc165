export type CsvValue = string | number | null;

/**
 * Spreadsheet-safe: quoted where needed, and text that starts like a formula is defused (a buyer
 * named "=HYPERLINK(...)" must not run in an operator's spreadsheet). Numbers stay numbers, a
 * negative one included.
 */
export function csvCell(value: CsvValue): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * A CSV document as spreadsheets open it: a byte order mark first (Excel reads UTF-8 without one
 * in the system's code page, and on a Korean Windows every title and name turns to mojibake),
 * and CRLF line ends.
 */
export function csvDocument(rows: CsvValue[][]): string {
  return `\uFEFF${rows.map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
