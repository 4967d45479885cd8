/**
 * What every pool thread runs: it loads the pool's worker entry (named in workerData) and calls
 * its default export with each task. A result marked `transferable(...)` has its buffers moved
 * to the caller (piscina's move), so worker entries stay free of the pool library.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { workerData } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { isTransferable } from '../../shared/transferable.js';

export interface ThreadEntryData {
  /** Absolute path of the worker entry module. */
  entry: string;
}

type TaskHandler = (task: unknown) => unknown;

const { entry } = workerData as ThreadEntryData;

/**
 * The entry's default export. `require` first, as piscina itself does: on Node 20 a worker thread
 * gets tsx's require hook but not its import hook, so a `.ts` entry loads only that way (and
 * Node 20.19+ requires ES modules too); `import()` for what `require` cannot load.
 */
async function loadHandler(): Promise<TaskHandler> {
  let module: { default?: unknown };
  try {
    module = createRequire(import.meta.url)(entry) as { default?: unknown };
  } catch {
    module = (await import(pathToFileURL(entry).href)) as { default?: unknown };
  }
  if (typeof module.default !== 'function') {
    throw new Error(`No handler function exported from ${entry}`);
  }
  return module.default as TaskHandler;
}

// Loaded once per thread, as the thread starts; a module that fails to load fails every task.
const handler = loadHandler();
handler.catch(() => undefined); // reported by each task instead

export default async function runTask(task: unknown): Promise<unknown> {
  const result = await (await handler)(task);
  if (!isTransferable(result)) return result;
  // piscina's transferable protocol: the value to send and the buffers that move with it.
  const moved = {
    [Piscina.transferableSymbol]: result.buffers,
    [Piscina.valueSymbol]: result.value,
  } as unknown as Parameters<typeof Piscina.move>[0];
  return Piscina.move(moved) as unknown;
}
