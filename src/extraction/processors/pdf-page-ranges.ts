/**
 * The page loop both PDF engines share (pdf.ts on pdf.js, pdf-pdfium.ts on PDFium), so a task reads
 * the same pages the same way whichever engine reads them: the page limit before any page; the
 * ranges to read — `task.pageRange`, else those the pool hands out (the planner), else every page;
 * metadata and outline only by the task that reads page 1; progress over the task's pages; the
 * text budget, a page it cuts keeping its plain text as Markdown too. The extraction pool splits a
 * long PDF across threads this way (split-document.ts).
 */
import { Failure } from '../../ports/failures.js';
import type {
  ExtractedMetadata,
  ExtractedPage,
  ExtractionResult,
  ExtractionTask,
  PageRange,
  ProgressReporter,
} from '../../ports/extractor.js';
import { TextBudget } from '../text-pages.js';
import type { PagePlanner } from '../types.js';

export interface PageScan {
  text: string;
  /** The text with aligned tables as Markdown tables (the text itself where OCR read it). */
  markdown: string;
  /** The page paints something (images, paths) yet has no text layer. */
  textless: boolean;
}

/** An opened PDF as an engine reads it. */
export interface PdfPageSource {
  readonly pageCount: number;
  /** The document's metadata with its outline. */
  metadata(): Promise<ExtractedMetadata>;
  /** Page `number` (1-based); `seenTextless`: an earlier page already made the document need OCR. */
  scan(number: number, seenTextless: boolean): Promise<PageScan>;
}

/**
 * The ranges of pages to read, in order: `task.pageRange`, else those `nextPages` hands out until
 * it answers null, else every page. A range outside the document is a bug of the caller (the pool
 * reads the count from this same file).
 */
export async function* pagesToRead(
  task: ExtractionTask,
  pageCount: number,
  nextPages: ((pageCount: number) => Promise<PageRange | null>) | undefined,
): AsyncGenerator<PageRange> {
  const check = (range: PageRange): PageRange => {
    if (range.first < 1 || range.last > pageCount || range.first > range.last + 1) {
      throw new Error(
        `Page range ${range.first}-${range.last} is not within the PDF's ${pageCount} pages`,
      );
    }
    return range;
  };
  if (task.pageRange !== undefined) {
    yield check(task.pageRange);
  } else if (nextPages === undefined) {
    yield { first: 1, last: pageCount };
  } else {
    for (let range = await nextPages(pageCount); range !== null; range = await nextPages(pageCount))
      yield check(range);
  }
}

/** Reads the task's pages of `source` (see the module comment). */
export async function readPdfPages(
  task: ExtractionTask,
  source: PdfPageSource,
  progress: ProgressReporter,
  nextPages: PagePlanner | undefined,
): Promise<ExtractionResult> {
  const { pageCount } = source;
  if (pageCount > task.limits.maxPages) {
    throw new Failure(
      'UNPROCESSABLE_DOCUMENT',
      `The PDF has ${pageCount} pages, more than the limit of ${task.limits.maxPages}`,
    );
  }
  let metadata: ExtractedMetadata = {};
  const budget = new TextBudget(task.limits.maxTextChars);
  const pages: ExtractedPage[] = [];
  // Progress: pages read of all this task reads (of the range, or of the document).
  const total =
    task.pageRange === undefined ? pageCount : task.pageRange.last - task.pageRange.first + 1;
  let textless = 0;
  // The pool is handed the pages of each range as it asks for the next (it stores them meanwhile).
  let handedOver = 0;
  const planner: Parameters<typeof pagesToRead>[2] =
    nextPages === undefined
      ? undefined
      : (count) => {
          const read = pages.slice(handedOver);
          handedOver = pages.length;
          return nextPages(count, read);
        };
  reading: for await (const { first, last } of pagesToRead(task, pageCount, planner)) {
    // Metadata and the outline belong to the document: the task that reads page 1 reads them.
    if (first === 1) metadata = await source.metadata();
    for (let number = first; number <= last; number++) {
      if (budget.exhausted) {
        budget.cut();
        progress(total, total);
        break reading;
      }
      const scan = await source.scan(number, textless > 0);
      if (scan.textless) textless++;
      const text = budget.take(scan.text);
      // A page cut by the text budget keeps its plain text as Markdown too.
      pages.push({ number, text, markdown: text === scan.text ? scan.markdown : text });
      progress(pages.length, total);
    }
  }
  return { pages, pageCount, metadata, needsOcr: textless > 0, truncated: budget.truncated };
}
