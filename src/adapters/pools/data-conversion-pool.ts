/**
 * The DataConverter port over a worker pool: each conversion runs on a thread with a heap cap
 * and a deadline, so parsing a large YAML or XML document never blocks the event loop. Pool
 * failures become the answers /v1/convert/data gives: past the deadline 504 TIMEOUT, past the
 * heap cap 422 UNPROCESSABLE_DOCUMENT, past the queue bound 503 OVERLOADED; a conversion that
 * throws unexpectedly rejects with its own error (a 500).
 */
import { AppError } from '../../errors.js';
import type {
  ConversionOutcome,
  ConversionTask,
  DataConverter,
} from '../../ports/data-converter.js';
import { createWorkerPool, WorkerPoolFailure, type WorkerPool } from '../worker-pool/factory.js';

export interface DataConversionPoolOptions {
  /** The worker entry (src/threads/data-convert.ts), from the composition root. */
  workerFile: string;
  threads: number;
  /** Deadline of one conversion: past it the thread is stopped, 504 TIMEOUT. */
  timeoutMs: number;
  /** Heap cap of a conversion thread: past it, 422. */
  heapMb: number;
  /** Conversions waiting for a thread: past it, 503 OVERLOADED. */
  maxQueue: number;
}

export class DataConversionPool implements DataConverter {
  private readonly pool: WorkerPool<ConversionTask, ConversionOutcome>;

  constructor(private readonly options: DataConversionPoolOptions) {
    this.pool = createWorkerPool({
      workerFile: options.workerFile,
      maxThreads: options.threads,
      idleTimeoutMs: 30_000,
      heap: {
        oldGenerationMb: options.heapMb,
        youngGenerationMb: Math.max(8, Math.min(64, Math.floor(options.heapMb / 8))),
      },
      maxQueue: options.maxQueue,
      taskTimeoutMs: options.timeoutMs,
    });
  }

  async convert(task: ConversionTask, signal?: AbortSignal): Promise<string> {
    let outcome: ConversionOutcome;
    try {
      outcome = await this.pool.run(task, signal === undefined ? {} : { signal });
    } catch (error) {
      throw this.conversionError(error);
    }
    if (!outcome.ok) {
      throw new AppError(outcome.code, outcome.detail);
    }
    return outcome.output;
  }

  private conversionError(error: unknown): unknown {
    if (!(error instanceof WorkerPoolFailure)) return error;
    switch (error.kind) {
      case 'timeout':
        return new AppError(
          'TIMEOUT',
          `The conversion did not finish within ${this.options.timeoutMs / 1000} s`,
          { cause: error },
        );
      case 'queue-full':
        return new AppError('OVERLOADED', 'Too many conversions are waiting; retry shortly', {
          retryAfterSeconds: 2,
          cause: error,
        });
      case 'out-of-memory':
        return new AppError(
          'UNPROCESSABLE_DOCUMENT',
          `Converting this document needs more than ${this.options.heapMb} MiB of memory`,
          { cause: error },
        );
      case 'closed':
        return new AppError('OVERLOADED', 'The conversion workers are stopping; retry shortly', {
          retryAfterSeconds: 2,
          cause: error,
        });
      case 'aborted':
        return error.cause;
      case 'crashed':
        // Not the document's fault and not a limit: the conversion's own error, logged as a 500.
        return error.cause;
    }
  }

  /** Stops the threads at once: by the time the app closes, HTTP has drained. */
  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
