/**
 * A PDF's metadata and outline through PDFium: the Info dictionary (FPDF_GetMetaText) and the
 * catalog's language, and the bookmarks with their destination pages, walked breadth-first with
 * the same bounds as pdf.ts. PDFium reads no XMP metadata: pdf-pdfium.ts asks pdf.js for the
 * fields the Info dictionary lacks when the file carries an XMP packet.
 */
import type { ExtractedMetadata, OutlineItem } from '../../ports/extractor.js';
import { normalizeInline } from '../text-pages.js';
import { readUtf16, type Pdfium } from './pdfium-module.js';

const MAX_OUTLINE_ITEMS = 10_000;
const MAX_OUTLINE_DEPTH = 32;
/** PDFACTION_GOTO. */
const GOTO_ACTION = 1;

function metaText(lib: Pdfium, doc: number, tag: string): string | undefined {
  const bytes = lib.FPDF_GetMetaText(doc, tag, 0, 0);
  const value = normalizeInline(
    readUtf16(lib, bytes, (pointer) => lib.FPDF_GetMetaText(doc, tag, pointer, bytes)),
  );
  return value.length > 0 ? value : undefined;
}

/** A PDF date (`D:YYYYMMDDHHmmSSOHH'mm'`, any tail left out) as RFC 3339, or undefined. */
export function pdfDate(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const match =
    /^(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:([Zz+-])(?:(\d{2})'?(\d{2})?'?)?)?/.exec(
      value.trim(),
    );
  if (match === null) return undefined;
  const [, year, month = '01', day = '01', hour = '00', minute = '00', second = '00'] = match;
  const sign = match[7];
  const offsetMinutes =
    sign === '+' || sign === '-'
      ? (sign === '-' ? -1 : 1) * (Number(match[8] ?? 0) * 60 + Number(match[9] ?? 0))
      : 0;
  const utc = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
  );
  const date = new Date(utc - offsetMinutes * 60_000);
  return Number.isFinite(date.getTime()) ? date.toISOString() : undefined;
}

export function readMetadata(lib: Pdfium, doc: number): ExtractedMetadata {
  const languageBytes = lib.FPDFCatalog_GetLanguage(doc, 0, 0);
  const language = normalizeInline(
    readUtf16(lib, languageBytes, (pointer) =>
      lib.FPDFCatalog_GetLanguage(doc, pointer, languageBytes),
    ),
  );
  const entries: [keyof ExtractedMetadata, string | undefined][] = [
    ['title', metaText(lib, doc, 'Title')],
    ['author', metaText(lib, doc, 'Author')],
    ['subject', metaText(lib, doc, 'Subject')],
    ['keywords', metaText(lib, doc, 'Keywords')],
    ['producer', metaText(lib, doc, 'Producer')],
    ['language', language.length > 0 ? language : undefined],
    ['created', pdfDate(metaText(lib, doc, 'CreationDate'))],
  ];
  const result: ExtractedMetadata = {};
  for (const [key, value] of entries)
    if (value !== undefined) Object.assign(result, { [key]: value });
  return result;
}

/** The bookmark's page (1-based): its destination, or its GoTo action's. */
function bookmarkPage(
  lib: Pdfium,
  doc: number,
  bookmark: number,
  pageCount: number,
): number | null {
  let dest = lib.FPDFBookmark_GetDest(doc, bookmark);
  if (dest === 0) {
    const action = lib.FPDFBookmark_GetAction(bookmark);
    if (action !== 0 && lib.FPDFAction_GetType(action) === GOTO_ACTION)
      dest = lib.FPDFAction_GetDest(doc, action);
  }
  if (dest === 0) return null;
  const index = lib.FPDFDest_GetDestPageIndex(doc, dest);
  return index >= 0 && index < pageCount ? index + 1 : null;
}

/** The outline as a tree with page numbers (bounded size and depth; a bookmark seen twice ends its branch). */
export function readOutline(lib: Pdfium, doc: number, pageCount: number): OutlineItem[] {
  const roots: OutlineItem[] = [];
  const seen = new Set<number>();
  const queue: { parent: number; into: OutlineItem[]; depth: number }[] = [
    { parent: 0, into: roots, depth: 1 },
  ];
  let count = 0;
  for (let index = 0; index < queue.length && count < MAX_OUTLINE_ITEMS; index++) {
    const { parent, into, depth } = queue[index] as (typeof queue)[number];
    for (
      let mark = lib.FPDFBookmark_GetFirstChild(doc, parent);
      mark !== 0 && !seen.has(mark) && count < MAX_OUTLINE_ITEMS;
      mark = lib.FPDFBookmark_GetNextSibling(doc, mark)
    ) {
      seen.add(mark);
      const bytes = lib.FPDFBookmark_GetTitle(mark, 0, 0);
      const item: OutlineItem = {
        title: normalizeInline(
          readUtf16(lib, bytes, (pointer) => lib.FPDFBookmark_GetTitle(mark, pointer, bytes)),
        ),
        page: bookmarkPage(lib, doc, mark, pageCount),
        children: [],
      };
      into.push(item);
      count++;
      if (depth < MAX_OUTLINE_DEPTH)
        queue.push({ parent: mark, into: item.children, depth: depth + 1 });
    }
  }
  return roots;
}
