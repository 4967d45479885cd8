/**
 * XLSX: one page per sheet, in the workbook's order (hidden sheets skipped unless
 * QUIRE_SHEET_HIDDEN=include; chart sheets have no cells), each a Markdown table (sheet-grid.ts).
 * Cells show what Excel last computed: a formula's cached value, shared and inline strings,
 * TRUE/FALSE, error codes, numbers to 15 significant digits, and dates (numbers in a date
 * format) as ISO dates. Sheets are streamed through the tokenizer, never built as trees: a
 * sheet that declares a huge dimension or holds a million empty cells costs one linear pass,
 * and cells past QUIRE_SHEET_MAX_ROWS × QUIRE_SHEET_MAX_COLUMNS are not kept. The package
 * passes the zip-bomb checks first; metadata from docProps/core.xml.
 *
 * Not exceljs: it holds the whole workbook in memory through its own unzip (the zip-bomb
 * accounting would have to run first anyway), reads no ODS, and the parts it would save us are
 * the few below.
 */
import { corePropertiesMetadata } from '../package-metadata.js';
import { SheetGrid, parseCellReference, type SheetBounds } from '../sheet-grid.js';
import { TextBudget } from '../text-pages.js';
import { checkPageCount, wholePage } from '../whole-pages.js';
import { attributesOf, xmlEvents } from '../xml-events.js';
import { childrenNamed, findAll, findFirst, type XmlElement } from '../xml-tree.js';
import { ZipPackage, type Relationship } from '../zip-package.js';
import type {
  ExtractedPage,
  ExtractionResult,
  ExtractionTask,
  ProgressReporter,
} from '../../ports/extractor.js';

/** Built-in number formats that are dates or times. */
const DATE_FORMAT_IDS = new Set([
  14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 30, 36, 45, 46, 47, 50, 57,
]);
const DAY_MS = 86_400_000;
/** Day 0 of the 1900 system is 1899-12-30 (Excel's 1900 leap-year bug included). */
const EPOCH_1900 = Date.UTC(1899, 11, 30);
const EPOCH_1904 = Date.UTC(1904, 0, 1);

/** Whether a custom number format shows a date or time (quoted text and [colours] aside). */
function isDateFormat(code: string): boolean {
  const bare = code.replace(/"[^"]*"|\[[^\]]*\]|\\./g, '');
  return /[dmyhs]/i.test(bare) && !/^[#0.,%\s]*$/.test(bare);
}

/** Strings of sharedStrings.xml, streamed (phonetic runs left out). */
function sharedStrings(xml: string | null, part: string): string[] {
  const strings: string[] = [];
  if (xml === null) return strings;
  let current: string[] | null = null;
  let inText = false;
  let phonetic = 0;
  for (const event of xmlEvents(xml, part)) {
    if (event.kind === 'open') {
      if (event.name === 'si' && !event.selfClosing) current = [];
      else if (event.name === 'si') strings.push('');
      else if (event.name === 'rPh' && !event.selfClosing) phonetic++;
      else if (event.name === 't' && !event.selfClosing) inText = true;
    } else if (event.kind === 'close') {
      if (event.name === 'si' && current !== null) {
        strings.push(current.join(''));
        current = null;
      } else if (event.name === 'rPh') phonetic = Math.max(0, phonetic - 1);
      else if (event.name === 't') inText = false;
    } else if (inText && phonetic === 0 && current !== null) {
      current.push(event.text);
    }
  }
  return strings;
}

/** For each cell style index, whether its number format is a date. */
function dateStyles(styles: XmlElement | null): boolean[] {
  if (styles === null) return [];
  const custom = new Map<number, string>();
  for (const format of findAll(styles, 'numFmt')) {
    custom.set(Number(format.attributes.numFmtId), format.attributes.formatCode ?? '');
  }
  const cellFormats = findFirst(styles, 'cellXfs');
  if (cellFormats === undefined) return [];
  return childrenNamed(cellFormats, 'xf').map((format) => {
    const id = Number(format.attributes.numFmtId ?? '0');
    const code = custom.get(id);
    return code === undefined ? DATE_FORMAT_IDS.has(id) : isDateFormat(code);
  });
}

function formatNumber(raw: string): string {
  const value = Number(raw);
  return Number.isFinite(value) ? String(Number(value.toPrecision(15))) : raw;
}

function formatDate(raw: string, epoch: number): string {
  const serial = Number(raw);
  if (!Number.isFinite(serial) || serial < 0 || serial > 2_958_466) return raw;
  const iso = new Date(epoch + Math.round(serial * DAY_MS)).toISOString();
  if (Number.isInteger(serial)) return iso.slice(0, 10);
  return serial < 1 ? iso.slice(11, 19) : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

interface WorkbookContext {
  strings: string[];
  dates: boolean[];
  epoch: number;
}

/** One worksheet's cells, streamed into a grid within the bounds. */
function readSheet(
  xml: string,
  part: string,
  context: WorkbookContext,
  bounds: SheetBounds,
): SheetGrid {
  const grid = new SheetGrid(bounds);
  let row = -1;
  let column = -1;
  let cell: { row: number; column: number; type: string; style: number } | null = null;
  let value: string[] = [];
  let collecting = false;
  for (const event of xmlEvents(xml, part)) {
    if (event.kind === 'text') {
      if (collecting) value.push(event.text);
      continue;
    }
    if (event.kind === 'close') {
      if (event.name === 'v' || event.name === 't') collecting = false;
      else if (event.name === 'c' && cell !== null) {
        grid.set(cell.row, cell.column, cellValue(cell.type, cell.style, value.join(''), context));
        cell = null;
      }
      continue;
    }
    switch (event.name) {
      case 'row': {
        const attributes = attributesOf(event.raw);
        const number = Number(attributes.r);
        row = Number.isInteger(number) && number > 0 ? number - 1 : row + 1;
        column = -1;
        break;
      }
      case 'c': {
        // Empty cells (a style and no value) are most of a padded sheet: nothing to keep, and
        // their attributes are not even read (a cell without a reference follows the last).
        if (event.selfClosing) {
          column++;
          break;
        }
        const attributes = attributesOf(event.raw);
        const reference = attributes.r === undefined ? null : parseCellReference(attributes.r);
        column = reference?.column ?? column + 1;
        if (reference !== null) row = reference.row;
        if (grid.rowOutside(row, true) || column >= bounds.maxColumns) {
          grid.truncated = true;
          break;
        }
        cell = { row, column, type: attributes.t ?? 'n', style: Number(attributes.s ?? '0') };
        value = [];
        break;
      }
      case 'v':
      case 't':
        // `t` inside `is` (an inline string); both collect until their end tag.
        if (cell !== null && !event.selfClosing) collecting = true;
        break;
      case 'mergeCell': {
        const [from, to] = (attributesOf(event.raw).ref ?? '').split(':');
        const start = parseCellReference(from ?? '');
        const end = parseCellReference(to ?? from ?? '');
        if (start !== null && end !== null)
          grid.merge(start.row, start.column, end.row, end.column);
        break;
      }
      default:
    }
  }
  return grid;
}

function cellValue(type: string, style: number, raw: string, context: WorkbookContext): string {
  switch (type) {
    case 's':
      return context.strings[Number(raw)] ?? '';
    case 'b':
      return raw.trim() === '1' ? 'TRUE' : raw.trim() === '0' ? 'FALSE' : raw;
    case 'str':
    case 'inlineStr':
    case 'e':
      return raw;
    case 'd':
      return raw.trim();
    default:
      if (raw.trim().length === 0) return '';
      return context.dates[style] === true ? formatDate(raw, context.epoch) : formatNumber(raw);
  }
}

interface SheetEntry {
  name: string;
  hidden: boolean;
  target: Relationship | undefined;
}

export async function extractXlsx(
  task: ExtractionTask,
  progress: ProgressReporter,
): Promise<ExtractionResult> {
  const budget = new TextBudget(task.limits.maxTextChars);
  const bounds = { maxRows: task.limits.maxSheetRows, maxColumns: task.limits.maxSheetColumns };
  return ZipPackage.read(task, 'XLSX', async (zip) => {
    const main = await zip.mainPart();
    const workbook = await zip.requireXml(main);
    const relationships = await zip.relationships(main);
    const byId = new Map(relationships.map((relationship) => [relationship.id, relationship]));
    const related = (kind: string): string | undefined =>
      relationships.find((relationship) => relationship.type.endsWith(kind))?.target;
    const stringsPart = related('/sharedStrings');
    const stylesPart = related('/styles');
    const properties = findFirst(workbook, 'workbookPr');
    const context: WorkbookContext = {
      strings: sharedStrings(
        stringsPart === undefined ? null : await zip.text(stringsPart),
        `XLSX part ${stringsPart}`,
      ),
      dates: dateStyles(stylesPart === undefined ? null : await zip.xml(stylesPart)),
      epoch: ['1', 'true'].includes(properties?.attributes.date1904 ?? '')
        ? EPOCH_1904
        : EPOCH_1900,
    };
    const sheetList = findFirst(workbook, 'sheets');
    const sheets: SheetEntry[] = (sheetList === undefined ? [] : childrenNamed(sheetList, 'sheet'))
      .map((sheet) => ({
        name: sheet.attributes.name ?? '',
        hidden: sheet.attributes.state === 'hidden' || sheet.attributes.state === 'veryHidden',
        target: byId.get(sheet.attributes['r:id'] ?? ''),
      }))
      .filter(
        (sheet) =>
          (task.limits.includeHiddenSheets || !sheet.hidden) &&
          sheet.target !== undefined &&
          !sheet.target.external &&
          sheet.target.type.endsWith('/worksheet'),
      );
    checkPageCount(sheets.length, task.limits.maxPages, 'sheets');

    const pages: ExtractedPage[] = [];
    let truncated = false;
    for (const [index, sheet] of sheets.entries()) {
      const part = (sheet.target as Relationship).target;
      const xml = await zip.text(part);
      const grid =
        xml === null ? new SheetGrid(bounds) : readSheet(xml, `XLSX part ${part}`, context, bounds);
      truncated ||= grid.truncated;
      pages.push(wholePage(grid.blocks(sheet.name), index + 1, budget));
      progress(index + 1, sheets.length);
    }
    const core = await zip.xml('docProps/core.xml');
    progress(pages.length, pages.length);
    return {
      pages,
      pageCount: pages.length,
      metadata: core === null ? {} : corePropertiesMetadata(core),
      needsOcr: false,
      truncated: truncated || budget.truncated,
    };
  });
}
