/**
 * The LexicalScorer port over a small worker pool, for rerank and similarity requests whose
 * estimated scoring cost is over the inline budget: on the request thread that CPU would stall
 * every other connection and leave the other cores idle. Threads start on first use and stop when idle; a crashed, timed-out or
 * refused task is a 503 OVERLOADED, never a hang.
 */
import { AppError } from '../../errors.js';
import type { LexicalScorer, LexicalTask } from '../../ports/lexical-scorer.js';
import { createWorkerPool, WorkerPoolFailure, type WorkerPool } from '../worker-pool/factory.js';

export interface LexicalScoringPoolOptions {
  /** The worker entry (src/threads/lexical-scoring.ts), from the composition root. */
  workerFile: string;
  threads: number;
  /** Longest scoring task; past it the thread is stopped and the request answers 503. */
  timeoutMs: number;
  heapMb: number;
  /** Tasks waiting for a thread; past it new ones fail at once (503) instead of piling up. */
  maxQueue: number;
}

export class LexicalScoringPool implements LexicalScorer {
  private readonly pool: WorkerPool<LexicalTask, Float64Array>;

  constructor(private readonly options: LexicalScoringPoolOptions) {
    this.pool = createWorkerPool({
      workerFile: options.workerFile,
      maxThreads: options.threads,
      idleTimeoutMs: 30_000,
      heap: { oldGenerationMb: options.heapMb },
      maxQueue: options.maxQueue,
      taskTimeoutMs: options.timeoutMs,
    });
  }

  freeThreads(): number {
    return Math.max(0, this.pool.maxThreads - this.pool.inFlight);
  }

  async score(task: LexicalTask): Promise<Float64Array> {
    try {
      return await this.pool.run(task);
    } catch (error) {
      // Queue full, crashed, out of memory or closing: all "try again" to the client.
      const detail =
        error instanceof WorkerPoolFailure && error.kind === 'timeout'
          ? `Scoring took longer than ${this.options.timeoutMs} ms`
          : 'The scoring workers are busy or failed; try again';
      throw new AppError('OVERLOADED', detail, { cause: error, retryAfterSeconds: 1 });
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
