/**
 * A sheet's cells (XLSX and ODS) within the row and column bounds, and the sheet as one page: a
 * heading with its name and a Markdown table of its used range, empty rows left out. Merged
 * cells repeat their value in every cell they cover, so each row reads on its own. The first row
 * is the header when all its cells are filled and none is a number (and rows follow); otherwise
 * the columns are headed by their letters (A, B, …). Cells past the bounds are dropped and the
 * grid marked truncated.
 */
import type { TextBlock } from './text-pages.js';

export interface SheetBounds {
  maxRows: number;
  maxColumns: number;
}

/** More merged ranges than a real sheet has are ignored (each costs memory). */
const MAX_MERGES = 100_000;
const NUMBER = /^[-+]?(\d[\d,]*)?(\.\d+)?([eE][-+]?\d+)?%?$/;

/** `A` for 0, `Z` for 25, `AA` for 26, … */
export function columnLetters(index: number): string {
  let letters = '';
  for (let rest = index + 1; rest > 0; rest = Math.floor((rest - 1) / 26)) {
    letters = String.fromCharCode(65 + ((rest - 1) % 26)) + letters;
  }
  return letters;
}

/** A cell reference (`B3`, `$B$3`) as 0-based row and column, or null. */
export function parseCellReference(reference: string): { row: number; column: number } | null {
  const match = /^\$?([A-Za-z]{1,3})\$?(\d{1,7})$/.exec(reference);
  if (match === null) return null;
  let column = 0;
  for (const char of (match[1] as string).toUpperCase())
    column = column * 26 + (char.charCodeAt(0) - 64);
  return { row: Number(match[2]) - 1, column: column - 1 };
}

const escapeCell = (value: string): string =>
  value.replace(/\s+/g, ' ').trim().replace(/\\/g, '\\\\').replace(/\|/g, '\\|');
const plainCell = (value: string): string => value.replace(/\s+/g, ' ').trim();

export class SheetGrid {
  private readonly rows = new Map<number, Map<number, string>>();
  private readonly merges: { top: number; left: number; bottom: number; right: number }[] = [];
  truncated = false;

  constructor(private readonly bounds: SheetBounds) {}

  /** Whether a row index is past the bounds (marks the grid truncated when `content` is). */
  rowOutside(row: number, content = false): boolean {
    if (row < this.bounds.maxRows) return false;
    if (content) this.truncated = true;
    return true;
  }

  /** Stores a non-empty value at a 0-based position within the bounds. */
  set(row: number, column: number, value: string): void {
    if (value.trim().length === 0) return;
    if (row >= this.bounds.maxRows || column >= this.bounds.maxColumns) {
      this.truncated = true;
      return;
    }
    let cells = this.rows.get(row);
    if (cells === undefined) this.rows.set(row, (cells = new Map()));
    cells.set(column, value);
  }

  merge(top: number, left: number, bottom: number, right: number): void {
    if (bottom < top || right < left || this.merges.length >= MAX_MERGES) return;
    this.merges.push({ top, left, bottom, right });
  }

  /** The sheet's page: its name as a heading and its cells as a table (just the name when empty). */
  blocks(name: string): TextBlock[] {
    this.applyMerges();
    const heading: TextBlock = { markdown: `# ${escapeCell(name)}`, text: plainCell(name) };
    const rowIndexes = [...this.rows.keys()].sort((a, b) => a - b);
    if (rowIndexes.length === 0) return [heading];
    let first = Number.POSITIVE_INFINITY;
    let last = -1;
    for (const cells of this.rows.values()) {
      for (const column of cells.keys()) {
        first = Math.min(first, column);
        last = Math.max(last, column);
      }
    }
    const columns = Array.from({ length: last - first + 1 }, (_, index) => first + index);
    const values = rowIndexes.map((row) =>
      columns.map((column) => this.rows.get(row)?.get(column) ?? ''),
    );
    const [top, ...rest] = values as [string[], ...string[][]];
    const isHeader =
      rest.length > 0 && top.every((cell) => cell.trim().length > 0 && !NUMBER.test(cell.trim()));
    const header = isHeader ? top : columns.map(columnLetters);
    const body = isHeader ? rest : values;
    const line = (cells: string[]): string => `| ${cells.map(escapeCell).join(' | ')} |`;
    const markdown = [
      line(header),
      `| ${columns.map(() => '---').join(' | ')} |`,
      ...body.map(line),
    ].join('\n');
    const text = [header, ...body].map((cells) => cells.map(plainCell).join(' | ')).join('\n');
    return [heading, { markdown, text }];
  }

  /** Fills merged ranges, at most the grid's size in all (overlapping ranges cannot multiply it). */
  private applyMerges(): void {
    let allowance = this.bounds.maxRows * this.bounds.maxColumns;
    for (const { top, left, bottom, right } of this.merges) {
      const value = this.rows.get(top)?.get(left);
      if (value === undefined) continue;
      for (let row = top; row <= Math.min(bottom, this.bounds.maxRows - 1); row++) {
        for (let column = left; column <= Math.min(right, this.bounds.maxColumns - 1); column++) {
          if (--allowance < 0) return;
          if (row !== top || column !== left) this.set(row, column, value);
        }
      }
    }
  }
}
