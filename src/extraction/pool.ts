/**
 * The extraction pool: the Extractor port over a worker pool (src/adapters/worker-pool) with a
 * heap cap, a per-task timeout, cancellation by terminating the task's thread, recycling after
 * `recycleAfter` documents per thread, and page progress over a MessageChannel. A pool failure
 * becomes a retryable Failure (WORKER_CRASHED, EXTRACTION_TIMEOUT); an abort rejects with the
 * signal's reason.
 *
 * Memory: `warmThreads` threads start with the pool, each loading pdf.js with a warm-up extraction
 * (warm-up.ts) so the first document is not the one that pays for it; threads beyond them exit
 * after `idleTimeoutMs` idle, and once the pool has been idle `recycleIdleMs` after documents, the
 * threads left are replaced by fresh warm ones, so what a burst grew in their heaps is given back.
 */
import { MessageChannel } from 'node:worker_threads';
import {
  createWorkerPool,
  WorkerPoolFailure,
  type ThreadCounts,
  type WorkerPool,
} from '../adapters/worker-pool/factory.js';
import type { WarmReport } from '../adapters/worker-pool/warm-report.js';
import type { ExtractOptions, Extractor } from '../ports/extractor.js';
import { Failure } from '../ports/failures.js';
import type { ExtractionOutcome, ExtractionTask } from '../ports/extractor.js';
import { moduleFile } from '../shared/module-file.js';
import type { WorkerTask } from './worker.js';
import { createTaskFolder, releaseTaskFolder, sweepOrphanedTaskFolders } from './work-folders.js';

export interface ExtractionPoolOptions {
  threads: number;
  timeoutMs: number;
  heapMb: number;
  recycleAfter: number;
  /** Threads started with the pool, warmed up and kept while idle (default 0: on first use). */
  warmThreads?: number;
  /** How long a thread beyond `warmThreads` lives idle (default 30 s). */
  idleTimeoutMs?: number;
  /** Replace the threads once the pool has been idle this long after documents (default never). */
  recycleIdleMs?: number;
  /** Told when a thread has started and warmed up (the composition root logs it). */
  onThreadWarm?: (report: WarmReport) => void;
  /** Added to the worker threads' nice value (Linux): extraction yields the CPU to the API thread. */
  niceIncrement?: number;
  /** The worker module (tests inject faults with their own); default: ./worker.(ts|js). */
  workerFile?: string;
}

export class ExtractionPool implements Extractor {
  readonly concurrency: number;
  private readonly pool: WorkerPool<WorkerTask, ExtractionOutcome>;
  private closed = false;

  constructor(private readonly options: ExtractionPoolOptions) {
    this.concurrency = options.threads;
    sweepOrphanedTaskFolders();
    this.pool = createWorkerPool({
      workerFile: options.workerFile ?? moduleFile(new URL('./worker.ts', import.meta.url)),
      minThreads: Math.min(options.warmThreads ?? 0, options.threads),
      maxThreads: options.threads,
      idleTimeoutMs: options.idleTimeoutMs ?? 30_000,
      ...(options.recycleIdleMs === undefined ? {} : { recycleIdleMs: options.recycleIdleMs }),
      ...(options.onThreadWarm === undefined ? {} : { onThreadWarm: options.onThreadWarm }),
      niceIncrement: options.niceIncrement ?? 0,
      heap: {
        oldGenerationMb: options.heapMb,
        youngGenerationMb: Math.max(4, Math.min(64, Math.floor(options.heapMb / 8))),
      },
      taskTimeoutMs: options.timeoutMs,
      recycleAfterTasks: options.recycleAfter,
    });
  }

  /** The live extraction threads and how many of them are warm. */
  threads(): ThreadCounts {
    return this.pool.threads();
  }

  async extract(task: ExtractionTask, { signal, onProgress }: ExtractOptions) {
    if (this.closed) throw new Error('the extraction pool is closed');
    signal.throwIfAborted();
    // A conversion's child processes and directories are this thread's to clean up: the task's
    // thread may be terminated (cancel, timeout) before its own cleanup runs.
    const workRoot = task.libreOffice === undefined ? undefined : await createTaskFolder();
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (message: { done: number; total: number }) =>
      onProgress(message.done, message.total),
    );
    try {
      const sent =
        task.libreOffice === undefined || workRoot === undefined
          ? task
          : { ...task, libreOffice: { ...task.libreOffice, workRoot } };
      return await this.pool.run(
        { task: sent, progress: port2 },
        { transferList: [port2], signal },
      );
    } catch (error) {
      throw this.extractorFailure(error);
    } finally {
      port1.close();
      if (workRoot !== undefined) await releaseTaskFolder(workRoot);
    }
  }

  /** A pool failure as the port speaks it: the abort's reason, or a retryable Failure. */
  private extractorFailure(error: unknown): unknown {
    if (!(error instanceof WorkerPoolFailure)) return error;
    switch (error.kind) {
      case 'aborted':
        return error.cause;
      case 'timeout':
        return new Failure(
          'EXTRACTION_TIMEOUT',
          `Extraction took longer than ${this.options.timeoutMs} ms; its worker was stopped`,
        );
      case 'out-of-memory':
        return new Failure(
          'WORKER_CRASHED',
          'The extraction worker ran out of memory and was replaced',
        );
      // The queue is unbounded (the job runners take at most `threads` tasks), and the pool
      // closes only after they stop: these are crashes as far as a job can tell.
      case 'queue-full':
      case 'closed':
      case 'crashed':
        return new Failure('WORKER_CRASHED', 'The extraction worker crashed and was replaced');
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.close();
  }
}
