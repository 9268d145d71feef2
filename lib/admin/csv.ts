/**
 * RFC 4180 CSV cells. Free text is also defused against formula injection: a cell that a spreadsheet
 * would run as a formula (=, +, -, @, tab, CR at the start) gets a leading apostrophe.
 */
export type CsvValue = string | number | boolean | null | undefined;

export function csvCell(value: CsvValue, freeText = false): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (freeText && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(cells: string[]): string {
  // CRLF, as RFC 4180 and spreadsheet imports expect.
  return `${cells.join(',')}\r\n`;
}
