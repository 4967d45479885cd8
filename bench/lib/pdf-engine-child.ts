/**
 * One PDF through one engine, in a process of its own (so its peak RSS is its own), for
 * bench/pdf-engines.ts: `node --import tsx bench/lib/pdf-engine-child.ts ENGINE PDF TEXT_OUT`.
 * Writes the document's text to TEXT_OUT and prints one JSON line (EngineRun) on stdout.
 *
 * The timed window starts after the engine is loaded (module import, WebAssembly compile; shown
 * apart as initMs) and covers reading the file, opening the document, its metadata and outline,
 * and every page's text, all on this thread.
 *   - quire: Quire's PDF processor itself (extractPdf: text, Markdown with tables, ruling lines
 *     from the operator list where a line may hold a table, the textless-page check);
 *   - quire-pdfium: the same processor on the pdfium engine (QUIRE_PDF_ENGINE=pdfium; both
 *     engines and pdf.js loaded before the window): PDFium's characters through Quire's layout,
 *     pages that may hold a ruled table or have no text layer read by pdf.js (counted);
 *   - pdfjs-text: the same pdf.js build and options, getTextContent and Quire's line layout only
 *     (no operator list, no tables);
 *   - pdfium: PDFium (WebAssembly, @embedpdf/pdfium), FPDFText_GetText per page (PDFium's own
 *     line breaks), FPDF_GetMetaText and the bookmarks walked with their destination pages.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { WrappedPdfiumModule } from '@embedpdf/pdfium';
import { getResolvedPDFJS } from 'unpdf';
import { extractPdf, layoutText } from '../../src/extraction/processors/pdf.js';
import { extractPdfium } from '../../src/extraction/processors/pdf-pdfium.js';
import { pdfium } from '../../src/extraction/processors/pdfium-module.js';
import { normalizeText } from '../../src/extraction/text-pages.js';

export const IN_PROCESS_ENGINES = ['quire', 'quire-pdfium', 'pdfjs-text', 'pdfium'] as const;
export type InProcessEngine = (typeof IN_PROCESS_ENGINES)[number];

export interface EngineRun {
  engine: InProcessEngine;
  pages: number;
  /** Loading the engine, before the timed window. */
  initMs: number;
  wallMs: number;
  /** User + system CPU of the whole process in the timed window (GC helper threads included). */
  cpuMs: number;
  /** RSS once the engine is loaded, and the process's peak (ru_maxrss). */
  baseRssBytes: number;
  peakRssBytes: number;
  outlineItems: number;
  title: string | null;
  /** quire-pdfium: pages PDFium handed to pdf.js (tables with drawings, no text layer). */
  pdfJsPages: number | null;
}

interface Extracted {
  pages: string[];
  outlineItems: number;
  title: string | null;
  pdfJsPages: number | null;
}

type Engine = (path: string) => Promise<Extracted>;

const NO_LIMITS = {
  maxPages: 1_000_000,
  maxUnzippedBytes: 1e12,
  maxTextChars: 1e12,
  maxOcrPages: 0,
  maxSheetRows: 1,
  maxSheetColumns: 1,
  includeHiddenSheets: false,
};

function quireEngine(pdfEngine: 'pdfjs' | 'pdfium'): Engine {
  return async (path) => {
    const task = {
      path,
      mediaType: 'application/pdf',
      filename: null,
      ocr: false,
      limits: NO_LIMITS,
      pdfEngine,
    };
    let pdfJsPages = 0;
    const result =
      pdfEngine === 'pdfium'
        ? await extractPdfium(
            task,
            () => undefined,
            undefined,
            () => pdfJsPages++,
          )
        : await extractPdf(task, () => undefined);
    const count = (items: { children: unknown[] }[]): number =>
      items.reduce((sum, item) => sum + 1 + count(item.children as { children: unknown[] }[]), 0);
    return {
      pages: result.pages.map((page) => page.text),
      outlineItems: count(result.metadata.outline ?? []),
      title: result.metadata.title ?? null,
      pdfJsPages: pdfEngine === 'pdfium' ? pdfJsPages : null,
    };
  };
}

async function pdfjsTextEngine(): Promise<Engine> {
  const pdfjs = await getResolvedPDFJS();
  return async (path) => {
    const pdf = await pdfjs.getDocument({
      data: new Uint8Array(readFileSync(path)),
      isEvalSupported: false,
      disableFontFace: true,
      useSystemFonts: false,
      maxImageSize: 0,
      verbosity: pdfjs.VerbosityLevel.ERRORS,
    }).promise;
    try {
      const { info } = await pdf.getMetadata();
      const title = (info as Record<string, unknown>).Title;
      type Node = { items?: Node[] };
      const count = (nodes: Node[]): number =>
        nodes.reduce((sum, node) => sum + 1 + count(node.items ?? []), 0);
      const outlineItems = count(((await pdf.getOutline()) ?? []) as Node[]);
      const pages: string[] = [];
      for (let number = 1; number <= pdf.numPages; number++) {
        const page = await pdf.getPage(number);
        const content = await page.getTextContent();
        pages.push(
          layoutText(
            content.items.filter(
              (item): item is Extract<typeof item, { str: string }> => 'str' in item,
            ),
          ),
        );
        page.cleanup();
      }
      return {
        pages,
        outlineItems,
        title: typeof title === 'string' ? title : null,
        pdfJsPages: null,
      };
    } finally {
      await pdf.destroy();
    }
  };
}

async function pdfiumEngine(): Promise<Engine> {
  const { init } = await import('@embedpdf/pdfium');
  const wasm = readFileSync(createRequire(import.meta.url).resolve('@embedpdf/pdfium/pdfium.wasm'));
  const lib: WrappedPdfiumModule = await init({ wasmBinary: wasm.buffer } as Parameters<
    typeof init
  >[0]);
  lib.PDFiumExt_Init();
  const heap = lib.pdfium;
  const { malloc, free } = heap.wasmExports;
  // The package types Emscripten's HEAPU8 through @types/emscripten, which it does not install;
  // read it after each malloc: a grown memory gets a new view.
  const memory = (): Uint8Array => (heap as unknown as { HEAPU8: Uint8Array }).HEAPU8;
  /** A UTF-16 string PDFium writes into a buffer of `bytes` bytes. */
  const utf16 = (bytes: number, write: (pointer: number) => void): string => {
    const pointer = malloc(Math.max(bytes, 2));
    try {
      write(pointer);
      return heap.UTF16ToString(pointer);
    } finally {
      free(pointer);
    }
  };
  return (path) => {
    const bytes = readFileSync(path);
    const data = malloc(bytes.length);
    memory().set(bytes, data);
    const doc = lib.FPDF_LoadMemDocument(data, bytes.length, '');
    try {
      if (doc === 0)
        throw new Error(`PDFium could not open ${path}: error ${lib.FPDF_GetLastError()}`);
      const titleBytes = lib.FPDF_GetMetaText(doc, 'Title', 0, 0);
      const title = utf16(titleBytes, (p) => lib.FPDF_GetMetaText(doc, 'Title', p, titleBytes));
      let outlineItems = 0;
      const walk = (parent: number, depth: number): void => {
        for (
          let mark = lib.FPDFBookmark_GetFirstChild(doc, parent);
          mark !== 0 && depth < 32;
          mark = lib.FPDFBookmark_GetNextSibling(doc, mark)
        ) {
          const length = lib.FPDFBookmark_GetTitle(mark, 0, 0);
          utf16(length, (p) => lib.FPDFBookmark_GetTitle(mark, p, length));
          const dest = lib.FPDFBookmark_GetDest(doc, mark);
          if (dest !== 0) lib.FPDFDest_GetDestPageIndex(doc, dest);
          outlineItems++;
          walk(mark, depth + 1);
        }
      };
      walk(0, 0);
      const pages: string[] = [];
      const count = lib.FPDF_GetPageCount(doc);
      for (let index = 0; index < count; index++) {
        const page = lib.FPDF_LoadPage(doc, index);
        const textPage = lib.FPDFText_LoadPage(page);
        const chars = lib.FPDFText_CountChars(textPage);
        pages.push(
          normalizeText(utf16((chars + 1) * 2, (p) => lib.FPDFText_GetText(textPage, 0, chars, p))),
        );
        lib.FPDFText_ClosePage(textPage);
        lib.FPDF_ClosePage(page);
      }
      return Promise.resolve({
        pages,
        outlineItems,
        title: title === '' ? null : title,
        pdfJsPages: null,
      });
    } finally {
      if (doc !== 0) lib.FPDF_CloseDocument(doc);
      free(data);
    }
  };
}

async function main(): Promise<void> {
  const [engineName, path, textOut] = process.argv.slice(2);
  if (!IN_PROCESS_ENGINES.includes(engineName as InProcessEngine) || !path || !textOut) {
    throw new Error(`usage: pdf-engine-child.ts ${IN_PROCESS_ENGINES.join('|')} PDF TEXT_OUT`);
  }
  const engine = engineName as InProcessEngine;
  const t0 = performance.now();
  const run =
    engine === 'quire' || engine === 'quire-pdfium'
      ? quireEngine(engine === 'quire' ? 'pdfjs' : 'pdfium')
      : engine === 'pdfjs-text'
        ? await pdfjsTextEngine()
        : await pdfiumEngine();
  if (engine === 'quire' || engine === 'quire-pdfium') await getResolvedPDFJS();
  if (engine === 'quire-pdfium') await pdfium();
  const initMs = performance.now() - t0;
  const baseRssBytes = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const t1 = performance.now();
  const extracted = await run(path);
  const wallMs = performance.now() - t1;
  const cpu = process.cpuUsage(cpu0);
  writeFileSync(textOut, extracted.pages.join('\n\f'));
  const result: EngineRun = {
    engine,
    pages: extracted.pages.length,
    initMs,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    baseRssBytes,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    outlineItems: extracted.outlineItems,
    title: extracted.title,
    pdfJsPages: extracted.pdfJsPages,
  };
  console.log(JSON.stringify(result));
}

await main();
