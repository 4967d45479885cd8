/**
 * Stateless conversions: a file in, its extracted content out, through the same worker pool and
 * limits as ingestion, with nothing stored. The file goes to a private scratch file (worker
 * threads take paths) that is removed however the conversion ends.
 */
import type { Readable } from 'node:stream';
import { AppError } from '../errors.js';
import type { ScratchWriter } from '../ports/scratch-space.js';
import {
  SUPPORTED_MEDIA_TYPES,
  type ExtractionLimits,
  type ExtractionResult,
  type Extractor,
  type LibreOfficeRuntime,
  type PdfEngine,
} from '../ports/extractor.js';
import { Failure } from '../ports/failures.js';
import { assertExtractable, type ExtractionCapabilities } from './extraction-capabilities.js';
import { sniffMediaType } from './media-type.js';

export interface ConversionOptions {
  extractor: Extractor;
  scratch: ScratchWriter;
  limits: ExtractionLimits;
  ocr: boolean;
  /** What reads PDFs (default DEFAULT_PDF_ENGINE). */
  pdfEngine?: PdfEngine;
  /** Absent where no `soffice` is installed. */
  libreOffice?: LibreOfficeRuntime;
  /** What is refused up front for want of OCR or LibreOffice. */
  capabilities: ExtractionCapabilities;
  maxBytes: number;
}

/** A processor's failure code as the HTTP answer to a conversion. */
function asHttpError(code: string, message: string): AppError {
  if (code === 'DOCUMENT_ENCRYPTED') return new AppError('DOCUMENT_ENCRYPTED', message);
  if (code === 'UNSUPPORTED_FORMAT') return new AppError('UNSUPPORTED_MEDIA_TYPE', message);
  if (code === 'PAYLOAD_TOO_LARGE') return new AppError('PAYLOAD_TOO_LARGE', message);
  if (code === 'OCR_REQUIRED') return new AppError('OCR_REQUIRED', message);
  return new AppError('UNPROCESSABLE_DOCUMENT', message);
}

export class ConversionService {
  constructor(private readonly options: ConversionOptions) {}

  /** The largest file a conversion takes. */
  get maxBytes(): number {
    return this.options.maxBytes;
  }

  async convert(
    source: Readable | AsyncIterable<Uint8Array>,
    filename: string,
    password: string | undefined,
    signal: AbortSignal,
  ): Promise<ExtractionResult & { mediaType: string }> {
    const file = await this.options.scratch(source, this.options.maxBytes, signal);
    try {
      if (file.size === 0) {
        throw new AppError('VALIDATION_FAILED', 'The file is empty', {
          errors: [{ path: '/body', message: 'must not be empty' }],
        });
      }
      const sniffed = await sniffMediaType(file.head, filename);
      if ('unsupported' in sniffed) {
        throw new AppError(
          'UNSUPPORTED_MEDIA_TYPE',
          `${sniffed.unsupported} is not supported; send one of ${SUPPORTED_MEDIA_TYPES.join(', ')}`,
        );
      }
      assertExtractable(sniffed.mediaType, this.options.capabilities);
      let outcome;
      try {
        outcome = await this.options.extractor.extract(
          {
            path: file.path,
            mediaType: sniffed.mediaType,
            filename,
            ...(password === undefined ? {} : { password }),
            limits: this.options.limits,
            ocr: this.options.ocr,
            ...(this.options.pdfEngine === undefined ? {} : { pdfEngine: this.options.pdfEngine }),
            ...(this.options.libreOffice === undefined
              ? {}
              : { libreOffice: this.options.libreOffice }),
          },
          { signal, onProgress: () => undefined },
        );
      } catch (error) {
        if (error instanceof Failure) {
          // A worker that ran out of memory or time on this input: the input's fault here.
          throw error.code === 'EXTRACTION_TIMEOUT'
            ? new AppError('TIMEOUT', error.message)
            : new AppError('UNPROCESSABLE_DOCUMENT', error.message);
        }
        throw error;
      }
      if (!outcome.ok) throw asHttpError(outcome.code, outcome.message);
      return { ...outcome.result, mediaType: sniffed.mediaType };
    } finally {
      await file.release();
    }
  }
}
