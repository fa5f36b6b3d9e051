// What the CLI verbs print with: where it goes, aligned tables, percentages.

export interface Output {
  write(text: string): void;
}

/** Rows (the first is the header) as columns two spaces apart, each line after `indent`. */
export function formatTable(rows: readonly (readonly string[])[], indent = ''): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows.map((row) => `${indent}${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd()).join('\n');
}

/**
 * A share as a percentage with one decimal ("12.5%"), "-" when there is none; `compact`
 * drops a trailing ".0" ("10%"), for shares that were set rather than measured.
 */
export function percent(x: number | null | undefined, compact = false): string {
  if (x === null || x === undefined) return '-';
  return compact ? `${Number((x * 100).toFixed(1))}%` : `${(x * 100).toFixed(1)}%`;
}
