/**
 * The generated corpus of `npm run bench:extract` (bench/extract.ts): made on this machine from a
 * seeded PRNG (nothing downloaded, nothing checked in), written under os.tmpdir() in a directory
 * named by a hash of the parameters and the generator's version, and reused by later runs while
 * its manifest (written last) and every file it lists are there.
 *
 *   - a text PDF (300 pages by default, pdf-lib, standard fonts): a heading and paragraphs of
 *     varied words, wrapped to the page, on every page;
 *   - an image-heavy PDF (400 pages, about 50 MiB): on every page one distinct 256×171 RGB image
 *     of a gradient mixed with noise (incompressible, so ~128 KiB each; a Flate-encoded image
 *     XObject, which is what an embedded PNG becomes in a PDF, compressed with node:zlib) and two
 *     lines of text, so the file has a text layer;
 *   - small mixed documents (100): plain text, Markdown, HTML, CSV, JSON, PDFs of 1–5 pages, and
 *     DOCX files made with jszip, in turn.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import JSZip from 'jszip';
import {
  concatTransformationMatrix,
  drawObject,
  PDFDocument,
  popGraphicsState,
  pushGraphicsState,
  StandardFonts,
  type PDFFont,
  type PDFPage,
} from 'pdf-lib';

/** Bumped whenever the generator's output changes, so stale caches are not reused. */
const GENERATOR_VERSION = 2;

export type CorpusFormat =
  | 'pdf'
  | 'txt'
  | 'md'
  | 'html'
  | 'csv'
  | 'json'
  | 'docx'
  | 'pptx'
  | 'xlsx'
  | 'odt'
  | 'ods'
  | 'odp'
  | 'epub'
  | 'eml'
  | 'rtf'
  | 'doc'
  | 'xls'
  | 'ppt'
  | 'png'
  | 'jpg'
  | 'tif'
  | 'webp';
export type CorpusRole = 'text-pdf' | 'image-pdf' | 'small';

export interface CorpusFile {
  role: CorpusRole;
  format: CorpusFormat;
  /** The file name (its extension tells Quire the format of text files). */
  name: string;
  path: string;
  contentType: string;
  bytes: number;
  /** Pages of a PDF; undefined for other formats. */
  pages: number | undefined;
}

export interface CorpusOptions {
  seed: number;
  textPdfPages: number;
  imagePdfPages: number;
  /** Raw (and, being noise, compressed) bytes of each page's image. */
  imageBytesPerPage: number;
  smallDocuments: number;
  /** Where the cache directories live (default os.tmpdir()). */
  root?: string;
}

export const DEFAULT_CORPUS: CorpusOptions = {
  seed: 20_261_105,
  textPdfPages: 300,
  imagePdfPages: 400,
  imageBytesPerPage: (50 * 1024 * 1024) / 400,
  smallDocuments: 100,
};

export interface Corpus {
  dir: string;
  /** True when the files were made by this call, false when a cached copy was reused. */
  generated: boolean;
  /** Milliseconds spent generating (0 when cached). */
  generationMs: number;
  textPdf: CorpusFile;
  imagePdf: CorpusFile;
  small: CorpusFile[];
}

interface Manifest {
  version: number;
  options: Omit<CorpusOptions, 'root'>;
  files: Omit<CorpusFile, 'path'>[];
}

export const CONTENT_TYPES: Record<CorpusFormat, string> = {
  pdf: 'application/pdf',
  txt: 'text/plain',
  md: 'text/markdown',
  html: 'text/html',
  csv: 'text/csv',
  json: 'application/json',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  odt: 'application/vnd.oasis.opendocument.text',
  ods: 'application/vnd.oasis.opendocument.spreadsheet',
  odp: 'application/vnd.oasis.opendocument.presentation',
  epub: 'application/epub+zip',
  eml: 'message/rfc822',
  rtf: 'application/rtf',
  doc: 'application/msword',
  xls: 'application/vnd.ms-excel',
  ppt: 'application/vnd.ms-powerpoint',
  png: 'image/png',
  jpg: 'image/jpeg',
  tif: 'image/tiff',
  webp: 'image/webp',
};

// ---------------------------------------------------------------------------------------------
// Deterministic randomness and words.

/** mulberry32: a small, fast, seeded 32-bit PRNG. */
export class Prng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A uniform 32-bit unsigned integer. */
  uint32(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.uint32() / 4_294_967_296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  /** Fills `bytes` with noise. */
  fill(bytes: Uint8Array): void {
    let i = 0;
    for (; i + 4 <= bytes.length; i += 4) {
      const value = this.uint32();
      bytes[i] = value & 0xff;
      bytes[i + 1] = (value >>> 8) & 0xff;
      bytes[i + 2] = (value >>> 16) & 0xff;
      bytes[i + 3] = value >>> 24;
    }
    for (; i < bytes.length; i++) bytes[i] = this.uint32() & 0xff;
  }
}

const COMMON_WORDS = [
  'the', 'of', 'and', 'to', 'in', 'is', 'that', 'for', 'it', 'as', 'was', 'with', 'be', 'by',
  'on', 'not', 'this', 'are', 'or', 'from', 'at', 'which', 'but', 'have', 'an', 'they', 'were',
  'there', 'been', 'one', 'all', 'we', 'their', 'has', 'would', 'when', 'if', 'so', 'no', 'will',
  'can', 'more', 'about', 'what', 'out', 'up', 'them', 'into', 'time', 'some', 'could', 'other',
  'than', 'then', 'its', 'only', 'new', 'also', 'any', 'these', 'two', 'may', 'first', 'like',
  'over', 'such', 'most', 'after', 'through', 'where', 'much', 'before', 'between', 'under',
  'while', 'document', 'archive', 'ledger', 'report', 'quarter', 'river', 'signal', 'harbour',
  'meadow', 'lantern', 'copper', 'orbit', 'canvas', 'thread', 'quartz', 'engine', 'garden',
  'mirror', 'violet', 'summit', 'ember', 'falcon', 'marble', 'prairie', 'cipher', 'beacon',
  'willow', 'granite', 'saffron', 'tundra', 'velvet', 'zephyr', 'anchor', 'basalt', 'measured',
  'careful', 'quiet', 'northern', 'annual', 'written', 'survey', 'council', 'budget', 'station',
]; // prettier-ignore

const SYLLABLES = [
  'ka', 'lo', 'mi', 'ra', 'ten', 'vor', 'sel', 'qui', 'ad', 'bri', 'nos', 'tal', 've', 'zu',
  'pha', 'dre', 'mon', 'lis', 'gar', 'thu', 'en', 'or', 'cal', 'dim', 'fen', 'pro', 'sta', 'ux',
]; // prettier-ignore

/** Text made of common words (skewed to the frequent ones) and invented ones. */
class Writer {
  constructor(private readonly rng: Prng) {}

  word(): string {
    if (this.rng.next() < 0.75) {
      const skewed = Math.floor(this.rng.next() ** 2 * COMMON_WORDS.length);
      return COMMON_WORDS[skewed] ?? 'the';
    }
    let word = '';
    for (let n = this.rng.int(2, 4); n > 0; n--) word += this.rng.pick(SYLLABLES);
    return word;
  }

  words(count: number): string {
    return Array.from({ length: count }, () => this.word()).join(' ');
  }

  sentence(): string {
    const words = Array.from({ length: this.rng.int(6, 18) }, () => this.word());
    if (words.length > 8 && this.rng.next() < 0.4) words[this.rng.int(3, 6)] += ',';
    if (this.rng.next() < 0.15)
      words[this.rng.int(1, words.length - 1)] = String(this.rng.int(2, 9999));
    const text = words.join(' ');
    return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
  }

  paragraph(minSentences = 3, maxSentences = 7): string {
    return Array.from({ length: this.rng.int(minSentences, maxSentences) }, () =>
      this.sentence(),
    ).join(' ');
  }

  title(): string {
    const text = this.words(this.rng.int(2, 5));
    return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
  }
}

// ---------------------------------------------------------------------------------------------
// PDFs.

const PAGE_WIDTH = 612;
const PAGE_HEIGHT = 792;
const MARGIN = 72;
const FIXED_DATE = new Date('2026-01-02T03:04:05.000Z');

async function newPdf(title: string): Promise<PDFDocument> {
  const document = await PDFDocument.create({ updateMetadata: false });
  document.setTitle(title);
  document.setAuthor('Quire bench corpus');
  document.setCreationDate(FIXED_DATE);
  document.setModificationDate(FIXED_DATE);
  return document;
}

/** Splits `text` into lines no wider than `width` (word widths cached: ~10⁵ calls per PDF). */
function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const widths = new Map<string, number>();
  const widthOf = (word: string): number => {
    let value = widths.get(word);
    if (value === undefined) {
      value = font.widthOfTextAtSize(word, size);
      widths.set(word, value);
    }
    return value;
  };
  const space = widthOf(' ');
  const lines: string[] = [];
  let line: string[] = [];
  let lineWidth = 0;
  for (const word of text.split(' ')) {
    const w = widthOf(word);
    if (line.length > 0 && lineWidth + space + w > width) {
      lines.push(line.join(' '));
      line = [];
      lineWidth = 0;
    }
    lineWidth += (line.length > 0 ? space : 0) + w;
    line.push(word);
  }
  if (line.length > 0) lines.push(line.join(' '));
  return lines;
}

interface Fonts {
  body: PDFFont;
  bold: PDFFont;
}

/** One page of prose: a heading, then paragraphs until the page is full. */
function writeTextPage(page: PDFPage, fonts: Fonts, writer: Writer, heading: string): void {
  const size = 11;
  const leading = 14;
  let y = PAGE_HEIGHT - MARGIN;
  page.drawText(heading, { x: MARGIN, y, size: 16, font: fonts.bold });
  y -= 28;
  while (y > MARGIN + leading * 3) {
    for (const line of wrap(writer.paragraph(), fonts.body, size, PAGE_WIDTH - 2 * MARGIN)) {
      if (y < MARGIN) break;
      page.drawText(line, { x: MARGIN, y, size, font: fonts.body });
      y -= leading;
    }
    y -= leading * 0.6;
  }
}

async function textPdfBytes(rng: Prng, pages: number, title: string): Promise<Uint8Array> {
  const document = await newPdf(title);
  const fonts: Fonts = {
    body: await document.embedFont(StandardFonts.TimesRoman),
    bold: await document.embedFont(StandardFonts.HelveticaBold),
  };
  const writer = new Writer(rng);
  for (let number = 1; number <= pages; number++) {
    const page = document.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
    writeTextPage(page, fonts, writer, `${number}. ${writer.title()}`);
  }
  return document.save();
}

const IMAGE_WIDTH = 256;

/** A gradient mixed with full-range noise: looks like a texture, does not compress. */
function noiseImage(rng: Prng, width: number, height: number, page: number): Uint8Array {
  const pixels = new Uint8Array(width * height * 3);
  rng.fill(pixels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      pixels[i] = ((pixels[i] ?? 0) + x + page) & 0xff;
      pixels[i + 1] = ((pixels[i + 1] ?? 0) + y * 2) & 0xff;
      pixels[i + 2] = ((pixels[i + 2] ?? 0) + x + y) & 0xff;
    }
  }
  return pixels;
}

async function imagePdfBytes(
  rng: Prng,
  pages: number,
  bytesPerImage: number,
  title: string,
): Promise<Uint8Array> {
  const document = await newPdf(title);
  const font = await document.embedFont(StandardFonts.Helvetica);
  const writer = new Writer(rng);
  const height = Math.max(1, Math.ceil(bytesPerImage / (IMAGE_WIDTH * 3)));
  const drawWidth = PAGE_WIDTH - 2 * MARGIN;
  const drawHeight = (drawWidth * height) / IMAGE_WIDTH;
  for (let number = 1; number <= pages; number++) {
    const page = document.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
    const pixels = noiseImage(rng, IMAGE_WIDTH, height, number);
    const image = document.context.stream(deflateSync(pixels, { level: 1 }), {
      Type: 'XObject',
      Subtype: 'Image',
      Width: IMAGE_WIDTH,
      Height: height,
      ColorSpace: 'DeviceRGB',
      BitsPerComponent: 8,
      Filter: 'FlateDecode',
    });
    const name = page.node.newXObject('Im', document.context.register(image));
    const top = PAGE_HEIGHT - MARGIN;
    page.drawText(`Plate ${number} of ${pages}: ${writer.words(8)}`, {
      x: MARGIN,
      y: top,
      size: 12,
      font,
    });
    const imageY = top - 24 - drawHeight;
    page.pushOperators(
      pushGraphicsState(),
      concatTransformationMatrix(drawWidth, 0, 0, drawHeight, MARGIN, imageY),
      drawObject(name),
      popGraphicsState(),
    );
    page.drawText(`${writer.sentence()}`.slice(0, 90), {
      x: MARGIN,
      y: imageY - 20,
      size: 10,
      font,
    });
  }
  return document.save();
}

// ---------------------------------------------------------------------------------------------
// Small documents.

const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function plainText(writer: Writer, rng: Prng): string {
  const parts = [writer.title(), ''];
  for (let n = rng.int(2, 8); n > 0; n--) parts.push(writer.paragraph(), '');
  return parts.join('\n');
}

function markdown(writer: Writer, rng: Prng): string {
  const parts = [`# ${writer.title()}`, '', writer.paragraph(), ''];
  for (let section = rng.int(1, 4); section > 0; section--) {
    parts.push(`## ${writer.title()}`, '', writer.paragraph(2, 5), '');
    for (let n = rng.int(2, 5); n > 0; n--) parts.push(`- ${writer.sentence()}`);
    parts.push('', '| name | value | note |', '| --- | ---: | --- |');
    for (let n = rng.int(2, 5); n > 0; n--) {
      parts.push(`| ${writer.word()} | ${rng.int(1, 1000)} | ${writer.words(3)} |`);
    }
    parts.push('', '```', `const ${writer.word()}Count = ${rng.int(1, 99)};`, '```', '');
  }
  return parts.join('\n');
}

function html(writer: Writer, rng: Prng): string {
  const body: string[] = [`<h1>${escapeXml(writer.title())}</h1>`];
  for (let n = rng.int(2, 6); n > 0; n--) {
    body.push(`<h2>${escapeXml(writer.title())}</h2>`, `<p>${escapeXml(writer.paragraph())}</p>`);
    if (rng.next() < 0.5) {
      body.push(
        `<ul>${Array.from({ length: rng.int(2, 5) }, () => `<li>${escapeXml(writer.sentence())}</li>`).join('')}</ul>`,
      );
    }
  }
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeXml(writer.title())}</title></head>`,
    `<body><nav><a href="/">Home</a> <a href="/about">About</a></nav><main><article>${body.join('\n')}</article></main>`,
    '<footer>Generated for the Quire extraction benchmark</footer></body></html>',
    '',
  ].join('\n');
}

function csv(writer: Writer, rng: Prng): string {
  const quote = (text: string): string => `"${text.replace(/"/g, '""')}"`;
  const rows = ['id,name,amount,date,comment'];
  for (let id = 1, n = rng.int(10, 80); id <= n; id++) {
    const day = String(rng.int(1, 28)).padStart(2, '0');
    const month = String(rng.int(1, 12)).padStart(2, '0');
    rows.push(
      [
        id,
        writer.word(),
        (rng.int(0, 1_000_000) / 100).toFixed(2),
        `2025-${month}-${day}`,
        quote(writer.sentence()),
      ].join(','),
    );
  }
  return `${rows.join('\n')}\n`;
}

function json(writer: Writer, rng: Prng): string {
  const records = Array.from({ length: rng.int(5, 40) }, (_, index) => ({
    id: index + 1,
    title: writer.title(),
    tags: Array.from({ length: rng.int(0, 4) }, () => writer.word()),
    score: rng.int(0, 10_000) / 100,
    active: rng.next() < 0.5,
    description: writer.paragraph(1, 3),
  }));
  return `${JSON.stringify({ name: writer.title(), generated: FIXED_DATE.toISOString(), records }, null, 2)}\n`;
}

const W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';
const DOCX_CONTENT_TYPES = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>
</Types>`;
const DOCX_PACKAGE_RELS = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
</Relationships>`;
const DOCX_DOCUMENT_RELS = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>`;
const DOCX_STYLES = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="${W}">
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/></w:style>
<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/></w:style>
</w:styles>`;

async function docx(writer: Writer, rng: Prng): Promise<Buffer> {
  const run = (text: string, props = ''): string =>
    `<w:r>${props === '' ? '' : `<w:rPr>${props}</w:rPr>`}<w:t xml:space="preserve">${escapeXml(text)}</w:t></w:r>`;
  const para = (body: string, style?: string): string =>
    `<w:p>${style === undefined ? '' : `<w:pPr><w:pStyle w:val="${style}"/></w:pPr>`}${body}</w:p>`;
  const body = [para(run(writer.title()), 'Heading1')];
  for (let section = rng.int(1, 4); section > 0; section--) {
    body.push(para(run(writer.title()), 'Heading2'));
    for (let n = rng.int(2, 5); n > 0; n--) {
      body.push(para(run(writer.paragraph()) + run(` ${writer.words(3)}.`, '<w:b/>')));
    }
  }
  const documentXml = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="${W}"><w:body>${body.join('')}<w:sectPr/></w:body></w:document>`;
  const zip = new JSZip();
  const options = { date: FIXED_DATE, createFolders: false };
  zip.file('[Content_Types].xml', DOCX_CONTENT_TYPES, options);
  zip.file('_rels/.rels', DOCX_PACKAGE_RELS, options);
  zip.file('word/_rels/document.xml.rels', DOCX_DOCUMENT_RELS, options);
  zip.file('word/document.xml', documentXml, options);
  zip.file('word/styles.xml', DOCX_STYLES, options);
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

const SMALL_FORMATS: readonly CorpusFormat[] = ['txt', 'md', 'html', 'csv', 'json', 'pdf', 'docx'];

// ---------------------------------------------------------------------------------------------
// The corpus: generated once per parameter set, then reused.

function cacheKey(options: Omit<CorpusOptions, 'root'>): string {
  return createHash('sha256')
    .update(JSON.stringify({ version: GENERATOR_VERSION, ...options }))
    .digest('hex')
    .slice(0, 16);
}

function readManifest(dir: string): Manifest | undefined {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    if (manifest.version !== GENERATOR_VERSION) return undefined;
    const complete = manifest.files.every((file) => {
      const path = join(dir, file.name);
      return existsSync(path) && statSync(path).size === file.bytes;
    });
    return complete ? manifest : undefined;
  } catch {
    return undefined;
  }
}

function fromManifest(dir: string, manifest: Manifest): Omit<Corpus, 'generated' | 'generationMs'> {
  const files = manifest.files.map((file) => ({ ...file, path: join(dir, file.name) }));
  const one = (role: CorpusRole): CorpusFile => {
    const file = files.find((candidate) => candidate.role === role);
    if (file === undefined) throw new Error(`the corpus manifest in ${dir} has no ${role}`);
    return file;
  };
  return {
    dir,
    textPdf: one('text-pdf'),
    imagePdf: one('image-pdf'),
    small: files.filter((file) => file.role === 'small'),
  };
}

async function generate(dir: string, options: Omit<CorpusOptions, 'root'>): Promise<Manifest> {
  const files: Omit<CorpusFile, 'path'>[] = [];
  const write = async (
    role: CorpusRole,
    format: CorpusFormat,
    name: string,
    content: Uint8Array | string,
    pages: number | undefined,
  ): Promise<void> => {
    await writeFile(join(dir, name), content);
    const bytes = typeof content === 'string' ? Buffer.byteLength(content) : content.byteLength;
    files.push({ role, format, name, contentType: CONTENT_TYPES[format], bytes, pages });
  };

  // Each part has its own stream, so changing one part's size leaves the others' content alone.
  const textPages = options.textPdfPages;
  await write(
    'text-pdf',
    'pdf',
    `text-${textPages}p.pdf`,
    await textPdfBytes(new Prng(options.seed + 1), textPages, 'Quire bench: text corpus'),
    textPages,
  );
  const imagePages = options.imagePdfPages;
  await write(
    'image-pdf',
    'pdf',
    `images-${imagePages}p.pdf`,
    await imagePdfBytes(
      new Prng(options.seed + 2),
      imagePages,
      options.imageBytesPerPage,
      'Quire bench: image corpus',
    ),
    imagePages,
  );
  const rng = new Prng(options.seed + 3);
  const writer = new Writer(rng);
  for (let index = 0; index < options.smallDocuments; index++) {
    const format = SMALL_FORMATS[index % SMALL_FORMATS.length] ?? 'txt';
    const name = `small-${String(index + 1).padStart(3, '0')}.${format}`;
    switch (format) {
      case 'txt':
        await write('small', format, name, plainText(writer, rng), undefined);
        break;
      case 'md':
        await write('small', format, name, markdown(writer, rng), undefined);
        break;
      case 'html':
        await write('small', format, name, html(writer, rng), undefined);
        break;
      case 'csv':
        await write('small', format, name, csv(writer, rng), undefined);
        break;
      case 'json':
        await write('small', format, name, json(writer, rng), undefined);
        break;
      case 'pdf': {
        const pages = rng.int(1, 5);
        await write('small', format, name, await textPdfBytes(rng, pages, writer.title()), pages);
        break;
      }
      case 'docx':
        await write('small', format, name, await docx(writer, rng), undefined);
        break;
    }
  }
  const manifest: Manifest = { version: GENERATOR_VERSION, options, files };
  await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/**
 * The corpus for `options`: the cached copy when complete, else generated into a fresh directory
 * and moved into place (a concurrent run that got there first wins; its copy is used).
 */
export async function loadCorpus(options: CorpusOptions = DEFAULT_CORPUS): Promise<Corpus> {
  const { root = os.tmpdir(), ...parameters } = options;
  const base = join(root, 'quire-bench-corpus');
  const dir = join(base, cacheKey(parameters));
  const cached = readManifest(dir);
  if (cached !== undefined)
    return { ...fromManifest(dir, cached), generated: false, generationMs: 0 };

  mkdirSync(base, { recursive: true });
  const staging = `${dir}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging);
  const t0 = performance.now();
  try {
    await generate(staging, parameters);
    if (readManifest(dir) === undefined) {
      rmSync(dir, { recursive: true, force: true }); // an incomplete copy from an interrupted run
      renameSync(staging, dir);
    } else {
      rmSync(staging, { recursive: true, force: true }); // a concurrent run finished first
    }
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    const theirs = readManifest(dir);
    if (theirs === undefined) throw error;
  }
  const manifest = readManifest(dir);
  if (manifest === undefined) throw new Error(`the corpus in ${dir} is incomplete`);
  return {
    ...fromManifest(dir, manifest),
    generated: true,
    generationMs: Math.round(performance.now() - t0),
  };
}
