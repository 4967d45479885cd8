/**
 * ODS (OpenDocument spreadsheet): one page per sheet (`table:table`), in order, hidden sheets
 * (their table style says `table:display="false"`) skipped unless QUIRE_SHEET_HIDDEN=include;
 * each a Markdown table (sheet-grid.ts). Cells show their stored values — a formula's last
 * result, numbers from `office:value`, dates as ISO dates, booleans as TRUE/FALSE, text as
 * written — and spanned cells repeat their value. content.xml is streamed through the
 * tokenizer, never built as a tree, and repeated rows and cells (`number-rows-repeated`,
 * `number-columns-repeated`: how ODS pads a sheet to a million rows) are counted, not expanded,
 * unless they hold a value, and then only within the bounds. The package passes the zip-bomb
 * checks first; metadata from meta.xml.
 */
import { openDocumentMetadata } from '../package-metadata.js';
import { SheetGrid } from '../sheet-grid.js';
import { TextBudget } from '../text-pages.js';
import { checkPageCount, wholePage } from '../whole-pages.js';
import { attributesOf, xmlEvents } from '../xml-events.js';
import { ZipPackage } from '../zip-package.js';
import type {
  ExtractedPage,
  ExtractionLimits,
  ExtractionResult,
  ExtractionTask,
  ProgressReporter,
} from '../../ports/extractor.js';
import { Failure } from '../../ports/failures.js';

interface Sheet {
  name: string;
  hidden: boolean;
  grid: SheetGrid;
}

interface PendingCell {
  column: number;
  repeat: number;
  value: string;
  rowSpan: number;
  columnSpan: number;
}

const count = (value: string | undefined): number => {
  const number = Number(value ?? '1');
  return Number.isInteger(number) && number > 0 ? number : 1;
};

function formatNumber(raw: string): string {
  const value = Number(raw);
  return Number.isFinite(value) ? String(Number(value.toPrecision(15))) : raw;
}

function typedValue(attributes: Record<string, string>, text: string): string {
  const type = attributes['office:value-type'] ?? attributes['value-type'];
  switch (type) {
    case 'float':
    case 'percentage':
    case 'currency': {
      const raw = attributes['office:value'] ?? attributes.value;
      return raw === undefined ? text : formatNumber(raw);
    }
    case 'date': {
      const raw = attributes['office:date-value'] ?? attributes['date-value'];
      return raw === undefined ? text : raw.replace(/T00:00:00(\.0+)?$/, '').replace('T', ' ');
    }
    case 'boolean': {
      const raw = attributes['office:boolean-value'] ?? attributes['boolean-value'];
      return raw === undefined ? text : raw === 'true' ? 'TRUE' : 'FALSE';
    }
    default:
      return text;
  }
}

/** Every sheet of content.xml, streamed. */
function readSheets(xml: string, limits: ExtractionLimits): Sheet[] {
  const bounds = { maxRows: limits.maxSheetRows, maxColumns: limits.maxSheetColumns };
  const hiddenStyles = new Set<string>();
  const sheets: Sheet[] = [];
  let styleName: string | undefined;
  let sheet: Sheet | null = null;
  /** Tables inside a sheet (a shape's) are not sheets: their depth is counted and ignored. */
  let innerTables = 0;
  let row = 0;
  let rowRepeat = 1;
  let column = 0;
  let cells: PendingCell[] = [];
  let cell: { attributes: Record<string, string>; repeat: number; paragraphs: string[][] } | null =
    null;
  let skippedText = 0;
  for (const event of xmlEvents(xml, 'ODS part content.xml')) {
    if (event.kind === 'text') {
      if (cell !== null && skippedText === 0)
        cell.paragraphs[cell.paragraphs.length - 1]?.push(event.text);
      continue;
    }
    if (event.kind === 'open') {
      switch (event.name) {
        case 'style':
          styleName = attributesOf(event.raw).name;
          break;
        case 'table-properties': {
          const display = attributesOf(event.raw).display;
          if (display === 'false' && styleName !== undefined) hiddenStyles.add(styleName);
          break;
        }
        case 'table': {
          if (sheet !== null) {
            if (!event.selfClosing) innerTables++;
            break;
          }
          const attributes = attributesOf(event.raw);
          const style = attributes['style-name'];
          sheet = {
            name: attributes.name ?? `Sheet${sheets.length + 1}`,
            hidden: style !== undefined && hiddenStyles.has(style),
            grid: new SheetGrid(bounds),
          };
          row = 0;
          if (event.selfClosing) {
            sheets.push(sheet);
            sheet = null;
          }
          break;
        }
        case 'table-row':
          if (sheet === null || innerTables > 0) break;
          rowRepeat = count(attributesOf(event.raw)['number-rows-repeated']);
          column = 0;
          cells = [];
          if (event.selfClosing) row += rowRepeat;
          break;
        case 'table-cell':
        case 'covered-table-cell': {
          if (sheet === null || innerTables > 0) break;
          const attributes = attributesOf(event.raw);
          const repeat = count(attributes['number-columns-repeated']);
          if (event.selfClosing) {
            // An empty cell, or one whose value is only in its attributes (no text:p).
            const value = event.name === 'table-cell' ? typedValue(attributes, '') : '';
            if (value.length > 0 && column < bounds.maxColumns)
              cells.push({ column, repeat, value, rowSpan: 1, columnSpan: 1 });
            else if (value.length > 0) sheet.grid.truncated = true;
            column += repeat;
          } else {
            cell = { attributes, repeat, paragraphs: [] };
          }
          break;
        }
        case 'p':
        case 'h':
          if (cell !== null && skippedText === 0) cell.paragraphs.push([]);
          break;
        case 's':
          if (cell !== null && skippedText === 0)
            cell.paragraphs[cell.paragraphs.length - 1]?.push(
              ' '.repeat(Math.min(100, count(attributesOf(event.raw).c))),
            );
          break;
        case 'tab':
        case 'line-break':
          if (cell !== null && skippedText === 0)
            cell.paragraphs[cell.paragraphs.length - 1]?.push(' ');
          break;
        case 'annotation':
          if (!event.selfClosing) skippedText++;
          break;
        default:
      }
      continue;
    }
    switch (event.name) {
      case 'annotation':
        skippedText = Math.max(0, skippedText - 1);
        break;
      case 'table-cell':
      case 'covered-table-cell': {
        if (cell === null) break;
        const text = cell.paragraphs.map((parts) => parts.join('')).join('\n');
        const value = event.name === 'table-cell' ? typedValue(cell.attributes, text) : '';
        if (value.trim().length > 0 && column >= bounds.maxColumns) {
          if (sheet !== null) sheet.grid.truncated = true;
        } else if (value.trim().length > 0) {
          cells.push({
            column,
            repeat: cell.repeat,
            value,
            rowSpan: count(cell.attributes['number-rows-spanned']),
            columnSpan: count(cell.attributes['number-columns-spanned']),
          });
        }
        column += cell.repeat;
        cell = null;
        break;
      }
      case 'table-row': {
        if (sheet === null || innerTables > 0) break;
        if (cells.length > 0 && !sheet.grid.rowOutside(row, true)) {
          const copies = Math.min(rowRepeat, bounds.maxRows - row);
          if (copies < rowRepeat) sheet.grid.truncated = true;
          for (let copy = 0; copy < copies; copy++) {
            for (const pending of cells) {
              // Columns ascend and do not overlap: a row costs at most maxColumns writes.
              const repeat = Math.min(
                pending.repeat,
                Math.max(0, bounds.maxColumns - pending.column),
              );
              if (repeat < pending.repeat) sheet.grid.truncated = true;
              for (let offset = 0; offset < repeat; offset++) {
                sheet.grid.set(row + copy, pending.column + offset, pending.value);
                if (pending.rowSpan > 1 || pending.columnSpan > 1) {
                  sheet.grid.merge(
                    row + copy,
                    pending.column + offset,
                    row + copy + pending.rowSpan - 1,
                    pending.column + offset + pending.columnSpan - 1,
                  );
                }
              }
            }
          }
        }
        row += rowRepeat;
        cells = [];
        break;
      }
      case 'table':
        if (innerTables > 0) innerTables--;
        else if (sheet !== null) {
          sheets.push(sheet);
          sheet = null;
        }
        break;
      default:
    }
  }
  return sheets;
}

export async function extractOds(
  task: ExtractionTask,
  progress: ProgressReporter,
): Promise<ExtractionResult> {
  const parts = await ZipPackage.read(task, 'ODS', async (zip) => ({
    content: await zip.text('content.xml'),
    meta: await zip.xml('meta.xml'),
  }));
  if (parts.content === null || !/<(?:[\w.-]+:)?spreadsheet[\s>]/.test(parts.content)) {
    throw new Failure('DOCUMENT_CORRUPT', 'Not an ODS: no content.xml with an office:spreadsheet');
  }
  const sheets = readSheets(parts.content, task.limits).filter(
    (sheet) => task.limits.includeHiddenSheets || !sheet.hidden,
  );
  checkPageCount(sheets.length, task.limits.maxPages, 'sheets');
  const budget = new TextBudget(task.limits.maxTextChars);
  const pages: ExtractedPage[] = sheets.map((sheet, index) => {
    progress(index + 1, sheets.length);
    return wholePage(sheet.grid.blocks(sheet.name), index + 1, budget);
  });
  progress(pages.length, pages.length);
  return {
    pages,
    pageCount: pages.length,
    metadata: parts.meta === null ? {} : openDocumentMetadata(parts.meta),
    needsOcr: false,
    truncated: sheets.some((sheet) => sheet.grid.truncated) || budget.truncated,
  };
}
