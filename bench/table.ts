/** Markdown table output shared by every bench script. */

/** A table cell: numbers are right-aligned and printed as given (format them first for fixed decimals). */
export type Cell = string | number;

/** Renders a GitHub-style markdown table; columns whose cells are all numeric (or blank/–) are right-aligned. */
export function formatTable(title: string, columns: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((row) => columns.map((_, index) => String(row[index] ?? '')));
  const numeric = columns.map((_, index) => rows.length > 0 && rows.every((row) => /^(?:[-+]?[\d.,]+(?:[ ]?[%×x])?|–|-|)$/.test(String(row[index] ?? ''))));
  const widths = columns.map((column, index) => Math.max(3, column.length, ...text.map((row) => row[index]!.length)));
  const pad = (value: string, index: number): string => (numeric[index] ? value.padStart(widths[index]!) : value.padEnd(widths[index]!));
  const line = (cells: string[]): string => `| ${cells.map(pad).join(' | ')} |`;
  const rule = `|${widths.map((width, index) => (numeric[index] ? `${'-'.repeat(width + 1)}:` : `${'-'.repeat(width + 2)}`)).join('|')}|`;
  return [`### ${title}`, '', line([...columns]), rule, ...text.map(line)].join('\n');
}

/** Prints {@link formatTable} to stdout (followed by a blank line) and returns the text. */
export function printTable(title: string, columns: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const table = formatTable(title, columns, rows);
  console.log(`${table}\n`);
  return table;
}
