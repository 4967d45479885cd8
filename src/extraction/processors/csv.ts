/**
 * CSV, streamed: the file is decoded in chunks and fed to csv-parse; reading stops once
 * `maxTextChars` of text are kept, so memory stays bounded whatever the file's size. The first
 * record is the header; each row becomes a line "header: value; header: value" and each page's
 * Markdown is a table of that page's rows under the header (at most MAX_MARKDOWN_COLUMNS
 * columns, cells cut at MAX_MARKDOWN_CELL characters). A record (or a raw line) longer than
 * MAX_RECORD_CHARS is refused with UNPROCESSABLE_DOCUMENT: it is not tabular data, and
 * csv-parse would hold it in memory whole.
 */
import { CsvError, parse } from 'csv-parse';
import { Readable, pipeline } from 'node:stream';
import { normalizeInline, PAGE_TARGET_CHARS, safeSlice, TextBudget } from '../text-pages.js';
import { withDecodedFile } from '../text-decoding.js';
import {
  type ExtractedPage,
  type ExtractionResult,
  type ExtractionTask,
  type ProgressReporter,
} from '../../ports/extractor.js';
import { Failure } from '../../ports/failures.js';

export const MAX_RECORD_CHARS = 1_000_000;
const MAX_MARKDOWN_COLUMNS = 50;
const MAX_MARKDOWN_CELL = 500;
const DELIMITERS = [',', ';', '\t', '|'] as const;

const tooLarge = (): Failure =>
  new Failure(
    'UNPROCESSABLE_DOCUMENT',
    `A CSV record is longer than ${MAX_RECORD_CHARS} characters`,
  );

/** The delimiter used most often (outside quotes) in the first line; a comma by default. */
export function sniffDelimiter(head: string): string {
  const counts = new Map<string, number>(DELIMITERS.map((delimiter) => [delimiter, 0]));
  let quoted = false;
  for (const char of head.slice(0, 64 * 1024)) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === '\n' || char === '\r')) break;
    else if (!quoted && counts.has(char)) counts.set(char, (counts.get(char) ?? 0) + 1);
  }
  let best = ',';
  for (const [delimiter, count] of counts) if (count > (counts.get(best) ?? 0)) best = delimiter;
  return best;
}

/** Re-yields `chunks`, failing once a raw line (ended by LF or CR) grows past MAX_RECORD_CHARS. */
async function* guardLineLength(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  let line = 0;
  for await (const chunk of chunks) {
    let start = 0;
    for (let index = 0; index < chunk.length; index++) {
      const code = chunk.charCodeAt(index);
      if (code !== 0x0a && code !== 0x0d) continue;
      if (line + index - start > MAX_RECORD_CHARS) throw tooLarge();
      line = 0;
      start = index + 1;
    }
    line += chunk.length - start;
    if (line > MAX_RECORD_CHARS) throw tooLarge();
    yield chunk;
  }
}

/** Peeks at the first chunk (for the delimiter) and yields everything. */
async function withHead(
  chunks: AsyncIterable<string>,
): Promise<{ head: string; all: AsyncIterable<string> }> {
  const iterator = chunks[Symbol.asyncIterator]();
  const first = await iterator.next();
  const head = first.done === true ? '' : first.value;
  const rest: AsyncIterable<string> = { [Symbol.asyncIterator]: () => iterator };
  async function* all(): AsyncGenerator<string> {
    if (head.length > 0) yield head;
    yield* rest;
  }
  return { head, all: all() };
}

const markdownCell = (value: string): string =>
  safeSlice(normalizeInline(value), MAX_MARKDOWN_CELL).replace(/\\/g, '\\\\').replace(/\|/g, '\\|');

class CsvPages {
  readonly pages: ExtractedPage[] = [];
  private header: string[] = [];
  private lines: string[] = [];
  private rows: string[] = [];
  private size = 0;

  constructor(private readonly budget: TextBudget) {}

  setHeader(record: string[]): void {
    this.header = record.map((cell, index) => normalizeInline(cell) || `column ${index + 1}`);
  }

  /** Adds a data row; false once the budget is spent (the row was cut or left out). */
  addRow(record: string[]): boolean {
    const cells = record.map(normalizeInline);
    const pairs = cells
      .map((value, index) => ({ name: this.header[index] ?? `column ${index + 1}`, value }))
      .filter((pair) => pair.value.length > 0);
    const line =
      this.header.length <= 1 && cells.length <= 1
        ? (cells[0] ?? '')
        : pairs.map((pair) => `${pair.name}: ${pair.value}`).join('; ');
    if (line.length === 0) return true;
    if (this.budget.exhausted) {
      this.budget.cut();
      return false;
    }
    if (this.size > 0 && this.size + line.length > PAGE_TARGET_CHARS) this.flush();
    if (this.lines.length > 0) this.budget.spend(1);
    const kept = this.budget.take(line);
    if (kept.length === 0) return false;
    this.lines.push(kept);
    // A cut row keeps, in the table, the cells that fit in what was kept.
    let room = kept.length;
    const shown = cells.map((value) => {
      const part = safeSlice(value, room);
      room = Math.max(0, room - value.length);
      return part;
    });
    this.rows.push(this.tableRow(shown));
    this.size += kept.length + 1;
    return kept.length === line.length;
  }

  /** A file with only a header row: the header is its content. */
  addHeaderOnly(): void {
    const line = this.budget.take(this.header.join('; '));
    if (line.length > 0) this.lines.push(line);
  }

  finish(): ExtractedPage[] {
    this.flush();
    return this.pages;
  }

  private tableCells(cells: string[]): string[] {
    const width = Math.min(Math.max(this.header.length, 1), MAX_MARKDOWN_COLUMNS);
    const shown = Array.from({ length: width }, (_, index) => markdownCell(cells[index] ?? ''));
    if (Math.max(this.header.length, cells.length) > MAX_MARKDOWN_COLUMNS) shown.push('…');
    return shown;
  }

  private tableRow(cells: string[]): string {
    return `| ${this.tableCells(cells).join(' | ')} |`;
  }

  private flush(): void {
    if (this.lines.length === 0) return;
    const separator = `| ${this.tableCells(this.header)
      .map(() => '---')
      .join(' | ')} |`;
    this.pages.push({
      number: this.pages.length + 1,
      text: this.lines.join('\n'),
      markdown: [this.tableRow(this.header), separator, ...this.rows].join('\n'),
    });
    this.lines = [];
    this.rows = [];
    this.size = 0;
  }
}

async function parseCsv(
  chunks: AsyncIterable<string>,
  maxTextChars: number,
): Promise<{ pages: ExtractedPage[]; truncated: boolean }> {
  const budget = new TextBudget(maxTextChars);
  const pages = new CsvPages(budget);
  const { head, all } = await withHead(guardLineLength(chunks));
  const source = Readable.from(all);
  const parser = parse({
    delimiter: sniffDelimiter(head),
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    max_record_size: MAX_RECORD_CHARS,
  });
  // Errors from the source (a bad encoding, an overlong line) reach the parser's iterator.
  pipeline(source, parser, () => {});
  let header = true;
  let rows = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (header) {
        pages.setHeader(record);
        header = false;
        continue;
      }
      rows++;
      if (!pages.addRow(record)) break;
    }
  } catch (error) {
    if (error instanceof CsvError) {
      if (error.code === 'CSV_MAX_RECORD_SIZE') throw tooLarge();
      throw new Failure('DOCUMENT_CORRUPT', `Malformed CSV: ${error.message}`);
    }
    throw error;
  } finally {
    source.destroy();
    parser.destroy();
  }
  if (!header && rows === 0) pages.addHeaderOnly();
  return { pages: pages.finish(), truncated: budget.truncated };
}

export async function extractCsv(
  task: ExtractionTask,
  progress: ProgressReporter,
): Promise<ExtractionResult> {
  const { pages, truncated } = await withDecodedFile(task.path, (chunks) =>
    parseCsv(chunks, task.limits.maxTextChars),
  );
  progress(pages.length, pages.length);
  return { pages, pageCount: pages.length, metadata: {}, needsOcr: false, truncated };
}
