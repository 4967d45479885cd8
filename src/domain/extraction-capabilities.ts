/**
 * Formats that need an optional part of the service: images need OCR, legacy Office needs
 * LibreOffice. Where that part is missing the file is refused before it is stored, with what
 * would make it work, rather than extracted into an empty document.
 */
import { AppError } from '../errors.js';
import type { SupportedMediaType } from '../ports/extractor.js';

export interface ExtractionCapabilities {
  /** QUIRE_OCR=on. */
  ocr: boolean;
  /** A `soffice` binary was found (QUIRE_SOFFICE). */
  libreOffice: boolean;
}

export const NO_OPTIONAL_CAPABILITIES: ExtractionCapabilities = { ocr: false, libreOffice: false };

const IMAGES: readonly string[] = ['image/png', 'image/jpeg', 'image/tiff', 'image/webp'];
const LEGACY_OFFICE: readonly string[] = [
  'application/msword',
  'application/vnd.ms-excel',
  'application/vnd.ms-powerpoint',
];

export const isImage = (mediaType: string): boolean => IMAGES.includes(mediaType);
export const needsLibreOffice = (mediaType: string): boolean => LEGACY_OFFICE.includes(mediaType);

/** Throws the problem that says what is missing to extract `mediaType`, if anything is. */
export function assertExtractable(
  mediaType: SupportedMediaType,
  capabilities: ExtractionCapabilities,
): void {
  if (isImage(mediaType) && !capabilities.ocr) {
    throw new AppError(
      'OCR_REQUIRED',
      `${mediaType} is an image: its text can only be read by OCR, which is off (set QUIRE_OCR=on)`,
    );
  }
  if (needsLibreOffice(mediaType) && !capabilities.libreOffice) {
    throw new AppError(
      'UNSUPPORTED_MEDIA_TYPE',
      `${mediaType} is read through LibreOffice, which is not installed here: install the Debian packages libreoffice-core-nogui, libreoffice-writer-nogui, libreoffice-calc-nogui and libreoffice-impress-nogui (or point QUIRE_SOFFICE at a soffice binary)`,
    );
  }
}
