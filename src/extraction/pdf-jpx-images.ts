/**
 * JPEG 2000 page images for OCR. unpdf's pdf.js build leaves out pdf.js's OpenJPEG module, so a
 * JPXDecode image comes back from it as nothing, and a scan stored that way read as an empty
 * page (outside probes saw page 1 of a two-page scan come back empty: Pillow writes an RGBA page
 * as JPEG 2000 and an RGB one as JPEG). For a textless page whose images pdf.js could not give,
 * the page's JPX image XObjects are read raw with pdf-lib and decoded with `jpeg2000` (pdf.js's
 * own former pure-JavaScript decoder). The file is parsed again only when a page needs it, and
 * not at all for encrypted files (pdf-lib cannot decrypt their streams).
 */
import { readFile } from 'node:fs/promises';
import { JpxImage } from 'jpeg2000';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRawStream, type PDFObject } from 'pdf-lib';
import { GREY_8BPP, type PdfImage } from './processors/pdf-ocr.js';

/** Larger images are not decoded (the decoder holds every component at full size). */
const MAX_JPX_PIXELS = 100_000_000;
const JPX_DECODE = PDFName.of('JPXDecode');

/** The image's size from its SIZ marker, before anything is decoded. */
function jpxSize(bytes: Uint8Array): { width: number; height: number } | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at + 24 <= bytes.length; at++) {
    if (bytes[at] !== 0xff || bytes[at + 1] !== 0x51) continue;
    const width = view.getUint32(at + 6) - view.getUint32(at + 14);
    const height = view.getUint32(at + 10) - view.getUint32(at + 18);
    return width > 0 && height > 0 ? { width, height } : null;
  }
  return null;
}

/** JPXDecode alone (as a name or a one-entry array): the stream's bytes are the JPX file. */
function isJpxOnly(filter: PDFObject | undefined): boolean {
  if (filter instanceof PDFName) return filter === JPX_DECODE;
  return filter instanceof PDFArray && filter.size() === 1 && filter.get(0) === JPX_DECODE;
}

/** The decoded image with its tiles put together, 1, 3 or 4 components per pixel. */
export function decodeJpx(bytes: Uint8Array): PdfImage | null {
  const size = jpxSize(bytes);
  if (size === null || size.width * size.height > MAX_JPX_PIXELS) return null;
  const jpx = new JpxImage();
  jpx.parse(bytes);
  const channels = jpx.componentsCount;
  const kind = channels === 1 ? GREY_8BPP : channels === 3 ? 2 : channels === 4 ? 3 : null;
  if (kind === null) return null;
  const { width, height } = jpx;
  const data = new Uint8Array(width * height * channels);
  for (const tile of jpx.tiles) {
    const rowBytes = tile.width * channels;
    for (let row = 0; row < tile.height; row++) {
      const from = row * rowBytes;
      data.set(
        tile.items.subarray(from, from + rowBytes),
        ((tile.top + row) * width + tile.left) * channels,
      );
    }
  }
  return { width, height, kind, data };
}

export class JpxPageImages {
  private document: Promise<PDFDocument | null> | null = null;

  constructor(private readonly path: string) {}

  /** Page `number`'s JPX images (at most `max`), decoded; none when the file cannot be read so. */
  async images(number: number, max: number): Promise<PdfImage[]> {
    const document = await (this.document ??= this.load());
    if (document === null || number > document.getPageCount()) return [];
    const resources = document.getPage(number - 1).node.Resources();
    const xObjects = resources?.lookupMaybe(PDFName.of('XObject'), PDFDict);
    const images: PdfImage[] = [];
    for (const ref of xObjects?.values() ?? []) {
      if (images.length >= max) break;
      const stream = document.context.lookup(ref);
      if (!(stream instanceof PDFRawStream)) continue;
      if (!isJpxOnly(stream.dict.get(PDFName.of('Filter')))) continue;
      try {
        const image = decodeJpx(stream.contents);
        if (image !== null) images.push(image);
      } catch {
        // A JPX stream the decoder cannot read adds nothing; the page stays textless if none can.
      }
    }
    return images;
  }

  private async load(): Promise<PDFDocument | null> {
    try {
      // An encrypted file is refused (EncryptedPDFError): its streams could not be read anyway.
      return await PDFDocument.load(await readFile(this.path), { updateMetadata: false });
    } catch {
      return null;
    }
  }
}
