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
 *
 * A long PDF is split into page ranges run at once on the threads idle when it starts
 * (`splitMinPages`; split-document.ts), and their results merged as one extraction's.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import {
  createWorkerPool,
  WorkerPoolFailure,
  type ThreadCounts,
  type WorkerPool,
} from '../adapters/worker-pool/factory.js';
import type { WarmReport } from '../adapters/worker-pool/warm-report.js';
import type { ExtractOptions, Extractor } from '../ports/extractor.js';
import { Failure } from '../ports/failures.js';
import type { ExtractionOutcome, ExtractionResult, ExtractionTask } from '../ports/extractor.js';
import { moduleFile } from '../shared/module-file.js';
import { mergeRanges, maySplit, planRanges, SplitProgress } from './split-document.js';
import type { WorkerMessage, WorkerTask } from './worker.js';
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
  /**
   * A PDF of at least this many pages is split into page ranges across the threads idle when it
   * starts (split-document.ts); 0 (the default): never.
   */
  splitMinPages?: number;
}

export class ExtractionPool implements Extractor {
  readonly concurrency: number;
  private readonly splitMinPages: number;
  private readonly pool: WorkerPool<WorkerTask, ExtractionOutcome>;
  private closed = false;

  constructor(private readonly options: ExtractionPoolOptions) {
    this.concurrency = options.threads;
    this.splitMinPages = options.splitMinPages ?? 0;
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

  /** Threads a task would get now without waiting (what a split may use). */
  idleThreads(): number {
    return this.pool.idleThreads();
  }

  async extract(task: ExtractionTask, { signal, onProgress }: ExtractOptions) {
    if (this.closed) throw new Error('the extraction pool is closed');
    signal.throwIfAborted();
    if (maySplit(task, this.splitMinPages, this.pool.idleThreads())) {
      return this.extractSplit(task, signal, onProgress);
    }
    return this.run({ task, signal }, (message) => {
      if ('done' in message) onProgress(message.done, message.total);
    });
  }

  /**
   * One PDF across the idle threads: the first range's thread reads the page count and asks for
   * its pages; the answer is the first range, and the other ranges start at once on the threads
   * idle then. Results merge in page order. A range that fails stops the ranges after it, and the
   * document fails as the earliest failing range did (as reading the pages in order would have);
   * the caller's abort stops them all. Every range has settled before this returns.
   */
  private async extractSplit(
    task: ExtractionTask,
    signal: AbortSignal,
    onProgress: ExtractOptions['onProgress'],
  ): Promise<ExtractionOutcome> {
    // A PDF needs no LibreOffice: without it a range goes to its thread in the turn it starts.
    const { libreOffice: _unused, ...pdfTask } = task;
    const progress = new SplitProgress(onProgress);
    const stops: AbortController[] = [];
    const runs: Promise<ExtractionOutcome>[] = [];
    const start = (index: number, rangeTask: ExtractionTask, planPages: boolean): void => {
      const stop = new AbortController();
      stops[index] = stop;
      const run = this.run(
        { task: rangeTask, signal: AbortSignal.any([signal, stop.signal]), planPages },
        (message, port) => {
          if ('done' in message) {
            progress.update(index, message.done);
            return;
          }
          const ranges = planRanges(message.pageCount, this.pool.idleThreads(), this.splitMinPages);
          progress.start(message.pageCount, ranges.length);
          port.postMessage(ranges[0]);
          // Started in this same turn: the idle threads counted are still free.
          ranges.forEach((range, at) => {
            if (at > 0) start(at, { ...pdfTask, pageRange: range }, false);
          });
        },
      );
      runs[index] = run;
      // The ranges after a failed one would be read for nothing.
      run.then(
        (outcome) => {
          if (!outcome.ok) stopAfter(index);
        },
        () => stopAfter(index),
      );
    };
    const stopAfter = (index: number): void => {
      for (const stop of stops.slice(index + 1)) stop.abort(new Error('an earlier range failed'));
    };
    start(0, pdfTask, true);
    const results: ExtractionResult[] = [];
    try {
      // `runs` grows while the first range runs: it starts the others before it settles.
      for (let index = 0; index < runs.length; index++) {
        const outcome = await (runs[index] as Promise<ExtractionOutcome>);
        if (!outcome.ok) return outcome;
        results.push(outcome.result);
      }
    } finally {
      stopAfter(results.length);
      await Promise.allSettled(runs);
    }
    progress.finish();
    return { ok: true, result: mergeRanges(results, task.limits.maxTextChars) };
  }

  /** One task on a thread; `onMessage` hears what the thread posts on its port. */
  private async run(
    {
      task,
      signal,
      planPages = false,
    }: { task: ExtractionTask; signal: AbortSignal; planPages?: boolean },
    onMessage: (message: WorkerMessage, port: MessagePort) => void,
  ): Promise<ExtractionOutcome> {
    // A conversion's child processes and directories are this thread's to clean up: the task's
    // thread may be terminated (cancel, timeout) before its own cleanup runs.
    const workRoot = task.libreOffice === undefined ? undefined : await createTaskFolder();
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (message: WorkerMessage) => onMessage(message, port1));
    try {
      const sent =
        task.libreOffice === undefined || workRoot === undefined
          ? task
          : { ...task, libreOffice: { ...task.libreOffice, workRoot } };
      return await this.pool.run(
        { task: sent, progress: port2, ...(planPages ? { planPages } : {}) },
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
