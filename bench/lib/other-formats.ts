/**
 * bench:extract's rows for e-mail, RTF and legacy Office: a batch of each, generated at run time
 * in a temporary folder with the test fixtures' generators (longer bodies, so a document is a few
 * pages), and .doc/.xls/.ppt made by the installed LibreOffice — left out, and said so, where
 * there is none. Images (imageBatches) are for `--formats` only: they need QUIRE_OCR=on, which
 * would also OCR the image PDF of the main scenarios.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CorpusFile, CorpusFormat } from '../corpus.js';
import { CONTENT_TYPES } from '../corpus.js';
import {
  emlBytes,
  hasSoffice,
  rtfText,
  sheetCsv,
  slidesFodp,
  sofficeConvert,
  textJpeg,
  textPng,
  textTiff,
  textWebp,
} from '../../test/fixtures/other-formats.js';

export interface FormatBatch {
  label: string;
  files: CorpusFile[];
}

const PARAGRAPH =
  'The keeper trimmed the wicks at dusk, wound the clockwork and logged the weather; ' +
  'by midnight the lens had turned eleven thousand times over a calm sea. ';

/** An e-mail whose HTML body has `paragraphs` paragraphs. */
function longEml(paragraphs: number): string {
  const body = Array.from(
    { length: paragraphs },
    (_, index) => `<p>${index + 1}. ${PARAGRAPH}</p>`,
  );
  return emlBytes().replace('<p>It might compose music.</p>', body.join(''));
}

/** The fixture RTF with `paragraphs` more paragraphs. */
function longRtf(paragraphs: number): string {
  const body = Array.from(
    { length: paragraphs },
    (_, index) => `\\pard ${index + 1}. ${PARAGRAPH}\\par`,
  );
  return rtfText().replace(/}\s*$/, `${body.join('\n')}\n}`);
}

/** Batches to upload, what was left out and why, and how to remove their files. */
interface FormatBatchSet {
  batches: FormatBatch[];
  notes: string[];
  cleanup: () => void;
}

/** What the images say (the fixtures' bitmap font has these letters). */
const IMAGE_LINES = ['HELLO OCR WORLD', 'CODE WORD HERO', 'OLD CLOCHE ROW'];

/**
 * `copies` of each image format, one text line per image (a two-page TIFF), cwebp present for
 * WebP (left out, and said so, where it is not).
 */
export async function imageBatches(copies: number): Promise<FormatBatchSet> {
  const dir = mkdtempSync(join(tmpdir(), 'quire-bench-images-'));
  const notes: string[] = [];
  const line = IMAGE_LINES[0] as string;
  const made: [CorpusFormat, string, () => Buffer][] = [
    ['png', 'PNGs', () => textPng(line)],
    ['jpg', 'JPEGs', () => textJpeg(line)],
    ['tif', 'two-page TIFFs', () => textTiff(IMAGE_LINES.slice(1))],
  ];
  if (spawnSync('sh', ['-c', 'command -v cwebp']).status === 0) {
    made.push(['webp', 'WebPs (lossy)', () => textWebp(line)]);
  } else {
    notes.push('no cwebp on PATH (Debian package webp): the WebP row is left out');
  }
  const batches: FormatBatch[] = [];
  for (const [format, what, make] of made) {
    const bytes = make();
    const files = await Promise.all(
      Array.from({ length: copies }, async (_, index): Promise<CorpusFile> => {
        const name = `${format}-${index + 1}.${format}`;
        const path = join(dir, name);
        await writeFile(path, bytes);
        return {
          role: 'small',
          format,
          name,
          path,
          contentType: CONTENT_TYPES[format],
          bytes: bytes.length,
          pages: undefined,
        };
      }),
    );
    batches.push({ label: `${copies} ${what} via OCR`, files });
  }
  return { batches, notes, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function otherFormatBatches(
  copies: number,
  legacyCopies: number,
): Promise<FormatBatchSet> {
  const dir = mkdtempSync(join(tmpdir(), 'quire-bench-formats-'));
  const notes: string[] = [];
  const file = async (
    format: CorpusFormat,
    name: string,
    content: string | Buffer | null,
  ): Promise<CorpusFile> => {
    const path = join(dir, name);
    if (content !== null) await writeFile(path, content);
    return {
      role: 'small',
      format,
      name,
      path,
      contentType: CONTENT_TYPES[format],
      bytes: statSync(path).size,
      pages: undefined,
    };
  };
  const copiesOf = async (
    format: CorpusFormat,
    make: (index: number) => string,
    count: number,
  ): Promise<CorpusFile[]> =>
    Promise.all(
      Array.from({ length: count }, (_, index) =>
        file(format, `${format}-${String(index + 1).padStart(2, '0')}.${format}`, make(index)),
      ),
    );

  const batches: FormatBatch[] = [
    {
      label: `${copies} e-mails (HTML body, 2 attachments)`,
      files: await copiesOf('eml', () => longEml(60), copies),
    },
    { label: `${copies} RTF reports`, files: await copiesOf('rtf', () => longRtf(60), copies) },
  ];
  if (hasSoffice()) {
    const source = join(dir, 'source.rtf');
    await writeFile(source, longRtf(60));
    const sheet = join(dir, 'source.csv');
    await writeFile(sheet, sheetCsv());
    const deck = join(dir, 'source.fodp');
    await writeFile(deck, slidesFodp());
    const made: [CorpusFormat, string][] = [
      ['doc', sofficeConvert(source, 'doc', dir)],
      ['xls', sofficeConvert(sheet, 'xls:MS Excel 97', dir)],
      ['ppt', sofficeConvert(deck, 'ppt:MS PowerPoint 97', dir)],
    ];
    for (const [format, path] of made) {
      const bytes = await import('node:fs/promises').then(({ readFile }) => readFile(path));
      const files = await Promise.all(
        Array.from({ length: legacyCopies }, (_, index) =>
          file(format, `${format}-${index + 1}.${format}`, bytes),
        ),
      );
      batches.push({ label: `${legacyCopies} .${format} via LibreOffice`, files });
    }
  } else {
    notes.push('no soffice on PATH: the .doc, .xls and .ppt rows are left out');
  }
  return { batches, notes, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
