/**
 * The worker-thread entry of the extraction pool: runs one processor on a file path and reports
 * progress through the MessagePort it was handed, at most every 100 ms (and at the end). Each
 * thread warms up as it starts, on the PDF engine the pool names (warm-up.ts).
 *
 * With `planPages`, a PDF's thread asks the pool over the same port for the pages to read, once
 * it knows the page count and again after each range it was given (`{ pageCount, pages }`, with
 * the pages it read of that range, which the pool may store before the document is done), and
 * reads the range the pool answers (`{ first, last }`) until it answers null: the pool hands the
 * pages out to the threads of one document (split-document.ts).
 */
import type { MessagePort } from 'node:worker_threads';
import { runProcessor } from './processors/index.js';
import type {
  ExtractedPage,
  ExtractionOutcome,
  ExtractionTask,
  PageRange,
} from '../ports/extractor.js';
import type { PagePlanner } from './types.js';

export { warmUpExtraction as warmUp } from './warm-up.js';

export interface WorkerTask {
  task: ExtractionTask;
  progress: MessagePort;
  /** Ask the pool which pages to read once the page count is known. */
  planPages?: boolean;
}

/** What a thread posts on its port: progress, or a question for pages with those it read since. */
export type WorkerMessage =
  { done: number; total: number } | { pageCount: number; pages: ExtractedPage[] };

const PROGRESS_INTERVAL_MS = 100;

/**
 * Posts the page count with the pages read since the last question, and waits for the range the
 * pool answers (null: no more).
 */
function askPool(port: MessagePort): PagePlanner {
  return (pageCount, pages) =>
    new Promise<PageRange | null>((resolve) => {
      port.once('message', (range: PageRange | null) => resolve(range));
      const message: WorkerMessage = { pageCount, pages };
      port.postMessage(message);
    });
}

export default async function extract({
  task,
  progress,
  planPages = false,
}: WorkerTask): Promise<ExtractionOutcome> {
  let last = 0;
  try {
    return await runProcessor(
      task,
      (done, total) => {
        const now = Date.now();
        if (done < total && now - last < PROGRESS_INTERVAL_MS) return;
        last = now;
        const message: WorkerMessage = { done, total };
        progress.postMessage(message);
      },
      planPages ? askPool(progress) : undefined,
    );
  } finally {
    progress.close();
  }
}
