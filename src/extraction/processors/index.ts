/**
 * Picks the processor for a task's media type and turns its expected failures
 * (Failure) into data, so their codes survive the worker-thread boundary. Anything
 * else thrown is a crash: it is rethrown for the caller (the job runner) to retry.
 */
import {
  isExtractionFailureCode,
  SUPPORTED_MEDIA_TYPES,
  type ExtractionOutcome,
  type ExtractionTask,
  type ProgressReporter,
  type SupportedMediaType,
} from '../../ports/extractor.js';
import { Failure } from '../../ports/failures.js';
import type { PagePlanner, Processor } from '../types.js';
import { extractCsv } from './csv.js';
import { extractDocx } from './docx.js';
import { extractEpub } from './epub.js';
import { extractHtml } from './html.js';
import { extractJson } from './json.js';
import { extractOdp } from './odp.js';
import { extractOds } from './ods.js';
import { extractOdt } from './odt.js';
import { extractPdfWithEngine } from './pdf-engine.js';
import { extractPptx } from './pptx.js';
import { extractText } from './text.js';
import { extractXlsx } from './xlsx.js';
import { extractEml } from './eml.js';
import { extractImage } from './image.js';
import { extractRtf } from './rtf.js';
import { extractLegacyOffice } from './legacy-office.js';

export const PROCESSORS: Record<SupportedMediaType, Processor> = {
  'application/pdf': extractPdfWithEngine,
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': extractDocx,
  'text/html': extractHtml,
  'text/markdown': extractText,
  'text/plain': extractText,
  'text/csv': extractCsv,
  'application/json': extractJson,
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': extractPptx,
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': extractXlsx,
  'application/vnd.oasis.opendocument.text': extractOdt,
  'application/vnd.oasis.opendocument.spreadsheet': extractOds,
  'application/vnd.oasis.opendocument.presentation': extractOdp,
  'application/epub+zip': extractEpub,
  'message/rfc822': extractEml,
  'image/png': extractImage,
  'image/jpeg': extractImage,
  'image/tiff': extractImage,
  'image/webp': extractImage,
  'application/rtf': extractRtf,
  'application/msword': extractLegacyOffice,
  'application/vnd.ms-excel': extractLegacyOffice,
  'application/vnd.ms-powerpoint': extractLegacyOffice,
};

const isSupported = (mediaType: string): mediaType is SupportedMediaType =>
  (SUPPORTED_MEDIA_TYPES as readonly string[]).includes(mediaType);

export async function runProcessor(
  task: ExtractionTask,
  progress: ProgressReporter,
  planPages?: PagePlanner,
): Promise<ExtractionOutcome> {
  if (!isSupported(task.mediaType)) {
    return {
      ok: false,
      code: 'UNSUPPORTED_FORMAT',
      message: `No extractor for media type ${task.mediaType}`,
    };
  }
  try {
    return { ok: true, result: await PROCESSORS[task.mediaType](task, progress, planPages) };
  } catch (error) {
    if (error instanceof Failure && isExtractionFailureCode(error.code)) {
      return { ok: false, code: error.code, message: error.message };
    }
    throw error;
  }
}
