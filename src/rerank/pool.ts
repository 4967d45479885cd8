/**
 * A small piscina pool for lexical scoring of big rerank and similarity requests. BM25 over a
 * few hundred kilobytes takes milliseconds of CPU; on the request thread that would stall every
 * other connection, so requests above the service's threshold are scored here instead. Threads
 * start on first use and stop when idle; a crashed or timed-out task is a 503, never a hang.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { LexicalTask } from '../domain/rerank.js';
import { AppError } from '../errors.js';
import { FAIR_QUEUE } from '../worker-pool-options.js';

export interface RerankPoolOptions {
  threads: number;
  /** Longest scoring task; past it the thread is stopped and the request answers 503. */
  timeoutMs: number;
  heapMb?: number;
}

/** The worker module next to this file: .ts when running from source (tsx), .js when built. */
function workerFile(): string {
  const source = fileURLToPath(new URL('./worker.ts', import.meta.url));
  return existsSync(source) ? source : fileURLToPath(new URL('./worker.js', import.meta.url));
}

export class RerankPool {
  private readonly pool: Piscina<LexicalTask, Float64Array>;

  constructor(private readonly options: RerankPoolOptions) {
    const heapMb = options.heapMb ?? 256;
    this.pool = new Piscina<LexicalTask, Float64Array>({
      ...FAIR_QUEUE,
      filename: workerFile(),
      minThreads: 0,
      maxThreads: options.threads,
      idleTimeout: 30_000,
      // Bounded: past this many queued tasks new ones fail at once (503) instead of piling up.
      maxQueue: options.threads * 64,
      resourceLimits: { maxOldGenerationSizeMb: heapMb },
    });
    this.pool.on('error', () => undefined);
  }

  async run(task: LexicalTask): Promise<Float64Array> {
    try {
      return await this.pool.run(task, { signal: AbortSignal.timeout(this.options.timeoutMs) });
    } catch (error) {
      const detail =
        error instanceof Error && error.name === 'AbortError'
          ? `Scoring took longer than ${this.options.timeoutMs} ms`
          : 'The scoring workers are busy or failed; try again';
      throw new AppError('OVERLOADED', detail, { cause: error, retryAfterSeconds: 1 });
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
