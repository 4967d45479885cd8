/**
 * `node --import tsx bench/lib/import-cost.ts '<json list of modules>'`: what loading modules
 * costs a worker thread. One thread of a pool made by the project's own factory (so a `.ts` module
 * loads as it does in the extraction threads) loads each module in turn; after each, this
 * process's VmRSS settles (median of 5 samples, 200 ms apart). Prints `{ step: rssBytes }` as
 * JSON on stdout, the first step being the thread started with nothing loaded.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createWorkerPool } from '../../src/adapters/worker-pool/factory.js';

const rss = (): number =>
  Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;

async function settledRss(): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    samples.push(rss());
  }
  return samples.sort((a, b) => a - b)[2] ?? 0;
}

const modules = JSON.parse(process.argv[2] ?? '[]') as string[];
const pool = createWorkerPool<string, void>({
  workerFile: fileURLToPath(new URL('./import-cost-thread.ts', import.meta.url)),
  minThreads: 1,
  maxThreads: 1,
});
// An empty specifier list still starts the thread: node:os is loaded already.
await pool.run('node:os');
const results: Record<string, number> = { 'thread started': await settledRss() };
for (const module of modules) {
  await pool.run(module);
  results[module] = await settledRss();
}
await pool.destroy();
process.stdout.write(JSON.stringify(results));
