/**
 * The extraction pool: piscina worker threads with a heap cap, a per-task timeout, cancellation
 * by terminating the task's thread, and recycling. Recycling swaps in a fresh piscina pool after
 * `recycleAfter` tasks per thread and closes the old one once its running tasks end, so no task is
 * ever handed to a thread that is about to go away.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { ExtractOptions, Extractor } from '../ports/extractor.js';
import { Failure } from '../ports/failures.js';
import type { ExtractionOutcome, ExtractionTask } from '../ports/extractor.js';
import type { WorkerTask } from './worker.js';
import { FAIR_QUEUE } from '../worker-pool-options.js';

export interface ExtractionPoolOptions {
  threads: number;
  timeoutMs: number;
  heapMb: number;
  recycleAfter: number;
  /** Added to the worker threads' nice value (Linux): extraction yields the CPU to the API thread. */
  niceIncrement?: number;
  /** The worker module (tests inject faults with their own); default: ./worker.(ts|js). */
  workerFile?: string;
}

/** The worker module next to this file: .ts when running from source (tsx), .js when built. */
function defaultWorkerFile(): string {
  const source = fileURLToPath(new URL('./worker.ts', import.meta.url));
  return existsSync(source) ? source : fileURLToPath(new URL('./worker.js', import.meta.url));
}

export class ExtractionPool implements Extractor {
  readonly concurrency: number;
  private pool: Piscina<WorkerTask, ExtractionOutcome>;
  private started = 0;
  private readonly retiring = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly options: ExtractionPoolOptions) {
    this.concurrency = options.threads;
    this.pool = this.createPool();
  }

  private createPool(): Piscina<WorkerTask, ExtractionOutcome> {
    const pool = new Piscina<WorkerTask, ExtractionOutcome>({
      ...FAIR_QUEUE,
      filename: this.options.workerFile ?? defaultWorkerFile(),
      minThreads: 0,
      maxThreads: this.options.threads,
      idleTimeout: 30_000,
      niceIncrement: this.options.niceIncrement ?? 0,
      resourceLimits: {
        maxOldGenerationSizeMb: this.options.heapMb,
        maxYoungGenerationSizeMb: Math.max(4, Math.min(64, Math.floor(this.options.heapMb / 8))),
      },
    });
    // A thread that dies between tasks is replaced by piscina; nothing is waiting on it.
    pool.on('error', () => undefined);
    return pool;
  }

  /** After enough tasks, new tasks go to a fresh pool; the old one closes when its tasks end. */
  private poolForNextTask(): Piscina<WorkerTask, ExtractionOutcome> {
    if (this.started >= this.options.recycleAfter * this.options.threads) {
      const old = this.pool;
      this.pool = this.createPool();
      this.started = 0;
      const retired = old.close().catch(() => undefined);
      this.retiring.add(retired);
      void retired.finally(() => this.retiring.delete(retired));
    }
    this.started++;
    return this.pool;
  }

  async extract(task: ExtractionTask, { signal, onProgress }: ExtractOptions) {
    if (this.closed) throw new Error('the extraction pool is closed');
    signal.throwIfAborted();
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (message: { done: number; total: number }) =>
      onProgress(message.done, message.total),
    );
    try {
      return await this.poolForNextTask().run(
        { task, progress: port2 },
        { transferList: [port2], signal: AbortSignal.any([signal, timeout]) },
      );
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (timeout.aborted) {
        throw new Failure(
          'EXTRACTION_TIMEOUT',
          `Extraction took longer than ${this.options.timeoutMs} ms; its worker was stopped`,
        );
      }
      const code = (error as { code?: string } | null)?.code;
      const detail =
        code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? 'The extraction worker ran out of memory and was replaced'
          : 'The extraction worker crashed and was replaced';
      throw new Failure('WORKER_CRASHED', detail);
    } finally {
      port1.close();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.pool.close(), ...this.retiring]);
  }
}
