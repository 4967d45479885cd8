/**
 * OCR for PDF pages without a text layer, with tesseract.js and the English data shipped in
 * `@tesseract.js-data/eng` (never downloaded: `langPath` is that package's folder). Pages cannot
 * be rendered to pixels here (pdf.js needs a canvas package for that, and none is installed), so
 * what is recognised are the raster images the page paints, as pdf.js decodes them: exactly a
 * scanned page, which is one image (or a few strips). Text drawn as vector paths, and stencil
 * image masks, are not recognised. tesseract.js is imported when the first engine starts, so a
 * thread that never runs OCR never loads it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Not a pdf.js kind: 8-bit grey, as the JPEG 2000 decoder (pdf-jpx-images.ts) gives it. */
export const GREY_8BPP = 4;

/**
 * A decoded image as pdf.js hands it over (`kind`: 1 = 1 bit grey, 2 = RGB, 3 = RGBA), or
 * GREY_8BPP.
 */
export interface PdfImage {
  width: number;
  height: number;
  kind?: number;
  data?: Uint8Array | Uint8ClampedArray;
}

export interface OcrEngine {
  recognize(image: PdfImage): Promise<string>;
  /** An encoded PNG, JPEG or WebP, decoded by tesseract's own image readers. */
  recognizeEncoded(bytes: Buffer): Promise<string>;
  close(): Promise<void>;
}

/** Images smaller than this are icons or rules, not text. */
const MIN_SIDE = 32;
const MIN_AREA = 10_000;
/** Larger images are subsampled to about this many pixels before recognition. */
const MAX_PIXELS = 40_000_000;
export const MAX_IMAGES_PER_PAGE = 8;

/** The folder of the installed English data, best_int (LSTM) preferred. */
export function englishDataPath(): string {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('@tesseract.js-data/eng/package.json'));
  for (const version of ['4.0.0_best_int', '4.0.0']) {
    const folder = join(root, version);
    if (existsSync(join(folder, 'eng.traineddata.gz'))) return folder;
  }
  throw new Error(`No eng.traineddata.gz under ${root}: reinstall @tesseract.js-data/eng`);
}

export function isOcrCandidate(image: PdfImage): boolean {
  return (
    image.width >= MIN_SIDE &&
    image.height >= MIN_SIDE &&
    image.width * image.height >= MIN_AREA &&
    image.data !== undefined &&
    [1, 2, 3, GREY_8BPP].includes(image.kind ?? 0)
  );
}

/** The image as an 8-bit greyscale PGM (tesseract reads PNM without extra decoders). */
export function toPgm(image: PdfImage): Buffer | null {
  const { width, height, kind, data } = image;
  if (data === undefined) return null;
  const step = Math.max(1, Math.ceil(Math.sqrt((width * height) / MAX_PIXELS)));
  const outWidth = Math.floor(width / step);
  const outHeight = Math.floor(height / step);
  const header = Buffer.from(`P5\n${outWidth} ${outHeight}\n255\n`, 'ascii');
  const out = Buffer.alloc(header.length + outWidth * outHeight);
  header.copy(out);
  let at = header.length;
  const rowBytes = Math.ceil(width / 8);
  const channels = kind === 3 ? 4 : kind === GREY_8BPP ? 1 : 3;
  const expected = kind === 1 ? rowBytes * height : width * height * channels;
  if (data.length < expected) return null;
  for (let y = 0; y < outHeight; y++) {
    const sourceY = y * step;
    for (let x = 0; x < outWidth; x++) {
      const sourceX = x * step;
      if (kind === 1) {
        const byte = data[sourceY * rowBytes + (sourceX >> 3)] ?? 0;
        // pdf.js: a set bit is white.
        out[at++] = (byte >> (7 - (sourceX & 7))) & 1 ? 255 : 0;
      } else if (kind === GREY_8BPP) {
        out[at++] = data[sourceY * width + sourceX] ?? 255;
      } else {
        const index = (sourceY * width + sourceX) * channels;
        const red = data[index] ?? 0;
        const green = data[index + 1] ?? 0;
        const blue = data[index + 2] ?? 0;
        let grey = (red * 299 + green * 587 + blue * 114) / 1000;
        // Transparent pixels of an RGBA image sit on a white page.
        if (kind === 3) {
          const alpha = (data[index + 3] ?? 255) / 255;
          grey = grey * alpha + 255 * (1 - alpha);
        }
        out[at++] = Math.round(grey);
      }
    }
  }
  return out;
}

/** Starts a tesseract.js worker (its own thread) on the local English data; ~0.5 s. */
export async function createOcrEngine(): Promise<OcrEngine> {
  const { createWorker, OEM } = await import('tesseract.js');
  const worker = await createWorker('eng', OEM.LSTM_ONLY, {
    langPath: englishDataPath(),
    gzip: true,
    cacheMethod: 'none',
    // Without a handler tesseract.js also throws a failed job's error out of its message
    // listener (the thread dies); the job's own promise already rejects with it.
    errorHandler: () => undefined,
  });
  return {
    async recognize(image) {
      const pgm = toPgm(image);
      if (pgm === null) return '';
      const result = await worker.recognize(pgm);
      return result.data.text;
    },
    async recognizeEncoded(bytes) {
      const result = await worker.recognize(bytes);
      return result.data.text;
    },
    async close() {
      await worker.terminate();
    },
  };
}
