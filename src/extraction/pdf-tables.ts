/**
 * Tables in a PDF page, as Markdown. Ruled tables (a grid of ruling lines, see pdf-rulings.ts)
 * are read from their grid: each item goes to the cell it falls in, so cells a narrow gap apart
 * or wrapped onto several lines stay whole. Tables without column rulings are found in the text
 * layer alone: simple tables whose cells line up in columns.
 * Text items are grouped into lines (by baseline) and each line into cells (runs of items split
 * by a gap wider than a word space). A run of two or more consecutive lines that each have two
 * or more short cells, whose cells fall into the same columns (cells' x-ranges, merged across
 * the run, give the columns, and no line has two cells in one column), is a table; the first
 * line is its header. Everything else is laid out as plain lines.
 */
import { type Grid, inGrid, ruledTable, type TextItem } from './pdf-rulings.js';
import { normalizeText } from './text-pages.js';

export type { TextItem } from './pdf-rulings.js';

/**
 * A gap wider than this many font sizes splits cells (a word space is about 0.25, a justified
 * line's up to about 0.8); narrower cell gaps are found from the columns (splitAcross).
 */
const CELL_GAP = 1;
/** Fewer rows than this (a header and two) are not told from aligned prose or running heads. */
const MIN_ROWS = 3;
/** Dot leaders: a table of contents, not a table. */
const LEADER = /(\. ?){4,}|…{2,}/;
/** Two-column prose lines up too: a table's cells are short (median, in characters). */
const MAX_MEDIAN_CELL_CHARS = 30;
/** A cell this long is a line of prose that happens to start at a column. */
const MAX_CELL_CHARS = 60;
/** Rows further apart than this many font sizes are not one table. */
const MAX_ROW_DROP = 4.5;

interface Cell {
  text: string;
  left: number;
  right: number;
}

interface Line {
  cells: Cell[];
  y: number;
  size: number;
}

/** The page's lines, each split into cells at wide gaps. */
function linesOf(items: readonly TextItem[]): Line[] {
  const lines: Line[] = [];
  let current: Line | null = null;
  let lastEnd = 0;
  const endLine = (): void => {
    if (current !== null) {
      current.cells = current.cells
        .map((cell) => ({ ...cell, text: cell.text.replace(/\s+/g, ' ').trim() }))
        .filter((cell) => cell.text.length > 0);
      if (current.cells.length > 0) lines.push(current);
    }
    current = null;
  };
  for (const item of items) {
    if (item.str.length > 0) {
      const [a = 1, b = 0, c = 0, d = 1, x = 0, y = 0] = item.transform;
      const size = Math.hypot(c, d) || Math.hypot(a, b) || item.height || 1;
      const blank = item.str.trim().length === 0;
      if (current !== null && Math.abs(y - current.y) > size * 0.6) endLine();
      if (current === null) {
        if (!blank)
          current = { cells: [{ text: item.str, left: x, right: x + item.width }], y, size };
      } else {
        const cell = current.cells[current.cells.length - 1] as Cell;
        const gap = x - lastEnd;
        if (!blank && (gap > current.size * CELL_GAP || gap < -current.size)) {
          current.cells.push({ text: item.str, left: x, right: x + item.width });
        } else if (!blank || gap <= current.size * CELL_GAP) {
          const spaced = /\s$/.test(cell.text) || /^\s/.test(item.str);
          if (!spaced && gap > size * 0.15) cell.text += ' ';
          cell.text += item.str;
          if (!blank) cell.right = Math.max(cell.right, x + item.width);
        }
        current.size = Math.max(current.size, size);
      }
      if (!blank) lastEnd = x + item.width;
    }
    if (item.hasEOL) endLine();
  }
  endLine();
  return lines;
}

/** Merged x-ranges of the cells of `rows`: the columns they fall into. */
function mergedRanges(rows: Line[]): Cell[] {
  const ranges = rows
    .flatMap((row) => row.cells.map((cell) => ({ ...cell })))
    .sort((one, other) => one.left - other.left);
  const columns: Cell[] = [];
  for (const range of ranges) {
    const last = columns[columns.length - 1];
    if (last !== undefined && range.left <= last.right) {
      last.right = Math.max(last.right, range.right);
    } else {
      columns.push({ text: '', left: range.left, right: range.right });
    }
  }
  return columns;
}

/** The columns of `rows`: the merged x-ranges of the rows with the most cells. */
function columnsFrom(rows: Line[]): Cell[] {
  const most = Math.max(...rows.map((row) => row.cells.length));
  return mergedRanges(rows.filter((row) => row.cells.length === most));
}

/**
 * `cell` split where it crosses into later columns: pdf.js joins text a narrow gap apart into one
 * item ("Longstone 92"), so each split falls on the space nearest the column's start, positions
 * estimated from the characters' share of the cell's width.
 */
function splitAcross(cell: Cell, columns: Cell[]): Cell[] {
  const inner = columns.filter(
    (column) => column.left > cell.left + 1 && column.left < cell.right - 1,
  );
  if (inner.length === 0) return [cell];
  const perChar = (cell.right - cell.left) / Math.max(1, cell.text.length);
  const spaces = [...cell.text.matchAll(/ /g)].map((match) => match.index);
  const cuts: number[] = [];
  for (const column of inner) {
    let best: number | undefined;
    for (const space of spaces) {
      const x = cell.left + (space + 1) * perChar;
      if (
        best === undefined ||
        Math.abs(x - column.left) < Math.abs(cell.left + (best + 1) * perChar - column.left)
      )
        best = space;
    }
    if (best === undefined || cuts.includes(best)) return [cell];
    cuts.push(best);
  }
  cuts.sort((one, other) => one - other);
  const parts: Cell[] = [];
  let from = 0;
  for (const cut of [...cuts, cell.text.length]) {
    const text = cell.text.slice(from, cut).trim();
    const left = cell.left + from * perChar;
    if (text.length > 0) parts.push({ text, left, right: cell.left + cut * perChar });
    from = cut + 1;
  }
  return parts;
}

/**
 * `rows` as a table: its columns from the rows with the most cells, cells that span several of
 * them split, or null when the rows do not line up (two cells in one column, fewer than two
 * columns, long cells as in two-column prose).
 */
function tableOf(rows: Line[]): { rows: Line[]; columns: Cell[] } | null {
  const columns = columnsFrom(rows);
  if (columns.length < 2) return null;
  const split = rows.map((row) => ({
    ...row,
    cells: row.cells.flatMap((cell) => splitAcross(cell, columns)),
  }));
  const merged = mergedRanges(split);
  if (merged.length < 2) return null;
  for (const row of split) {
    const used = new Set<number>();
    for (const cell of row.cells) {
      const column = columnOf(cell, merged);
      if (used.has(column)) return null;
      used.add(column);
    }
    if (used.size < 2) return null;
  }
  const prose = (cell: Cell): boolean =>
    LEADER.test(cell.text) || cell.text.length > MAX_CELL_CHARS;
  if (split.some((row) => row.cells.some(prose))) return null;
  const lengths = split
    .flatMap((row) => row.cells.map((cell) => cell.text.length))
    .sort((one, other) => one - other);
  if ((lengths[Math.floor(lengths.length / 2)] ?? 0) > MAX_MEDIAN_CELL_CHARS) return null;
  return { rows: split, columns: merged };
}

/** A one-cell line that reads as a row of `rows`: it crosses their columns and stays within them. */
function spansColumns(line: Line, rows: Line[]): boolean {
  const cell = line.cells[0] as Cell;
  const columns = columnsFrom(rows);
  const last = columns[columns.length - 1];
  if (last === undefined || cell.right > last.right + line.size * 3) return false;
  return splitAcross(cell, columns).length >= 2;
}

const columnOf = (cell: Cell, columns: Cell[]): number =>
  columns.findIndex((each) => cell.left >= each.left - 1 && cell.left <= each.right);

const escapeCell = (text: string): string => text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|');

function tableMarkdown(rows: Line[], columns: Cell[]): string {
  const grid = rows.map((row) => {
    const cells = columns.map(() => '');
    for (const cell of row.cells) cells[columnOf(cell, columns)] = escapeCell(cell.text);
    return `| ${cells.join(' | ')} |`;
  });
  grid.splice(1, 0, `| ${columns.map(() => '---').join(' | ')} |`);
  return grid.join('\n');
}

const lineText = (line: Line): string => line.cells.map((cell) => cell.text).join(' ');

/** Lines and blocks separated as layoutText separates them: a blank line for a wide drop. */
function separator(previous: Line, line: Line): string {
  const drop = previous.y - line.y;
  const height = Math.max(previous.size, line.size);
  return drop > height * 1.6 || drop < -height * 2 ? '\n\n' : '\n';
}

/**
 * Where the run of table-like lines from `start` ends: lines close together, each with several
 * cells or with one that crosses the columns of the lines before it.
 */
function runEnd(lines: Line[], start: number): number {
  let end = start;
  while (end < lines.length) {
    const next = lines[end] as Line;
    const above = lines[end - 1];
    if (end > start && above !== undefined && above.y - next.y > next.size * MAX_ROW_DROP) break;
    const spans =
      end > start && next.cells.length === 1 && spansColumns(next, lines.slice(start, end));
    if (next.cells.length < 2 && !spans) break;
    end++;
  }
  return end;
}

/**
 * Whether the page may hold a table: a line with two cells a wide gap apart. A page without one
 * (prose) is laid out without reading its ruling lines, which costs a pass over its drawing. The
 * page's first and last lines do not count: a running head or foot with the page number far
 * right is such a line on nearly every page of a manual.
 */
export function mayHoldTable(items: readonly TextItem[]): boolean {
  const lines = linesOf(items);
  return lines.slice(1, -1).some((line) => line.cells.length >= 2);
}

/**
 * The page as Markdown: the ruled tables of `grids` where their first item comes, the items
 * around them laid out by alignedMarkdown.
 */
export function layoutMarkdown(items: readonly TextItem[], grids: readonly Grid[] = []): string {
  const tableOfItem = new Map<TextItem, number>();
  const tables: string[] = [];
  for (const grid of grids) {
    const inside = items.filter((item) => !tableOfItem.has(item) && inGrid(item, grid));
    const rows = ruledTable(grid, inside);
    if (rows === null) continue;
    for (const item of inside) tableOfItem.set(item, tables.length);
    tables.push(rowsMarkdown(rows));
  }
  if (tables.length === 0) return alignedMarkdown(items);
  const blocks: string[] = [];
  const emitted = new Set<number>();
  let run: TextItem[] = [];
  const endRun = (): void => {
    const text = alignedMarkdown(run);
    if (text.length > 0) blocks.push(text);
    run = [];
  };
  for (const item of items) {
    const table = tableOfItem.get(item);
    if (table === undefined) run.push(item);
    else if (!emitted.has(table)) {
      endRun();
      emitted.add(table);
      blocks.push(tables[table] as string);
    }
  }
  endRun();
  return normalizeText(blocks.join('\n\n'));
}

function rowsMarkdown(rows: string[][]): string {
  const lines = rows.map((row) => `| ${row.map(escapeCell).join(' | ')} |`);
  lines.splice(1, 0, `| ${(rows[0] ?? []).map(() => '---').join(' | ')} |`);
  return lines.join('\n');
}

/** Lines laid out as they are, aligned tables as Markdown tables. */
function alignedMarkdown(items: readonly TextItem[]): string {
  const lines = linesOf(items);
  let markdown = '';
  let previous: Line | null = null;
  let index = 0;
  while (index < lines.length) {
    const line = lines[index] as Line;
    // The longest run of lines from here that may be a table; a one-cell first line may be a
    // header whose cells pdf.js joined, when it crosses the columns of the lines below it.
    let end = runEnd(lines, index);
    if (line.cells.length === 1) {
      const below = runEnd(lines, index + 1);
      const close = (lines[index + 1]?.y ?? line.y) >= line.y - line.size * MAX_ROW_DROP;
      end =
        below - index - 1 >= MIN_ROWS - 1 &&
        close &&
        spansColumns(line, lines.slice(index + 1, below))
          ? below
          : index;
    }
    // A run that does not line up may still start with a table: drop lines from its end.
    let table: ReturnType<typeof tableOf> = null;
    while (table === null && end - index >= MIN_ROWS) {
      table = tableOf(lines.slice(index, end));
      if (table === null) end--;
    }
    if (table !== null) {
      if (previous !== null) markdown += '\n\n';
      // A table is a block of its own.
      markdown += `${tableMarkdown(table.rows, table.columns)}\n\n`;
      previous = null;
      index = end;
      continue;
    }
    if (previous !== null) markdown += separator(previous, line);
    markdown += lineText(line);
    previous = line;
    index++;
  }
  return normalizeText(markdown);
}
