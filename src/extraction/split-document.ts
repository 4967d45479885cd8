/**
 * Splitting one PDF across extraction threads: whether a document may be split, how its pages are
 * handed out once its page count is known, how the threads' progress adds up, and how their
 * results merge into the result the unsplit extraction would give.
 *
 * The page count is learnt in the thread of the first task (the main thread never parses a PDF):
 * that task asks the pool for pages once it has opened the document; the pool answers with the
 * first chunk and starts helper tasks on the threads idle at that moment, and every thread asks
 * for the next chunk when it has read its last. A thread that starts late (a cold one loads its
 * PDF engine first) only takes what is left, and a slow one holds back at most one chunk. Each
 * thread opens the document itself (pdf.js or PDFium, the task's engine) and reads only the pages
 * it is handed.
 */
import type { ExtractionResult, ExtractionTask, ProgressReporter } from '../ports/extractor.js';
import { chunkSize, PageChunks } from './page-split.js';
import { TextBudget } from './text-pages.js';

/**
 * A PDF is split on either engine (pdf.js or PDFium: both read the ranges handed out; processors/
 * pdf-page-ranges.ts), but not with OCR on: its page budget (`maxOcrPages`) is spent in page
 * order, which threads reading at once could not keep. `idleThreads` counts the thread the first
 * task would take: a split needs one more.
 */
export function maySplit(task: ExtractionTask, minPages: number, idleThreads: number): boolean {
  return (
    minPages > 0 &&
    task.mediaType === 'application/pdf' &&
    !task.ocr &&
    task.pageRange === undefined &&
    idleThreads >= 2
  );
}

/**
 * How a document of `pageCount` pages is handed out to `threads` threads: the whole document at
 * once when it is shorter than `minPages` or there is one thread.
 */
export function pageChunks(pageCount: number, threads: number, minPages: number): PageChunks {
  if (minPages <= 0 || pageCount < minPages || threads < 2) {
    return new PageChunks(pageCount, pageCount);
  }
  return new PageChunks(pageCount, chunkSize(pageCount, threads));
}

/** The threads' progress summed, over the whole document's page count. */
export class SplitProgress {
  private readonly done: number[] = [];
  private reported = 0;
  private total = 0;

  constructor(private readonly report: ProgressReporter) {}

  start(pageCount: number): void {
    this.total = pageCount;
  }

  /** The thread of part `index` has read `done` pages. */
  update(index: number, done: number): void {
    if (done <= (this.done[index] ?? 0)) return;
    this.done[index] = done;
    // A thread whose text budget ran out reports every page done.
    const sum = Math.min(
      this.total,
      this.done.reduce((a, b) => a + b, 0),
    );
    if (sum > this.reported) {
      this.reported = sum;
      this.report(sum, this.total);
    }
  }

  /** Every page read (a thread's last messages may be lost as its port closes). */
  finish(): void {
    if (this.reported < this.total) {
      this.reported = this.total;
      this.report(this.total, this.total);
    }
  }
}

/**
 * The threads' results as one extraction of the whole document: pages in page order, metadata
 * and outline from the first (it read page 1), `needsOcr` from any, and the text budget spent
 * again over the whole document in page order (each thread spent its own, on fewer pages): pages
 * past it dropped, the page it ends in cut, `truncated` set as the unsplit extraction would.
 */
export function mergeParts(
  results: readonly ExtractionResult[],
  maxTextChars: number,
): ExtractionResult {
  const [head] = results;
  if (head === undefined) throw new Error('no part to merge');
  const budget = new TextBudget(maxTextChars);
  const pages: ExtractionResult['pages'] = [];
  const read = results.flatMap((result) => result.pages).sort((a, b) => a.number - b.number);
  for (const page of read) {
    if (budget.exhausted) {
      budget.cut();
      break;
    }
    const text = budget.take(page.text);
    // A page cut by the text budget keeps its plain text as Markdown too (as pdf.ts does).
    pages.push(text === page.text ? page : { number: page.number, text, markdown: text });
  }
  return {
    pages,
    pageCount: head.pageCount,
    metadata: head.metadata,
    needsOcr: results.some((result) => result.needsOcr),
    truncated: budget.truncated || results.some((result) => result.truncated),
  };
}
