/**
 * PDF via unpdf's pdf.js build. Loads the document (password from the task), classifies load
 * failures (PasswordException → DOCUMENT_ENCRYPTED, anything else → DOCUMENT_CORRUPT), refuses
 * more than `maxPages` pages before reading text, then walks the pages one at a time (text
 * laid out into lines and paragraphs, page resources released after each) reporting progress.
 * A page with text is laid out twice: as plain text, and as Markdown with its tables (ruled
 * ones from the ruling lines in its operator list, aligned ones from the text; pdf-tables.ts).
 * Pages that paint something but carry (almost) no text make `needsOcr`; with `task.ocr` up to
 * `maxOcrPages` of them are recognised from their images (see pdf-ocr.ts).
 * Given a page range, or a source of ranges asked once the page count is known (until it answers
 * none), only those pages are read, and metadata and outline only by the task that reads page 1:
 * the extraction pool splits a long PDF across threads this way (split-document.ts); the page
 * loop is pdf-page-ranges.ts, shared with the PDFium engine.
 * Images are decoded only on pages without a text layer: the document the text and ruling lines
 * come from is opened with images dropped (pdf.js `maxImageSize: 0`: its operator list would
 * otherwise decode every image of a page it walks), and a second copy that decodes them is
 * opened only when a textless page needs its images (to OCR, or to tell a scan from a blank).
 */
import { open } from 'node:fs/promises';
import { getResolvedPDFJS } from 'unpdf';
import { readRulings, ruledGrids, type TextItem as LayoutItem } from '../pdf-rulings.js';
import { layoutMarkdown, mayHoldTable } from '../pdf-tables.js';
import { normalizeInline, normalizeText } from '../text-pages.js';
import {
  type ExtractedMetadata,
  type ExtractionResult,
  type ExtractionTask,
  type OutlineItem,
  type ProgressReporter,
} from '../../ports/extractor.js';
import type { PagePlanner } from '../types.js';
import { Failure } from '../../ports/failures.js';
import './pdf-polyfills.js';
import { readPdfPages, type PageScan, type PdfPageSource } from './pdf-page-ranges.js';
import { JpxPageImages } from '../pdf-jpx-images.js';
import {
  createOcrEngine,
  isOcrCandidate,
  MAX_IMAGES_PER_PAGE,
  type OcrEngine,
  type PdfImage,
} from './pdf-ocr.js';

/** The page scan's type stays importable from here (pdf-pdfium.ts, the bench). */
export type { PageScan } from './pdf-page-ranges.js';

type PdfJs = Awaited<ReturnType<typeof getResolvedPDFJS>>;
type PdfDocument = Awaited<ReturnType<PdfJs['getDocument']>['promise']>;
type PdfPage = Awaited<ReturnType<PdfDocument['getPage']>>;
type TextContent = Awaited<ReturnType<PdfPage['getTextContent']>>;
type TextItem = Extract<TextContent['items'][number], { str: string }>;
type OperatorList = Awaited<ReturnType<PdfPage['getOperatorList']>>;
type OutlineNode = Awaited<ReturnType<PdfDocument['getOutline']>>[number];

/** A page with fewer non-blank characters than this has no usable text layer. */
const MIN_TEXT_CHARS = 16;
/** OCR output with fewer non-blank characters than this is noise: the page stays textless. */
const MIN_OCR_CHARS = 3;
const MAX_OUTLINE_ITEMS = 10_000;
const MAX_OUTLINE_DEPTH = 32;
/** How long to wait for pdf.js to hand over a decoded image. */
const IMAGE_WAIT_MS = 10_000;

const messageOf = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/** pdf.js failing on a page's objects or content means the file is damaged there. */
const pageFailure =
  (number: number) =>
  (error: unknown): never => {
    throw new Failure(
      'DOCUMENT_CORRUPT',
      `Page ${number} of the PDF could not be read: ${messageOf(error)}`,
    );
  };

async function readBytes(path: string): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    // A plain Uint8Array: pdf.js refuses Buffers, and takes (empties) what it is given.
    const bytes = new Uint8Array(size);
    let offset = 0;
    while (offset < size) {
      const { bytesRead } = await handle.read(bytes, offset, size - offset, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
    }
    return bytes.subarray(0, offset);
  } finally {
    await handle.close();
  }
}

function loadFailure(error: unknown, password: string | undefined): Failure {
  const { name, code } = (error ?? {}) as { name?: string; code?: number };
  if (name === 'PasswordException') {
    // pdf.js: 1 = a password is needed, 2 = the one given is wrong.
    const wrong = code === 2 || (code !== 1 && password !== undefined);
    return new Failure(
      'DOCUMENT_ENCRYPTED',
      wrong ? 'The PDF password is incorrect' : 'The PDF is encrypted: a password is required',
    );
  }
  return new Failure('DOCUMENT_CORRUPT', `The PDF could not be read: ${messageOf(error)}`);
}

/** `decodeImages: false` drops every image from operator lists before it is decoded. */
async function loadDocument(
  pdfjs: PdfJs,
  data: Uint8Array,
  password: string | undefined,
  decodeImages: boolean,
): Promise<PdfDocument> {
  const loading = pdfjs.getDocument({
    data,
    ...(password === undefined ? {} : { password }),
    maxImageSize: decodeImages ? -1 : 0,
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    verbosity: pdfjs.VerbosityLevel.ERRORS,
  });
  try {
    return await loading.promise;
  } catch (error) {
    await loading.destroy().catch(() => undefined);
    throw loadFailure(error, password);
  }
}

/** Lines from `hasEOL` and baseline moves; spaces from gaps; blank lines from large gaps. */
export function layoutText(items: readonly LayoutItem[]): string {
  interface Line {
    text: string;
    y: number;
    size: number;
  }
  const lines: Line[] = [];
  let current: Line | null = null;
  let lastEnd = 0;
  const endLine = (): void => {
    if (current !== null && current.text.trim().length > 0) lines.push(current);
    current = null;
  };
  for (const item of items) {
    if (item.str.length > 0) {
      const [a = 1, b = 0, c = 0, d = 1, x = 0, y = 0] = item.transform;
      const size = Math.hypot(c, d) || Math.hypot(a, b) || item.height || 1;
      if (current !== null && Math.abs(y - current.y) > size * 0.6) endLine();
      if (current === null) {
        current = { text: item.str, y, size };
      } else {
        const gap = x - lastEnd;
        const spaced = /\s$/.test(current.text) || /^\s/.test(item.str);
        if (!spaced && (gap > size * 0.15 || gap < -size)) current.text += ' ';
        current.text += item.str;
        current.size = Math.max(current.size, size);
      }
      lastEnd = x + item.width;
    }
    if (item.hasEOL) endLine();
  }
  endLine();
  let text = '';
  let previous: Line | null = null;
  for (const line of lines) {
    if (previous !== null) {
      const drop = previous.y - line.y;
      const height = Math.max(previous.size, line.size);
      text += drop > height * 1.6 || drop < -height * 2 ? '\n\n' : '\n';
    }
    text += line.text;
    previous = line;
  }
  return normalizeText(text);
}

const nonBlank = (text: string): number => text.replace(/\s+/g, '').length;

function pdfDate(pdfjs: PdfJs, value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return undefined;
  const date = pdfjs.PDFDateString.toDateObject(value) ?? new Date(value);
  return Number.isFinite(date.getTime()) ? date.toISOString() : undefined;
}

async function readMetadata(pdfjs: PdfJs, pdf: PdfDocument): Promise<ExtractedMetadata> {
  const { info, metadata: xmp } = await pdf
    .getMetadata()
    .catch(() => ({ info: {}, metadata: null }));
  const fields = info as Record<string, unknown>;
  const pick = (key: string, xmpKey?: string): string | undefined => {
    const fromInfo = fields[key];
    let value = typeof fromInfo === 'string' ? normalizeInline(fromInfo) : '';
    if (value.length === 0 && xmpKey !== undefined && xmp !== null) {
      const fromXmp: unknown = xmp.get(xmpKey);
      value = normalizeInline(Array.isArray(fromXmp) ? fromXmp.join(', ') : String(fromXmp ?? ''));
    }
    return value.length > 0 ? value : undefined;
  };
  const result: ExtractedMetadata = {};
  const entries: [keyof ExtractedMetadata, string | undefined][] = [
    ['title', pick('Title', 'dc:title')],
    ['author', pick('Author', 'dc:creator')],
    ['subject', pick('Subject', 'dc:description')],
    ['keywords', pick('Keywords', 'pdf:keywords')],
    ['producer', pick('Producer', 'pdf:producer')],
    ['language', pick('Language', 'dc:language')],
    [
      'created',
      pdfDate(pdfjs, fields.CreationDate) ??
        pdfDate(pdfjs, xmp === null ? undefined : (xmp.get('xmp:createdate') as unknown)),
    ],
  ];
  for (const [key, value] of entries)
    if (value !== undefined) Object.assign(result, { [key]: value });
  return result;
}

async function destinationPage(
  pdf: PdfDocument,
  dest: OutlineNode['dest'],
): Promise<number | null> {
  try {
    const explicit: unknown = typeof dest === 'string' ? await pdf.getDestination(dest) : dest;
    if (!Array.isArray(explicit)) return null;
    const target: unknown = explicit[0];
    if (typeof target === 'number') {
      return Number.isInteger(target) && target >= 0 && target < pdf.numPages ? target + 1 : null;
    }
    if (typeof target === 'object' && target !== null && 'num' in target && 'gen' in target) {
      return (await pdf.getPageIndex(target as { num: number; gen: number })) + 1;
    }
  } catch {
    // A dangling destination: the item keeps its title, without a page.
  }
  return null;
}

/** The outline as a tree with page numbers, walked breadth-first (bounded size and depth). */
async function readOutline(pdf: PdfDocument): Promise<OutlineItem[]> {
  const nodes = await pdf.getOutline().catch(() => null);
  const roots: OutlineItem[] = [];
  if (nodes === null) return roots;
  const queue: { node: OutlineNode; into: OutlineItem[]; depth: number }[] = nodes.map((node) => ({
    node,
    into: roots,
    depth: 1,
  }));
  let count = 0;
  for (let index = 0; index < queue.length && count < MAX_OUTLINE_ITEMS; index++) {
    const { node, into, depth } = queue[index] as (typeof queue)[number];
    const item: OutlineItem = {
      title: normalizeInline(node.title ?? ''),
      page: await destinationPage(pdf, node.dest),
      children: [],
    };
    into.push(item);
    count++;
    if (depth < MAX_OUTLINE_DEPTH) {
      for (const child of node.items ?? [])
        queue.push({ node: child, into: item.children, depth: depth + 1 });
    }
  }
  return roots;
}

function opsOf(pdfjs: PdfJs, names: string[]): Set<number> {
  const table = pdfjs.OPS as Record<string, number>;
  return new Set(names.map((name) => table[name]).filter((op): op is number => op !== undefined));
}

function pageObject(page: PdfPage, key: string): Promise<unknown> {
  const store = key.startsWith('g_') ? page.commonObjs : page.objs;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), IMAGE_WAIT_MS);
    store.get(key, (value: unknown) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

/** The raster images a page paints, in painting order, decoded by pdf.js. */
async function pageImages(pdfjs: PdfJs, page: PdfPage, ops: OperatorList): Promise<PdfImage[]> {
  const images: PdfImage[] = [];
  for (let index = 0; index < ops.fnArray.length && images.length < MAX_IMAGES_PER_PAGE; index++) {
    const fn = ops.fnArray[index];
    const args = ops.argsArray[index] as unknown[] | undefined;
    let image: unknown = null;
    if (fn === pdfjs.OPS.paintImageXObject && typeof args?.[0] === 'string') {
      image = await pageObject(page, args[0]);
    } else if (fn === pdfjs.OPS.paintInlineImageXObject) {
      image = args?.[0];
    }
    if (typeof image === 'object' && image !== null && isOcrCandidate(image as PdfImage)) {
      images.push(image as PdfImage);
    }
  }
  return images;
}

class PdfReader {
  private ocr: OcrEngine | null = null;
  private ocrPages = 0;
  private readonly paintOps: Set<number>;
  private readonly jpx: JpxPageImages;
  /** The copy of the document that decodes images, opened on first need. */
  private withImages: Promise<PdfDocument> | null = null;

  constructor(
    private readonly pdfjs: PdfJs,
    private readonly task: ExtractionTask,
  ) {
    this.jpx = new JpxPageImages(task.path);
    this.paintOps = opsOf(pdfjs, [
      'paintImageXObject',
      'paintInlineImageXObject',
      'paintInlineImageXObjectGroup',
      'paintImageXObjectRepeat',
      'paintImageMaskXObject',
      'paintImageMaskXObjectGroup',
      'paintImageMaskXObjectRepeat',
      'paintSolidColorImageMask',
      'constructPath',
      'rawFillPath',
      'fill',
      'eoFill',
      'stroke',
      'fillStroke',
      'eoFillStroke',
      'closeStroke',
      'closeFillStroke',
      'closeEOFillStroke',
      'shadingFill',
    ]);
  }

  /** `seenTextless`: an earlier page already made the document need OCR. */
  async scan(page: PdfPage, number: number, seenTextless: boolean): Promise<PageScan> {
    const content = await page.getTextContent().catch(pageFailure(number));
    const items = content.items.filter((item): item is TextItem => 'str' in item);
    const text = layoutText(items);
    if (nonBlank(text) >= MIN_TEXT_CHARS) {
      // Ruling lines are read (the operator list, a pass over the page's drawing) only where a
      // line of text has cells a wide gap apart: prose pages skip it.
      const grids = mayHoldTable(items)
        ? ruledGrids(
            readRulings(await page.getOperatorList().catch(pageFailure(number)), this.pdfjs.OPS),
          )
        : [];
      return { text, markdown: layoutMarkdown(items, grids), textless: false };
    }
    const canOcr = this.task.ocr && this.ocrPages < this.task.limits.maxOcrPages;
    // The drawing is walked only to OCR, or to learn whether the document needs OCR while that
    // is still unknown.
    if (!canOcr && seenTextless) return { text, markdown: text, textless: true };
    if (!canOcr) {
      // Vector drawing alone settles it without decoding anything.
      const drawing = await page.getOperatorList().catch(pageFailure(number));
      if (this.paints(drawing)) return { text, markdown: text, textless: true };
    }
    // Images (dropped from `page`'s operator list) tell a scan from a blank page.
    const imagePage = await (
      await this.documentWithImages()
    )
      .getPage(number)
      .catch(pageFailure(number));
    try {
      const ops = await imagePage.getOperatorList().catch(pageFailure(number));
      if (!this.paints(ops)) return { text, markdown: text, textless: false };
      if (!canOcr) return { text, markdown: text, textless: true };
      this.ocrPages++;
      const recognised = await this.recognise(imagePage, number, ops);
      if (nonBlank(recognised) < MIN_OCR_CHARS) return { text, markdown: text, textless: true };
      const read = normalizeText([text, recognised].join('\n\n'));
      return { text: read, markdown: read, textless: false };
    } finally {
      imagePage.cleanup();
    }
  }

  private paints(ops: OperatorList): boolean {
    return ops.fnArray.some((fn) => this.paintOps.has(fn));
  }

  private documentWithImages(): Promise<PdfDocument> {
    this.withImages ??= readBytes(this.task.path).then((bytes) =>
      loadDocument(this.pdfjs, bytes, this.task.password, true),
    );
    return this.withImages;
  }

  private async recognise(page: PdfPage, number: number, ops: OperatorList): Promise<string> {
    let images = await pageImages(this.pdfjs, page, ops);
    // This pdf.js cannot decode JPEG 2000: a page painting images it gave none of may hold some.
    if (images.length === 0 && ops.fnArray.includes(this.pdfjs.OPS.paintImageXObject)) {
      images = await this.jpx.images(number, MAX_IMAGES_PER_PAGE);
    }
    if (images.length === 0) return '';
    this.ocr ??= await createOcrEngine();
    const texts: string[] = [];
    for (const image of images) {
      try {
        texts.push(normalizeText(await this.ocr.recognize(image)));
      } catch {
        // An image tesseract cannot read adds nothing; the page stays textless if none can.
      }
    }
    return texts.join('\n\n');
  }

  async close(): Promise<void> {
    await this.ocr?.close();
    this.ocr = null;
    const withImages = this.withImages;
    this.withImages = null;
    await withImages?.then((pdf) => pdf.destroy()).catch(() => undefined);
  }
}

/** Page `number` of `pdf` read by `reader`, its page resources released after. */
function pageScanner(
  pdf: PdfDocument,
  reader: PdfReader,
): (number: number, seenTextless: boolean) => Promise<PageScan> {
  return async (number, seenTextless) => {
    const page = await pdf.getPage(number).catch(pageFailure(number));
    try {
      return await reader.scan(page, number, seenTextless);
    } finally {
      page.cleanup();
    }
  };
}

export async function extractPdf(
  task: ExtractionTask,
  progress: ProgressReporter,
  nextPages?: PagePlanner,
): Promise<ExtractionResult> {
  const pdfjs = await getResolvedPDFJS();
  const pdf = await loadDocument(pdfjs, await readBytes(task.path), task.password, false);
  const reader = new PdfReader(pdfjs, task);
  try {
    const source: PdfPageSource = {
      pageCount: pdf.numPages,
      async metadata() {
        const metadata = await readMetadata(pdfjs, pdf);
        const outline = await readOutline(pdf);
        if (outline.length > 0) metadata.outline = outline;
        return metadata;
      },
      scan: pageScanner(pdf, reader),
    };
    return await readPdfPages(task, source, progress, nextPages);
  } finally {
    await reader.close();
    await pdf.destroy();
  }
}

/** A PDF's pages read one at a time with pdf.js, for pages another engine hands over. */
export interface PdfJsPages {
  readonly pageCount: number;
  /** Page `number` (1-based) as this processor reads it: text, Markdown with tables, OCR. */
  scan(number: number, seenTextless: boolean): Promise<PageScan>;
  /** The document's metadata as this processor reads it: the Info dictionary, then XMP. */
  metadata(): Promise<ExtractedMetadata>;
  close(): Promise<void>;
}

/** Opens the task's PDF with pdf.js for PdfJsPages (pdf-pdfium.ts's fallback). */
export async function openPdfJsPages(task: ExtractionTask): Promise<PdfJsPages> {
  const pdfjs = await getResolvedPDFJS();
  const pdf = await loadDocument(pdfjs, await readBytes(task.path), task.password, false);
  const reader = new PdfReader(pdfjs, task);
  return {
    pageCount: pdf.numPages,
    scan: pageScanner(pdf, reader),
    metadata: () => readMetadata(pdfjs, pdf),
    async close() {
      await reader.close();
      await pdf.destroy();
    },
  };
}
