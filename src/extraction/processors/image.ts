/**
 * Images (PNG, JPEG, TIFF, WebP): their text is what OCR reads, so without OCR they fail with
 * OCR_REQUIRED (the API refuses them at upload already; this covers a worker configured apart).
 * The size is read from the header first, without decoding: an image over MAX_IMAGE_SIDE or
 * MAX_IMAGE_PIXELS is refused before a pixel is decoded. PNG, JPEG and WebP are decoded by
 * tesseract's own readers; TIFF by UTIF (one page per frame, each frame's size checked before it
 * is decoded), then handed over as greyscale. One page per image or frame.
 */
import { readFile } from 'node:fs/promises';
import { normalizeText, TextBudget } from '../text-pages.js';
import { createOcrEngine, toPgm, type OcrEngine } from './pdf-ocr.js';
import type {
  ExtractedPage,
  ExtractionResult,
  ExtractionTask,
  ProgressReporter,
} from '../../ports/extractor.js';
import { Failure } from '../../ports/failures.js';

/** Wider or taller than any scan (A0 at 600 dpi is 19,866 × 28,087): refused. */
export const MAX_IMAGE_SIDE = 30_000;
/** About A3 at 600 dpi (7,016 × 9,921 ≈ 70 MP); tesseract holds the image in WebAssembly memory. */
export const MAX_IMAGE_PIXELS = 80_000_000;

const loadImageSize = async () => (await import('image-size/fromFile')).imageSizeFromFile;
const loadUtif = async () => (await import('utif2')).default;

function checkSize(width: number, height: number, what: string): void {
  if (!(width > 0 && height > 0)) throw new Failure('DOCUMENT_CORRUPT', `${what} has no size`);
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || width * height > MAX_IMAGE_PIXELS) {
    throw new Failure(
      'PAYLOAD_TOO_LARGE',
      `${what} is ${width} × ${height} pixels, above the limits of ${MAX_IMAGE_SIDE} pixels a side and ${MAX_IMAGE_PIXELS} pixels`,
    );
  }
}

function tagNumber(value: unknown): number {
  const first: unknown = Array.isArray(value) ? value[0] : value;
  return typeof first === 'number' ? first : 0;
}

/** The text of each TIFF frame, up to `maxPages`; frames are size-checked before decoding. */
async function tiffPages(
  bytes: Buffer,
  task: ExtractionTask,
  ocr: OcrEngine,
  progress: ProgressReporter,
): Promise<string[]> {
  const UTIF = await loadUtif();
  let frames;
  try {
    // Reads the directories only: no pixel is decoded here.
    frames = UTIF.decode(bytes).filter((frame) => tagNumber(frame['t256']) > 0);
  } catch (error) {
    throw new Failure('DOCUMENT_CORRUPT', `The TIFF could not be read: ${String(error)}`);
  }
  if (frames.length === 0) throw new Failure('DOCUMENT_CORRUPT', 'The TIFF has no image');
  if (frames.length > task.limits.maxPages) {
    throw new Failure(
      'UNPROCESSABLE_DOCUMENT',
      `The TIFF has ${frames.length} pages, above the limit of ${task.limits.maxPages}`,
    );
  }
  frames.forEach((frame, index) =>
    checkSize(tagNumber(frame['t256']), tagNumber(frame['t257']), `TIFF page ${index + 1}`),
  );
  const texts: string[] = [];
  for (const [index, frame] of frames.entries()) {
    if (index >= task.limits.maxOcrPages) {
      texts.push('');
      continue;
    }
    try {
      UTIF.decodeImage(bytes, frame);
    } catch (error) {
      throw new Failure(
        'DOCUMENT_CORRUPT',
        `TIFF page ${index + 1} could not be decoded: ${String(error)}`,
      );
    }
    const rgba = UTIF.toRGBA8(frame);
    const pgm = toPgm({ width: frame.width, height: frame.height, kind: 3, data: rgba });
    texts.push(pgm === null ? '' : await ocr.recognizeEncoded(pgm));
    progress(index + 1, frames.length);
  }
  return texts;
}

export async function extractImage(
  task: ExtractionTask,
  progress: ProgressReporter,
): Promise<ExtractionResult> {
  if (!task.ocr) {
    throw new Failure(
      'OCR_REQUIRED',
      `${task.mediaType} is an image: its text can only be read by OCR, which is off (set QUIRE_OCR=on)`,
    );
  }
  const imageSizeFromFile = await loadImageSize();
  let size;
  try {
    size = await imageSizeFromFile(task.path);
  } catch (error) {
    throw new Failure('DOCUMENT_CORRUPT', `The image could not be read: ${String(error)}`);
  }
  checkSize(size.width, size.height, 'The image');
  const bytes = await readFile(task.path);
  const ocr = await createOcrEngine();
  let texts: string[];
  try {
    if (task.mediaType === 'image/tiff') {
      texts = await tiffPages(bytes, task, ocr, progress);
    } else {
      try {
        texts = [await ocr.recognizeEncoded(bytes)];
      } catch (error) {
        throw new Failure('DOCUMENT_CORRUPT', `The image could not be decoded: ${String(error)}`);
      }
    }
  } finally {
    await ocr.close();
  }
  const budget = new TextBudget(task.limits.maxTextChars);
  const pages: ExtractedPage[] = texts.map((raw, index) => {
    const text = budget.take(normalizeText(raw));
    return { number: index + 1, text, markdown: text };
  });
  progress(pages.length, pages.length);
  return {
    pages,
    pageCount: pages.length,
    metadata: {},
    // Frames past maxOcrPages were not read.
    needsOcr: texts.length > task.limits.maxOcrPages,
    truncated: budget.truncated,
  };
}
