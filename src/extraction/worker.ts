/**
 * The worker-thread entry of the extraction pool: runs one processor on a file path and reports
 * progress through the MessagePort it was handed, at most every 100 ms (and at the end). Each
 * thread warms up as it starts (warm-up.ts).
 */
import type { MessagePort } from 'node:worker_threads';
import { runProcessor } from './processors/index.js';
import type { ExtractionOutcome, ExtractionTask } from '../ports/extractor.js';

export { warmUpExtraction as warmUp } from './warm-up.js';

export interface WorkerTask {
  task: ExtractionTask;
  progress: MessagePort;
}

const PROGRESS_INTERVAL_MS = 100;

export default async function extract({ task, progress }: WorkerTask): Promise<ExtractionOutcome> {
  let last = 0;
  try {
    return await runProcessor(task, (done, total) => {
      const now = Date.now();
      if (done < total && now - last < PROGRESS_INTERVAL_MS) return;
      last = now;
      progress.postMessage({ done, total });
    });
  } finally {
    progress.close();
  }
}
