/**
 * What every pool thread runs: it loads the pool's worker entry (named in workerData), runs the
 * entry's `warmUp` export if it has one (with the pool's `warmUpData`), reports itself warm to
 * the pool, and calls the entry's default export with each task. A result marked
 * `transferable(...)` has its buffers moved to the caller (piscina's move), so worker entries
 * stay free of the pool library.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { isTransferable } from '../../shared/transferable.js';
import type { WarmReport } from './warm-report.js';

export interface ThreadEntryData {
  /** Absolute path of the worker entry module. */
  entry: string;
  /** The argument of the entry's `warmUp` (the pool's `warmUpData`). */
  warmUp?: unknown;
}

type TaskHandler = (task: unknown) => unknown;

interface WorkerEntry {
  default?: unknown;
  warmUp?: unknown;
}

const { entry, warmUp: warmUpData } = workerData as ThreadEntryData;
const startedAt = performance.now();

/**
 * The entry's default export. `require` first, as piscina itself does: on Node 20 a worker thread
 * gets tsx's require hook but not its import hook, so a `.ts` entry loads only that way (and
 * Node 20.19+ requires ES modules too); `import()` for what `require` cannot load.
 */
async function loadEntry(): Promise<WorkerEntry> {
  try {
    return createRequire(import.meta.url)(entry) as WorkerEntry;
  } catch {
    return (await import(pathToFileURL(entry).href)) as WorkerEntry;
  }
}

/**
 * The handler, once the entry is loaded and warmed up. A warm-up that fails is reported, not
 * fatal: the tasks load what they need themselves.
 */
async function prepareHandler(): Promise<TaskHandler> {
  const module = await loadEntry();
  if (typeof module.default !== 'function') {
    throw new Error(`No handler function exported from ${entry}`);
  }
  let error: string | undefined;
  if (typeof module.warmUp === 'function') {
    try {
      await (module.warmUp as (data: unknown) => unknown)(warmUpData);
    } catch (failure) {
      error = failure instanceof Error ? failure.message : String(failure);
    }
  }
  const report: WarmReport = {
    type: 'quire:thread-warm',
    threadId,
    ms: Math.round(performance.now() - startedAt),
    ...(error === undefined ? {} : { error }),
  };
  parentPort?.postMessage(report);
  return module.default as TaskHandler;
}

/** Runs one task with the entry's handler; a transferable result has its buffers moved. */
async function runTask(handler: TaskHandler, task: unknown): Promise<unknown> {
  const result = await handler(task);
  if (!isTransferable(result)) return result;
  // piscina's transferable protocol: the value to send and the buffers that move with it.
  const moved = {
    [Piscina.transferableSymbol]: result.buffers,
    [Piscina.valueSymbol]: result.value,
  } as unknown as Parameters<typeof Piscina.move>[0];
  return Piscina.move(moved) as unknown;
}

/**
 * The task function, once the entry is loaded and warmed up. piscina awaits an exported promise
 * before it counts the thread ready, and its threads block between tasks (Atomics.wait), so the
 * warm-up has to finish here, not after. An entry that fails to load fails every task instead.
 */
const taskFunction: Promise<(task: unknown) => Promise<unknown>> = prepareHandler().then(
  (handler) => (task: unknown) => runTask(handler, task),
  (error: unknown) => () => Promise.reject(error),
);

export default taskFunction;
