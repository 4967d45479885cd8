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

/** A gap wider than this many font sizes between two characters starts a new item. */
const ITEM_GAP = 0.3;

interface Run {
  str: string;
  x: number;
  y: number;
  size: number;
  right: number;
  /** The run's baseline is not left to right (rotated text): it ends on distance alone. */
  rotated: boolean;
  /** The last character's origin. */
  lastX: number;
  lastY: number;
}

/**
 * The per-character calls, straight into the WebAssembly exports: the package's wrappers
 * (Emscripten's cwrap) cost more per call than PDFium's work, and a page makes thousands.
 * Every argument and result is a number (booleans as 0/1).
 */
interface CharExports {
  FPDFText_CountChars(textPage: number): number;
  FPDFText_GetUnicode(textPage: number, index: number): number;
  FPDFText_IsHyphen(textPage: number, index: number): number;
  FPDFText_GetCharOrigin(textPage: number, index: number, x: number, y: number): number;
  FPDFText_GetLooseCharBox(textPage: number, index: number, rect: number): number;
  FPDFText_GetMatrix(textPage: number, index: number, matrix: number): number;
  FPDFText_GetFontSize(textPage: number, index: number): number;
}

/** The hyphen PDFium found at a line end reads as this control code. */
const HYPHEN_CODE = 0x02;

/**
 * The page's characters as text items, in PDFium's reading order. `scratch` is 64 bytes of
 * PDFium memory for the out-parameters.
 */
export function pageItems(lib: Pdfium, textPage: number, scratch: number): TextItem[] {
  const pdf = lib.pdfium.wasmExports as unknown as CharExports;
  const count = pdf.FPDFText_CountChars(textPage);
  const items: TextItem[] = [];
  let run: Run | null = null;
  const end = (eol: boolean): void => {
    if (run !== null) {
      items.push({
        str: run.str,
        transform: [run.size, 0, 0, run.size, run.x, run.y],
        width: run.rotated ? 0 : Math.max(0, run.right - run.x),
        height: run.size,
        hasEOL: eol,
      });
    } else if (eol && items.length > 0) {
      (items[items.length - 1] as { hasEOL: boolean }).hasEOL = true;
    }
    run = null;
  };
  for (let index = 0; index < count; index++) {
    let code = pdf.FPDFText_GetUnicode(textPage, index);
    if (code === 0x0d || code === 0x0a) {
      // PDFium's line ends (generated CR LF), and any in the text itself.
      end(true);
      continue;
    }
    if (code === HYPHEN_CODE && pdf.FPDFText_IsHyphen(textPage, index) === 1) code = 0xfffe;
    if (code === 0 || code > 0x10ffff) continue;
    const char = String.fromCodePoint(code);
    if (char.trim().length === 0) {
      // Word spaces (PDFium's generated ones too): the gap they stand for comes from the next
      // character's box.
      if (run !== null && !/\s$/.test(run.str)) run.str += ' ';
      continue;
    }
    pdf.FPDFText_GetCharOrigin(textPage, index, scratch, scratch + 8);
    pdf.FPDFText_GetLooseCharBox(textPage, index, scratch + 16);
    pdf.FPDFText_GetMatrix(textPage, index, scratch + 32);
    const f64 = heapF64(lib);
    const f32 = heapF32(lib);
    const x = f64[scratch / 8] ?? 0;
    const y = f64[scratch / 8 + 1] ?? 0;
    // FS_RECTF: left, top, right, bottom; FS_MATRIX: a, b, c, d, e, f.
    const left = f32[(scratch + 16) / 4] ?? x;
    const right = f32[(scratch + 16) / 4 + 2] ?? x;
    const a = f32[(scratch + 32) / 4] ?? 1;
    const b = f32[(scratch + 32) / 4 + 1] ?? 0;
    const c = f32[(scratch + 32) / 4 + 2] ?? 0;
    const d = f32[(scratch + 32) / 4 + 3] ?? 1;
    const size = pdf.FPDFText_GetFontSize(textPage, index) * (Math.hypot(c, d) || 1) || 1;
    // pdf.js gives rotated text as whole strings, which the layout keeps on one line: so here.
    const rotated = a <= 0 || Math.abs(b) > Math.abs(a) * 0.1;
    if (run !== null) {
      if (rotated || run.rotated) {
        const near = Math.hypot(x - run.lastX, y - run.lastY) < Math.max(size, run.size) * 1.5;
        if (!(rotated && run.rotated && near)) end(false);
      } else {
        const gap = left - run.right;
        const moved = Math.abs(y - run.y) > Math.min(size, run.size) * 0.6;
        if (moved || gap > run.size * ITEM_GAP || gap < -run.size) end(false);
      }
    }
    if (run === null) {
      run = { str: char, x, y, size, right: Math.max(right, x), rotated, lastX: x, lastY: y };
    } else {
      run.str += char;
      run.size = Math.max(run.size, size);
      run.right = Math.max(run.right, right);
      run.lastX = x;
      run.lastY = y;
    }
  }
  end(false);
  return items;
}

/** A line-end hyphen and the line break after it go (the word is joined); any other is a hyphen. */
export function joinHyphens(text: string): string {
  return text.replace(/\uFFFE\s*\n\s*/g, '').replace(/\uFFFE/g, '-');
}
