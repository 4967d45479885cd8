/**
 * A PDF read by the task's engine (QUIRE_PDF_ENGINE; DEFAULT_PDF_ENGINE when it names none):
 * PDFium (pdf-pdfium.ts) or pdf.js (pdf.ts). Both read the pages the pool plans when it splits a
 * long PDF across threads (split-document.ts). Uploaded PDFs and the PDFs LibreOffice makes of
 * legacy presentations come here.
 */
import { DEFAULT_PDF_ENGINE } from '../../ports/extractor.js';
import type { Processor } from '../types.js';
import { extractPdf } from './pdf.js';
import { extractPdfium } from './pdf-pdfium.js';

export const extractPdfWithEngine: Processor = (task, progress, planPages) =>
  (task.pdfEngine ?? DEFAULT_PDF_ENGINE) === 'pdfium'
    ? extractPdfium(task, progress, planPages)
    : extractPdf(task, progress, planPages);
