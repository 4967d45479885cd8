/**
 * The extraction pool: the Extractor port over a worker pool (src/adapters/worker-pool) with a
 * heap cap, a per-task timeout, cancellation by terminating the task's thread, recycling after
 * `recycleAfter` documents per thread, and page progress over a MessageChannel. A pool failure
 * becomes a retryable Failure (WORKER_CRASHED, EXTRACTION_TIMEOUT); an abort rejects with the
 * signal's reason.
 *
 * Memory: `warmThreads` threads start with the pool, each loading its PDF engine (`pdfEngine`:
 * pdf.js, or PDFium and pdf.js) with a warm-up extraction (warm-up.ts) so the first document is
 * not the one that pays for it; threads beyond them exit after `idleTimeoutMs` idle, and once the
 * pool has been idle `recycleIdleMs` after documents, the threads left are replaced by fresh warm
 * ones, so what a burst grew in their heaps is given back.
 *
 * A long PDF is split into page ranges run at once on the threads idle when it starts
 * (`splitMinPages`; split-document.ts), and their results merged as one extraction's; the pages
 * of each range are handed to `onPages` as its thread finishes it.
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
import type {
  ExtractionOutcome,
  ExtractionResult,
  ExtractionTask,
  PageRange,
  PdfEngine,
} from '../ports/extractor.js';
import { moduleFile } from '../shared/module-file.js';
import type { PageChunks } from './page-split.js';
import { maySplit, mergeParts, pageChunks, SplitProgress } from './split-document.js';
import type { ExtractionWarmUp } from './warm-up.js';
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
  /** The PDF engine the process's tasks use (QUIRE_PDF_ENGINE): what each thread warms up. */
  pdfEngine?: PdfEngine;
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
      warmUpData: {
        ...(options.pdfEngine === undefined ? {} : { pdfEngine: options.pdfEngine }),
      } satisfies ExtractionWarmUp,
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

  async extract(task: ExtractionTask, { signal, onProgress, onPages }: ExtractOptions) {
    if (this.closed) throw new Error('the extraction pool is closed');
    signal.throwIfAborted();
    if (maySplit(task, this.splitMinPages, this.pool.idleThreads())) {
      return this.extractSplit(task, signal, onProgress, onPages);
    }
    return this.run({ task, signal }, (message) => {
      if ('done' in message) onProgress(message.done, message.total);
    });
  }

  /**
   * Extracts `task` to warm up what follows a document on the main thread (src/composition/
   * document-warm-up.ts): its thread is not counted as having run a document, so it is not
   * recycled for it once idle.
   */
  async extractWarmUp(task: ExtractionTask, signal: AbortSignal): Promise<ExtractionOutcome> {
    if (this.closed) throw new Error('the extraction pool is closed');
    return this.run({ task, signal, uncounted: true }, () => undefined);
  }

  /**
   * One PDF across the idle threads. The first task's thread reads the page count and asks for
   * pages; the pool starts a helper task on each thread idle then and hands every thread chunks
   * of pages in order as it asks (split-document.ts). The results merge in page order.
   *
   * A failure fails the document as reading the pages in order would have: no more chunks go out,
   * the threads reading later pages than the failed one are stopped, those reading earlier pages
   * finish (one of them may fail first), and the earliest failure is the document's. The caller's
   * abort stops every thread. A helper that has taken no pages when the others are done is
   * stopped rather than waited for. Every task has settled before this returns.
   */
  private async extractSplit(
    task: ExtractionTask,
    signal: AbortSignal,
    onProgress: ExtractOptions['onProgress'],
    onPages: ExtractOptions['onPages'],
  ): Promise<ExtractionOutcome> {
    // A PDF needs no LibreOffice: without it a task goes to its thread in the turn it starts.
    const { libreOffice: _unused, ...pdfTask } = task;
    const progress = new SplitProgress(onProgress);
    const parts: SplitPart[] = [];
    let chunks: PageChunks | undefined;
    /** No more chunks go out: a part failed, or its text budget ran out. */
    let handingOut = true;
    let wake = (): void => undefined;

    const settle = (part: SplitPart, failure: SplitPart['failure']): void => {
      part.settled = true;
      if (failure !== undefined && !part.stop.signal.aborted) {
        part.failure = failure;
        handingOut = false;
        // Threads reading pages after the failed ones read for nothing.
        const at = part.position();
        for (const other of parts) if (!other.settled && other.position() > at) other.stop.abort();
      }
      wake();
    };

    const start = (): void => {
      const index = parts.length;
      const part = new SplitPart();
      parts.push(part);
      const run = this.run(
        { task: pdfTask, signal: AbortSignal.any([signal, part.stop.signal]), planPages: true },
        (message, port) => {
          if ('done' in message) {
            progress.update(index, message.done);
            return;
          }
          // The pages of the range this thread finished, handed on while the others read theirs.
          if (message.pages.length > 0 && !part.stop.signal.aborted) onPages?.(message.pages);
          if (chunks === undefined) {
            // The first task's first question: the page count is known, and so are the helpers.
            const helpers = this.pool.idleThreads();
            chunks = pageChunks(message.pageCount, 1 + helpers, this.splitMinPages);
            progress.start(message.pageCount);
            if (message.pageCount >= this.splitMinPages) {
              // Started in this same turn: the idle threads counted are still free.
              for (let helper = 0; helper < helpers; helper++) start();
            }
          }
          const range = handingOut ? chunks.take() : null;
          if (range !== null) part.lastTaken = range;
          port.postMessage(range);
        },
      );
      part.run = run;
      run.then(
        (outcome) => {
          if (outcome.ok && outcome.result.truncated) handingOut = false;
          settle(part, outcome.ok ? undefined : { outcome });
        },
        (error: unknown) => settle(part, { error }),
      );
    };

    start();
    try {
      // Until every part has settled, or every page is read and only helpers that took none run.
      for (;;) {
        const pagesDone =
          (chunks?.exhausted === true || !handingOut) &&
          parts.every((part) => part.settled || part.lastTaken === undefined);
        if (parts.every((part) => part.settled) || pagesDone) break;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      for (const part of parts) if (!part.settled) part.stop.abort();
      await Promise.allSettled(parts.map((part) => part.run));
    }
    const failed = parts
      .filter((part) => part.failure !== undefined)
      .sort((a, b) => a.position() - b.position())[0]?.failure;
    if (failed !== undefined) {
      if ('error' in failed) throw failed.error;
      return failed.outcome;
    }
    const results: ExtractionResult[] = [];
    for (const part of parts) {
      // A helper stopped before it took pages gives none (its run rejected with the stop).
      if (part.lastTaken === undefined) continue;
      const outcome = await part.run;
      if (outcome.ok) results.push(outcome.result);
    }
    progress.finish();
    return { ok: true, result: mergeParts(results, task.limits.maxTextChars) };
  }

  /** One task on a thread; `onMessage` hears what the thread posts on its port. */
  private async run(
    {
      task,
      signal,
      planPages = false,
      uncounted = false,
    }: { task: ExtractionTask; signal: AbortSignal; planPages?: boolean; uncounted?: boolean },
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
        { transferList: [port2], signal, uncounted },
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

/** One task of a split document: its thread, the pages it took last, and how it ended. */
class SplitPart {
  readonly stop = new AbortController();
  run: Promise<ExtractionOutcome> = Promise.resolve({
    ok: false,
    code: 'DOCUMENT_CORRUPT',
    message: 'not started',
  });
  lastTaken: PageRange | undefined;
  settled = false;
  /** A failure of its own (not its stop): a failed outcome, or the pool's rejection. */
  failure: { outcome: ExtractionOutcome } | { error: unknown } | undefined;

  /** Where in the document it was when it ended: a part that took no pages comes last. */
  position(): number {
    return this.lastTaken?.first ?? Number.POSITIVE_INFINITY;
  }
}
