/**
 * Splitting one PDF across extraction threads: whether a document may be split, how its pages are
 * cut once its page count is known, how the ranges' progress adds up, and how their results merge
 * into the result the unsplit extraction would give.
 *
 * The page count is learnt in the thread of the first range (the main thread never parses a PDF):
 * that task asks the pool which pages to read once it has opened the document, and the pool
 * answers with the first range and starts the others on the threads idle at that moment.
 */
import type {
  ExtractionResult,
  ExtractionTask,
  PageRange,
  ProgressReporter,
} from '../ports/extractor.js';
import { pageRanges } from './page-split.js';
import { TextBudget } from './text-pages.js';

/**
 * Only a PDF is split, and not with OCR on: its page budget (`maxOcrPages`) is spent in page
 * order, which ranges read at once could not keep. `idleThreads` counts the thread the first range
 * would take: a split needs one more.
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
 * The ranges of a document of `pageCount` pages: one per usable thread (the first range's own and
 * the `idleThreads` others) when it has at least `minPages` pages, else one range of every page.
 */
export function planRanges(pageCount: number, idleThreads: number, minPages: number): PageRange[] {
  const whole = [{ first: 1, last: pageCount }];
  if (minPages <= 0 || pageCount < minPages || idleThreads < 1) return whole;
  return pageRanges(pageCount, 1 + idleThreads);
}

/** The ranges' progress summed, over the whole document's page count. */
export class SplitProgress {
  private readonly done: number[] = [];
  private reported = -1;
  private total = 0;

  constructor(private readonly report: ProgressReporter) {}

  start(pageCount: number, ranges: number): void {
    this.total = pageCount;
    this.done.length = ranges;
    this.done.fill(0);
  }

  /** Range `index` has read `done` of its pages. */
  update(index: number, done: number): void {
    if (index >= this.done.length || done <= (this.done[index] ?? 0)) return;
    this.done[index] = done;
    const sum = this.done.reduce((a, b) => a + b, 0);
    if (sum > this.reported) {
      this.reported = sum;
      this.report(sum, this.total);
    }
  }

  /** Every page read (the last messages of a range may be lost as its port closes). */
  finish(): void {
    if (this.reported < this.total) {
      this.reported = this.total;
      this.report(this.total, this.total);
    }
  }
}

/**
 * The ranges' results, in page order, as one extraction of the whole document: metadata and
 * outline from the first range, `needsOcr` from any, and the text budget spent again over the
 * whole document in page order (each range spent its own): pages past it dropped, the page it ends
 * in cut, `truncated` set as the unsplit extraction would.
 */
export function mergeRanges(
  results: readonly ExtractionResult[],
  maxTextChars: number,
): ExtractionResult {
  const [head] = results;
  if (head === undefined) throw new Error('no range to merge');
  const budget = new TextBudget(maxTextChars);
  const pages: ExtractionResult['pages'] = [];
  for (const page of results.flatMap((result) => result.pages)) {
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
