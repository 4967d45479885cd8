/**
 * CSV: the rows are an array of records keyed by the header row; written from an array of objects
 * (or one wrapped in single keys), one column per key seen.
 */
import { parse as parseCsvSync } from 'csv-parse/sync';
import { stringify as stringifyCsvSync } from 'csv-stringify/sync';
import { AppError } from '../../errors.js';
import { DATA_LIMITS, MiB, type DataLimits } from './limits.js';
import { unprocessable } from './problems.js';
import { inferScalar, isRecord, typeName } from './tree.js';

export function parseCsv(text: string, limits: DataLimits, inferTypes: boolean): unknown {
  let cells = 0;
  let rows: string[][];
  try {
    rows = parseCsvSync(text, {
      bom: true,
      skip_empty_lines: true,
      max_record_size: MiB,
      on_record: (record: string[]) => {
        cells += record.length + 1;
        if (cells > limits.maxNodes) {
          throw unprocessable(`The CSV has more than ${limits.maxNodes} cells`);
        }
        return record;
      },
    }) as string[][];
  } catch (error) {
    if (error instanceof AppError) throw error;
    const cause = (error as Error).cause;
    if (cause instanceof AppError) throw cause;
    throw unprocessable(`Invalid CSV: ${(error as Error).message}`);
  }
  const [header, ...records] = rows;
  if (header === undefined) return [];
  const names = header.map((name, index) => (name.trim() === '' ? `column_${index + 1}` : name));
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw unprocessable(`The CSV header names the column "${name}" twice`);
    seen.add(name);
  }
  // Object.fromEntries defines own properties: a "__proto__" column is just a column.
  return records.map((record) =>
    Object.fromEntries(
      names.map((name, index) => {
        const cell = record[index] ?? '';
        return [name, inferTypes ? inferScalar(cell) : cell];
      }),
    ),
  );
}

/**
 * The rows a value gives as CSV: an array of objects; an object wrapping one (through single
 * keys, as XML turns a table into {"rows": {"row": [...]}}); or one object as a single row.
 */
function tableOf(value: unknown): Record<string, unknown>[] {
  let table: unknown = value;
  let current = value;
  for (let hops = 0; isRecord(current) && hops < DATA_LIMITS.maxDepth; hops++) {
    const keys = Object.keys(current);
    current = keys.length === 1 ? current[keys[0] ?? ''] : undefined;
    if (Array.isArray(current)) table = current;
  }
  if (isRecord(table)) table = [table];
  if (!Array.isArray(table)) {
    throw unprocessable(`CSV needs an array of objects, not ${typeName(value)}`);
  }
  return table.map((row: unknown, index) => {
    if (!isRecord(row)) {
      throw unprocessable(`CSV needs an array of objects; item ${index} is ${typeName(row)}`);
    }
    return row;
  });
}

function cellOf(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function writeCsv(value: unknown): string {
  const rows = tableOf(value);
  const columns = new Map<string, number>();
  for (const row of rows) {
    for (const key of Object.keys(row)) if (!columns.has(key)) columns.set(key, columns.size);
  }
  if (columns.size === 0) return '';
  const names = [...columns.keys()];
  const records = rows.map((row) =>
    names.map((name) => (Object.hasOwn(row, name) ? cellOf(row[name]) : '')),
  );
  return stringifyCsvSync([names, ...records], { eof: true });
}
