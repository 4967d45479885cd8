/**
 * One PDF page's text through PDFium, as the text items Quire's pdf.js layout reads (pdf.ts's
 * `layoutText`, pdf-tables.ts), so both engines lay pages out the same way. PDFium gives
 * characters in its reading order with their origins, sizes and boxes, and marks line ends
 * (generated CR LF) and line-end hyphens (FPDFText_IsHyphen; U+FFFE in its own text). An item
 * is a run of characters on one baseline without a gap wider than a word space; a line-end
 * hyphen stays in its item as U+FFFE, and `joinHyphens` removes it with the line break after it,
 * as pdftotext joins a word hyphenated across lines.
 */
import type { TextItem } from '../pdf-rulings.js';
import { heapF32, heapF64, type Pdfium } from './pdfium-module.js';

/** A soft (line-end) hyphen, as PDFium's own text writes it. */
const SOFT_HYPHEN = '\uFFFE';
/** A gap wider than this many font sizes between two characters starts a new item. */
const ITEM_GAP = 0.3;
/** FPDF_PAGEOBJ_* types. */
const PATH_OBJECT = 2;
const SHADING_OBJECT = 4;
const FORM_OBJECT = 5;
/** Form objects nest; deeper ones count as drawing. */
const MAX_FORM_DEPTH = 8;

interface Run {
  str: string;
  x: number;
  y: number;
  size: number;
  right: number;
}

/**
 * The page's characters as text items, in PDFium's reading order. `scratch` is 64 bytes of
 * PDFium memory for the out-parameters.
 */
export function pageItems(lib: Pdfium, textPage: number, scratch: number): TextItem[] {
  const count = lib.FPDFText_CountChars(textPage);
  const items: TextItem[] = [];
  let run: Run | null = null;
  const end = (eol: boolean): void => {
    if (run !== null) {
      items.push({
        str: run.str,
        transform: [run.size, 0, 0, run.size, run.x, run.y],
        width: Math.max(0, run.right - run.x),
        height: run.size,
        hasEOL: eol,
      });
    } else if (eol && items.length > 0) {
      (items[items.length - 1] as { hasEOL: boolean }).hasEOL = true;
    }
    run = null;
  };
  for (let index = 0; index < count; index++) {
    const hyphen = lib.FPDFText_IsHyphen(textPage, index) === 1;
    const code = hyphen ? 0xfffe : lib.FPDFText_GetUnicode(textPage, index);
    const generated = lib.FPDFText_IsGenerated(textPage, index) === 1;
    if (code === 0x0d || code === 0x0a) {
      if (generated || code === 0x0a) end(true);
      continue;
    }
    if (code === 0 || code > 0x10ffff) continue;
    const char = hyphen ? SOFT_HYPHEN : String.fromCodePoint(code);
    const blank = char.trim().length === 0;
    if (generated) {
      // PDFium's word spaces: the gap they stand for comes from the next character's box.
      if (blank && run !== null && !/\s$/.test(run.str)) run.str += ' ';
      continue;
    }
    lib.FPDFText_GetCharOrigin(textPage, index, scratch, scratch + 8);
    lib.FPDFText_GetLooseCharBox(textPage, index, scratch + 16);
    lib.FPDFText_GetMatrix(textPage, index, scratch + 32);
    const f64 = heapF64(lib);
    const f32 = heapF32(lib);
    const x = f64[scratch / 8] ?? 0;
    const y = f64[scratch / 8 + 1] ?? 0;
    // FS_RECTF: left, top, right, bottom; FS_MATRIX: a, b, c, d, e, f.
    const left = f32[(scratch + 16) / 4] ?? x;
    const right = f32[(scratch + 16) / 4 + 2] ?? x;
    const c = f32[(scratch + 32) / 4 + 2] ?? 0;
    const d = f32[(scratch + 32) / 4 + 3] ?? 1;
    const fontSize = lib.FPDFText_GetFontSize(textPage, index);
    const size = fontSize * (Math.hypot(c, d) || 1) || 1;
    if (run !== null) {
      const gap = left - run.right;
      const moved = Math.abs(y - run.y) > Math.min(size, run.size) * 0.6;
      if (moved || gap > run.size * ITEM_GAP || gap < -run.size) end(false);
    }
    if (run === null) {
      if (blank) continue;
      run = { str: char, x, y, size, right: Math.max(right, x) };
    } else {
      run.str += char;
      run.size = Math.max(run.size, size);
      if (!blank) run.right = Math.max(run.right, right);
    }
  }
  end(false);
  return items;
}

/** A line-end hyphen and the line break after it go (the word is joined); any other is a hyphen. */
export function joinHyphens(text: string): string {
  return text.replace(/\uFFFE\s*\n\s*/g, '').replace(/\uFFFE/g, '-');
}

/** The page draws paths or shadings (ruling lines for a table, maybe), at any form depth. */
export function pageDraws(lib: Pdfium, page: number): boolean {
  const draws = (count: number, object: (index: number) => number, depth: number): boolean => {
    for (let index = 0; index < count; index++) {
      const handle = object(index);
      const type = lib.FPDFPageObj_GetType(handle);
      if (type === PATH_OBJECT || type === SHADING_OBJECT) return true;
      if (type === FORM_OBJECT) {
        if (depth >= MAX_FORM_DEPTH) return true;
        const inner = lib.FPDFFormObj_CountObjects(handle);
        if (draws(inner, (at) => lib.FPDFFormObj_GetObject(handle, at), depth + 1)) return true;
      }
    }
    return false;
  };
  return draws(lib.FPDFPage_CountObjects(page), (index) => lib.FPDFPage_GetObject(page, index), 0);
}
