/**
 * The one way Quire runs code on worker threads, and the only module that knows piscina. A pool
 * is built from its limits (threads, idle timeout, heap cap, nice increment, queue bound,
 * per-task timeout, recycling) and runs tasks in FIFO order; every failure comes back as a
 * WorkerPoolFailure of a small set of kinds, which each pool's adapter translates into its own
 * errors.
 *
 * FIFO is always on (`stricterFIFO`): without it piscina 5 puts a task it could not hand to a busy
 * thread back at the *tail* of its queue, so under steady load on one thread a request can wait
 * until the load stops (piscinajs/piscina#1031; measured here: one of four clients waited 10.8 s
 * behind 0.26 s inferences while the other three were served).
 *
 * piscina's own queue is not used at all: a task that carries an abort signal (every task here has
 * one, for the per-task timeout) and finds every thread busy goes to piscina's "skip queue", and
 * with `stricterFIFO` it is put at that queue's *head* — newest first. Under steady load that
 * starved the oldest requests (rerank at 50 connections: p50 5 ms, p99 1.2 s, max 4 s; issue 13).
 * So at most one task per thread is handed to piscina, and the rest wait here, in arrival order.
 *
 * Recycling swaps in a fresh piscina pool after `recycleAfterTasks` tasks per thread and closes
 * the old one once the tasks handed to it have settled, so no task is ever handed to a thread
 * that is about to go away. With `recycleIdleMs`, the same happens once the pool has been idle
 * that long after running tasks: the threads kept alive (`minThreads`) come back as fresh ones,
 * and what a burst left in their heaps goes with the old ones.
 *
 * Each thread runs its entry's `warmUp` export (if any, given `warmUpData`) as it starts, before
 * its first task, and then reports itself warm (`onThreadWarm`, `threads()`).
 */
import type { TransferListItem } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { moduleFile } from '../../shared/module-file.js';
import type { ThreadEntryData } from './thread-entry.js';
import { isWarmReport, type WarmReport } from './warm-report.js';

export interface WorkerPoolOptions {
  /**
   * The worker entry: a module whose default export runs one task. It may return
   * `transferable(view)` (src/shared/transferable.ts) to move a buffer instead of copying it, and
   * export `warmUp(warmUpData)`, run once as each thread starts (loads what the first task would).
   */
  workerFile: string;
  /** Handed to the entry's `warmUp` in each thread (structured-cloned): what to warm up. */
  warmUpData?: unknown;
  /** Threads started with the pool and kept alive while idle (default 0: started on first use). */
  minThreads?: number;
  maxThreads: number;
  /** How long an idle thread above `minThreads` lives (default 30 s). */
  idleTimeoutMs?: number;
  /** Heap cap of each thread; past it the thread dies and its task fails `out-of-memory`. */
  heap?: { oldGenerationMb: number; youngGenerationMb?: number };
  /** Added to the threads' nice value (Linux), so they yield the CPU to the API thread. */
  niceIncrement?: number;
  /**
   * Tasks waiting for a thread, beyond one running per thread (default unbounded); past it `run`
   * fails `queue-full` at once.
   */
  maxQueue?: number;
  /** Longest task; past it its thread is terminated and the task fails `timeout`. */
  taskTimeoutMs?: number;
  /** Replace the threads after this many tasks per thread (default never). */
  recycleAfterTasks?: number;
  /**
   * Replace the threads once the pool has been idle this long after running tasks (default
   * never): the `minThreads` kept alive start again fresh, giving back what the tasks grew.
   */
  recycleIdleMs?: number;
  /** Told each time a thread has started and run its `warmUp`; `error` when that failed. */
  onThreadWarm?: (report: WarmReport) => void;
}

/** The live threads of a pool, and how many of them have finished warming up. */
export interface ThreadCounts {
  threads: number;
  warm: number;
}

export interface RunOptions {
  /**
   * Gives up on the task: a queued task is dropped, a running one has its thread terminated (a
   * worker that must never be terminated takes no signal and is cancelled by its own means).
   */
  signal?: AbortSignal;
  /** Objects moved to the worker with the task (MessagePorts, ArrayBuffers). */
  transferList?: readonly TransferListItem[];
  /**
   * A warm-up, not work: the thread is not counted as having run it, so it brings on neither
   * recycling (after `recycleAfterTasks`, or once idle).
   */
  uncounted?: boolean;
}

export interface WorkerPool<Task, Result> {
  readonly maxThreads: number;
  /** Tasks handed to the threads and not settled yet: running, or waiting for a thread. */
  readonly inFlight: number;
  /** Threads alive now (retiring ones included) and how many of them are warm. */
  threads(): ThreadCounts;
  /**
   * How many tasks `run` would hand to a thread at once, now: free thread slots (a slot may still
   * have to start its thread), 0 while tasks wait or once closed.
   */
  idleThreads(): number;
  run(task: Task, options?: RunOptions): Promise<Result>;
  /**
   * Refuses new tasks, lets running ones finish (for up to 30 s), fails queued ones `closed`, then
   * stops the threads.
   */
  close(): Promise<void>;
  /** Stops the threads now; queued and running tasks fail `closed`. */
  destroy(): Promise<void>;
}

/**
 * Why a task failed:
 * - `timeout`: it ran past `taskTimeoutMs` (its thread was terminated);
 * - `aborted`: the caller's signal fired (`cause` is the signal's reason);
 * - `queue-full`: `maxQueue` tasks were already waiting;
 * - `out-of-memory`: its thread passed the heap cap and died;
 * - `crashed`: the task threw, or its thread exited (`cause` is the error);
 * - `closed`: the pool was closed or destroyed before the task finished.
 */
export type WorkerPoolFailureKind =
  'timeout' | 'aborted' | 'queue-full' | 'out-of-memory' | 'crashed' | 'closed';

export class WorkerPoolFailure extends Error {
  constructor(
    readonly kind: WorkerPoolFailureKind,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.name = 'WorkerPoolFailure';
  }
}

const THREAD_ENTRY = moduleFile(new URL('./thread-entry.ts', import.meta.url));

export function createWorkerPool<Task, Result>(
  options: WorkerPoolOptions,
): WorkerPool<Task, Result> {
  return new RecyclingPool<Task, Result>(options);
}

/**
 * One piscina pool and the tasks handed to it. Recycling retires a generation: it takes no new
 * tasks and closes once every task handed to it, queued ones included, has settled (piscina's own
 * close would fail tasks still queued).
 */
class Generation<Task, Result> {
  private tasks = 0;
  private onIdle: (() => void) | undefined;
  /** Ids of this pool's live threads, and of those that have warmed up. */
  readonly threadIds = new Set<number>();
  readonly warmIds = new Set<number>();

  constructor(
    readonly pool: Piscina<Task, Result>,
    onThreadWarm: ((report: WarmReport) => void) | undefined,
  ) {
    pool.on('workerCreate', (worker: { id: number }) => this.threadIds.add(worker.id));
    pool.on('workerDestroy', (worker: { id: number }) => {
      this.threadIds.delete(worker.id);
      this.warmIds.delete(worker.id);
    });
    pool.on('message', (message: unknown) => {
      if (!isWarmReport(message)) return;
      this.warmIds.add(message.threadId);
      onThreadWarm?.(message);
    });
  }

  async run(task: Task, options: Parameters<Piscina<Task, Result>['run']>[1]): Promise<Result> {
    this.tasks++;
    try {
      return await this.pool.run(task, options);
    } finally {
      if (--this.tasks === 0) this.onIdle?.();
    }
  }

  retire(): Promise<void> {
    const idle =
      this.tasks === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => (this.onIdle = resolve));
    return idle.then(() => this.pool.close()).catch(() => undefined);
  }
}

class RecyclingPool<Task, Result> implements WorkerPool<Task, Result> {
  readonly maxThreads: number;
  private current: Generation<Task, Result>;
  private started = 0;
  /** Generations swapped out by recycling, closing once their tasks have settled. */
  private readonly retiring = new Set<Generation<Task, Result>>();
  private closed = false;
  /** Tasks accepted by run() and not settled yet: running, or waiting for a thread. */
  inFlight = 0;
  /** Tasks handed to piscina (at most one per thread). */
  private handedOver = 0;
  /** Tasks waiting for a thread, oldest first: each resolves to go, or rejects (abort, close). */
  private readonly waiting: { go: () => void; fail: (error: unknown) => void }[] = [];
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: WorkerPoolOptions) {
    this.maxThreads = options.maxThreads;
    this.current = this.createGeneration();
  }

  private createGeneration(): Generation<Task, Result> {
    const { options } = this;
    const data: ThreadEntryData = {
      entry: options.workerFile,
      ...(options.warmUpData === undefined ? {} : { warmUp: options.warmUpData }),
    };
    const pool = new Piscina<Task, Result>({
      stricterFIFO: true,
      filename: THREAD_ENTRY,
      workerData: data,
      minThreads: options.minThreads ?? 0,
      maxThreads: options.maxThreads,
      idleTimeout: options.idleTimeoutMs ?? 30_000,
      niceIncrement: options.niceIncrement ?? 0,
      // No maxQueue: run() bounds the queue itself (piscina does not count tasks with a signal).
      // Left out when unset: V8's heap sizes.
      ...(options.heap === undefined
        ? {}
        : {
            resourceLimits: {
              maxOldGenerationSizeMb: options.heap.oldGenerationMb,
              ...(options.heap.youngGenerationMb === undefined
                ? {}
                : { maxYoungGenerationSizeMb: options.heap.youngGenerationMb }),
            },
          }),
    });
    // A thread that dies between tasks is replaced by piscina; nothing is waiting on it.
    pool.on('error', () => undefined);
    return new Generation(pool, options.onThreadWarm);
  }

  /** New tasks go to a fresh generation; the current one closes once its tasks have settled. */
  private recycle(): void {
    const old = this.current;
    this.current = this.createGeneration();
    this.started = 0;
    this.retiring.add(old);
    void old.retire().finally(() => this.retiring.delete(old));
  }

  /** After enough tasks, new tasks go to a fresh generation and the old one retires. */
  private generationForNextTask(counted: boolean): Generation<Task, Result> {
    const { recycleAfterTasks } = this.options;
    if (recycleAfterTasks !== undefined && this.started >= recycleAfterTasks * this.maxThreads) {
      this.recycle();
    }
    if (counted) this.started++;
    return this.current;
  }

  /** Once nothing has run for `recycleIdleMs`, threads that ran tasks are swapped for fresh ones. */
  private armIdleRecycle(): void {
    const { recycleIdleMs } = this.options;
    if (recycleIdleMs === undefined || this.closed || this.inFlight > 0 || this.started === 0) {
      return;
    }
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (!this.closed && this.inFlight === 0 && this.started > 0) this.recycle();
    }, recycleIdleMs);
    // An idle pool does not keep the process alive.
    this.idleTimer.unref();
  }

  threads(): ThreadCounts {
    let threads = 0;
    let warm = 0;
    for (const generation of [this.current, ...this.retiring]) {
      threads += generation.threadIds.size;
      warm += generation.warmIds.size;
    }
    return { threads, warm };
  }

  idleThreads(): number {
    if (this.closed || this.waiting.length > 0) return 0;
    return this.maxThreads - this.handedOver;
  }

  async run(
    task: Task,
    { signal, transferList, uncounted = false }: RunOptions = {},
  ): Promise<Result> {
    if (this.closed) throw new WorkerPoolFailure('closed', 'The worker pool is closed');
    if (signal?.aborted) {
      throw new WorkerPoolFailure('aborted', 'The task was aborted', { cause: signal.reason });
    }
    // piscina 5 leaves a task with an abort signal that finds every thread busy out of its
    // queue count (it goes to a "skip queue"), so its maxQueue bounds nothing once tasks have
    // deadlines: the bound is kept here, as tasks beyond one per thread.
    const { maxQueue, taskTimeoutMs } = this.options;
    if (maxQueue !== undefined && this.inFlight >= this.maxThreads + maxQueue) {
      throw new WorkerPoolFailure('queue-full', 'The task queue is full');
    }
    const timeout = taskTimeoutMs === undefined ? undefined : AbortSignal.timeout(taskTimeoutMs);
    const signals = [signal, timeout].filter((s): s is AbortSignal => s !== undefined);
    const combined = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    this.inFlight++;
    clearTimeout(this.idleTimer);
    let handedOver = false;
    try {
      await this.threadFree(combined);
      handedOver = true;
      return await this.generationForNextTask(!uncounted).run(task, {
        ...(combined === undefined ? {} : { signal: combined }),
        ...(transferList === undefined ? {} : { transferList: [...transferList] }),
      });
    } catch (error) {
      throw this.failure(error, signal, timeout);
    } finally {
      this.inFlight--;
      if (handedOver) {
        this.handedOver--;
        this.waiting.shift()?.go();
      }
      this.armIdleRecycle();
    }
  }

  /**
   * Resolves when this task may go to piscina (a thread is free for it), in arrival order;
   * rejects when `signal` fires first or the pool closes. Counts the task as handed over.
   */
  private threadFree(signal: AbortSignal | undefined): Promise<void> {
    if (this.handedOver < this.maxThreads && this.waiting.length === 0) {
      this.handedOver++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const at = this.waiting.indexOf(entry);
        if (at !== -1) this.waiting.splice(at, 1);
        reject(signal?.reason);
      };
      const entry = {
        go: () => {
          signal?.removeEventListener('abort', onAbort);
          this.handedOver++;
          resolve();
        },
        fail: (error: unknown) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  /** Fails every task still waiting for a thread `closed`. */
  private failWaiting(): void {
    for (const entry of this.waiting.splice(0)) {
      entry.fail(new WorkerPoolFailure('closed', 'The worker pool closed'));
    }
  }

  /** The kind of a rejection from piscina. The caller's abort and the deadline win over the rest. */
  private failure(
    error: unknown,
    signal: AbortSignal | undefined,
    timeout: AbortSignal | undefined,
  ): WorkerPoolFailure {
    if (signal?.aborted) {
      return new WorkerPoolFailure('aborted', 'The task was aborted', { cause: signal.reason });
    }
    if (timeout?.aborted) {
      return new WorkerPoolFailure(
        'timeout',
        `The task took longer than ${this.options.taskTimeoutMs} ms; its thread was stopped`,
        { cause: error },
      );
    }
    const { name, code, message } = (error ?? {}) as {
      name?: unknown;
      code?: unknown;
      message?: unknown;
    };
    const text = typeof message === 'string' ? message : String(error);
    if (code === 'ERR_WORKER_OUT_OF_MEMORY') {
      return new WorkerPoolFailure('out-of-memory', text, { cause: error });
    }
    // With neither signal fired, piscina aborts a task only when the pool closes under it.
    if (this.closed || name === 'AbortError') {
      return new WorkerPoolFailure('closed', 'The worker pool closed', { cause: error });
    }
    return new WorkerPoolFailure('crashed', text, { cause: error });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.idleTimer);
    this.failWaiting();
    // piscina's close: running tasks finish (within its 30 s close timeout), queued ones fail.
    const generations = [this.current, ...this.retiring];
    await Promise.all(generations.map((generation) => generation.pool.close().catch(() => {})));
  }

  async destroy(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    this.failWaiting();
    const generations = [this.current, ...this.retiring];
    await Promise.all(generations.map((generation) => generation.pool.destroy()));
  }
}
