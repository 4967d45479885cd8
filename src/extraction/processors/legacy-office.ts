/**
 * Legacy Office files (.doc, .xls, .ppt) through LibreOffice (see ../soffice.ts for the
 * isolation), then the processor of what it was converted to: Word documents become DOCX
 * (headings, lists, tables as DOCX gives them), workbooks HTML (one table per sheet, each sheet
 * headed by its name), presentations PDF (one page per slide). Without a `soffice` the file fails
 * UNSUPPORTED_FORMAT naming what to install (the API refuses it at upload already).
 */
import { convertWithLibreOffice } from '../soffice.js';
import type { Processor } from '../types.js';
import { extractDocx } from './docx.js';
import { extractHtml } from './html.js';
import { extractPdfWithEngine } from './pdf-engine.js';
import type { ExtractionResult, ExtractionTask, ProgressReporter } from '../../ports/extractor.js';
import { Failure } from '../../ports/failures.js';

interface Route {
  extension: string;
  target: string;
  mediaType: string;
  processor: Processor;
}

const ROUTES: Record<string, Route> = {
  'application/msword': {
    extension: '.doc',
    target: 'docx',
    mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    processor: extractDocx,
  },
  'application/vnd.ms-excel': {
    extension: '.xls',
    target: 'html',
    mediaType: 'text/html',
    processor: extractHtml,
  },
  'application/vnd.ms-powerpoint': {
    extension: '.ppt',
    target: 'pdf',
    mediaType: 'application/pdf',
    // Read by the task's PDF engine, as an uploaded PDF is.
    processor: extractPdfWithEngine,
  },
};

export async function extractLegacyOffice(
  task: ExtractionTask,
  progress: ProgressReporter,
): Promise<ExtractionResult> {
  const route = ROUTES[task.mediaType];
  if (route === undefined) {
    throw new Failure('UNSUPPORTED_FORMAT', `No LibreOffice route for ${task.mediaType}`);
  }
  if (task.libreOffice === undefined) {
    throw new Failure(
      'UNSUPPORTED_FORMAT',
      `${task.mediaType} is read through LibreOffice, which is not installed here: install the Debian packages libreoffice-core-nogui, libreoffice-writer-nogui, libreoffice-calc-nogui and libreoffice-impress-nogui`,
    );
  }
  const converted = await convertWithLibreOffice(
    task.libreOffice,
    task.path,
    route.extension,
    route.target,
  );
  try {
    return await route.processor(
      { ...task, path: converted.path, mediaType: route.mediaType },
      progress,
    );
  } finally {
    await converted.release();
  }
}
