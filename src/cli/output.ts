import { Option } from 'commander';
import { stringify } from 'yaml';
import { UsageError } from './errors.js';

export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function outputOption(): Option {
  return new Option('-o, --output <format>', 'output format')
    .choices(OUTPUT_FORMATS)
    .default('table');
}

/** One table column: its header and how to read it from a row. */
export interface Column<T> {
  header: string;
  value: (row: T) => string | number | undefined;
}

export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) => columns.map((c) => String(c.value(row) ?? '')));
  const headers = columns.map((c) => c.header);
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n');
}

/** Prints a resource or a list in the chosen format; tables show the given columns. */
export function printResult<T>(
  format: OutputFormat,
  value: T | readonly T[],
  columns: readonly Column<T>[],
): void {
  switch (format) {
    case 'json':
      process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
      return;
    case 'yaml':
      process.stdout.write(stringify(value));
      return;
    case 'table': {
      const rows = Array.isArray(value) ? (value as readonly T[]) : [value as T];
      process.stdout.write(`${renderTable(rows, columns)}\n`);
      return;
    }
    default:
      throw new UsageError(`unknown output format ${String(format satisfies never)}`);
  }
}

/** Age like kubectl prints it: 45s, 12m, 3h, 2d. */
export function age(iso: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}
