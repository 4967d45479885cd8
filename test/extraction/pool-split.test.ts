/**
 * One PDF split across the extraction pool's real threads, its pages handed out in chunks: every
 * page read once, by both threads; the same result as the unsplit extraction (text budget
 * included), pages in order, progress summed over the threads up to the page count; cancel and a
 * failing, crashing or hanging thread ending the document as one extraction would, with every
 * thread released; and no split when it is off, the document is short, or the pool is busy. All
 * of it on both PDF engines (pdf.js and PDFium; the pools' threads warm up the engine tested). The
 * worker module is the real one behind a wrapper that logs each task and chunk and injects faults
 * (test/fixtures/range-fault-worker.ts).
 */
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, beforeEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExtractionPool, type ExtractionPoolOptions } from '../../src/extraction/pool.js';
import {
  PDF_ENGINES,
  type ExtractionOutcome,
  type ExtractionTask,
  type PdfEngine,
} from '../../src/ports/extractor.js';
import { Failure } from '../../src/ports/failures.js';
import { warmUpPdf } from '../../src/extraction/warm-up-pdf.js';
import { PDF_METADATA, pagePhrase, textPdfBytes } from '../fixtures/documents.js';
import { dir, LIMITS } from './processors/setup.js';

const RANGE_WORKER = fileURLToPath(new URL('../fixtures/range-fault-worker.ts', import.meta.url));
const LOG = join(dir, 'ranges.log');
// Read by each worker thread as it starts (threads copy the environment then).
process.env.QUIRE_TEST_RANGE_LOG = LOG;

const PAGES = 120;

const logLines = (): string[] => readFileSync(LOG, 'utf8').split('\n').filter(Boolean);
/** The tasks the worker threads ran since the last reset: `plan` (asks for pages) or `whole`. */
const ranTasks = (): string[] =>
  logLines()
    .filter((line) => !line.startsWith('chunk') && !line.startsWith('engine'))
    .sort();
/** The PDF engines the tasks named since the last reset, one per task. */
const taskEngines = (): string[] =>
  logLines().flatMap((line) => (line.startsWith('engine ') ? [line.slice(7)] : []));
/** The chunks of pages handed to the threads since the last reset. */
const chunks = (): { thread: string; first: number; last: number }[] =>
  logLines().flatMap((line) => {
    const match = /^chunk (\d+) (\d+)-(\d+)$/.exec(line);
    return match === null
      ? []
      : [{ thread: match[1] ?? '', first: Number(match[2]), last: Number(match[3]) }];
  });

/** Every page 1…`pages` handed out exactly once, to `threads` or more threads. */
function assertSplit(pages: number, threads: number): void {
  const handedOut = chunks();
  const covered = handedOut
    .flatMap(({ first, last }) => Array.from({ length: last - first + 1 }, (_, i) => first + i))
    .sort((a, b) => a - b);
  assert.deepEqual(
    covered,
    Array.from({ length: pages }, (_, index) => index + 1),
  );
  assert.ok(
    new Set(handedOut.map((chunk) => chunk.thread)).size >= threads,
    JSON.stringify(handedOut),
  );
}

function pool(options: Partial<ExtractionPoolOptions> = {}): ExtractionPool {
  return new ExtractionPool({
    threads: 2,
    timeoutMs: 60_000,
    heapMb: 512,
    recycleAfter: 1000,
    splitMinPages: 64,
    // Warm threads, so the split's helper thread starts reading at once.
    warmThreads: 2,
    workerFile: RANGE_WORKER,
    ...options,
  });
}

/**
 * The text PDF of PAGES pages copied under `filename` (the fault worker reads the name), read by
 * `pdfEngine`.
 */
function enginePdfTask(
  pdfEngine: PdfEngine,
  path: string,
  filename = 'big.pdf',
  options: Partial<ExtractionTask> = {},
) {
  const named = join(dir, filename);
  if (named !== path) copyFileSync(path, named);
  return {
    path: named,
    mediaType: 'application/pdf',
    filename,
    limits: LIMITS,
    ocr: false,
    pdfEngine,
    ...options,
  } satisfies ExtractionTask;
}

interface Run {
  outcome: ExtractionOutcome;
  progress: [number, number][];
}

async function run(
  extractor: ExtractionPool,
  task: ExtractionTask,
  signal = new AbortController().signal,
): Promise<Run> {
  const progress: [number, number][] = [];
  const outcome = await extractor.extract(task, {
    signal,
    onProgress: (done, total) => progress.push([done, total]),
  });
  return { outcome, progress };
}

/** Waits until every thread of `extractor` is free again (bounded). */
async function allThreadsFree(extractor: ExtractionPool, threads = 2): Promise<boolean> {
  const deadline = Date.now() + 5_000;
  while (extractor.idleThreads() !== threads) {
    if (Date.now() > deadline) return false;
    await sleep(10);
  }
  return true;
}

for (const pdfEngine of PDF_ENGINES)
  describe(
    `splitting one PDF across extraction threads (${pdfEngine})`,
    { timeout: 240_000 },
    () => {
      let big = '';
      let small = '';
      let splitting: ExtractionPool;
      let unsplit: ExtractionPool;
      /** The long (or `source`) PDF as a task on this engine. */
      const pdfTask = (source: string, filename?: string, options?: Partial<ExtractionTask>) =>
        enginePdfTask(pdfEngine, source, filename, options);
      before(async () => {
        splitting = pool({ pdfEngine });
        unsplit = pool({ pdfEngine, splitMinPages: 0 });
        const deadline = Date.now() + 60_000;
        while (splitting.threads().warm < 2 && Date.now() < deadline) await sleep(50);
        big = join(dir, 'source-big.pdf');
        small = join(dir, 'source-small.pdf');
        await writeFile(big, await textPdfBytes(PAGES));
        await writeFile(small, await textPdfBytes(12));
      });
      beforeEach(() => writeFileSync(LOG, ''));
      after(async () => {
        await Promise.all([splitting.close(), unsplit.close()]);
      });

      test('a long PDF is split, and its result is the unsplit extraction’s, pages in order', async () => {
        const whole = await run(unsplit, pdfTask(big));
        assert.deepEqual(ranTasks(), ['whole']);
        writeFileSync(LOG, '');
        const split = await run(splitting, pdfTask(big));
        assert.deepEqual(ranTasks(), ['plan', 'plan']);
        assert.deepEqual(taskEngines(), [pdfEngine, pdfEngine]);
        assertSplit(PAGES, 2);

        assert.ok(split.outcome.ok && whole.outcome.ok);
        assert.deepEqual(split.outcome.result, whole.outcome.result);
        const { result } = split.outcome;
        assert.deepEqual(
          result.pages.map((page) => page.number),
          Array.from({ length: PAGES }, (_, index) => index + 1),
        );
        assert.equal(result.pageCount, PAGES);
        assert.ok(result.pages[PAGES - 1]?.text.includes(`closes page ${PAGES}.`));
        assert.ok(result.pages[6]?.text.includes(pagePhrase(7)));
        assert.equal(result.metadata.title, PDF_METADATA.title);
        assert.equal(result.metadata.outline?.length, 2);

        // Progress: over the whole document, never going back, ending at every page.
        assert.ok(split.progress.length > 0);
        for (const [index, [done, total]] of split.progress.entries()) {
          assert.equal(total, PAGES);
          assert.ok(done >= (split.progress[index - 1]?.[0] ?? 0), JSON.stringify(split.progress));
        }
        assert.deepEqual(split.progress.at(-1), [PAGES, PAGES]);
        assert.ok(await allThreadsFree(splitting));
      });

      test('each range’s pages are handed over as its thread finishes it, before the document is done', async () => {
        const handed: { numbers: number[]; settled: boolean }[] = [];
        let settled = false;
        const extraction = splitting.extract(pdfTask(big), {
          signal: new AbortController().signal,
          onProgress: () => undefined,
          onPages: (pages) => handed.push({ numbers: pages.map((page) => page.number), settled }),
        });
        const outcome = await extraction.finally(() => (settled = true));
        assert.ok(outcome.ok);
        assertSplit(PAGES, 2);
        // Every page once, range by range (as handed out), all before the extraction ended.
        assert.deepEqual(
          handed.flatMap((call) => call.numbers).sort((a, b) => a - b),
          Array.from({ length: PAGES }, (_, index) => index + 1),
        );
        assert.equal(handed.length, chunks().length, JSON.stringify(handed));
        assert.ok(handed.every((call) => !call.settled));
      });

      test('a helper that comes when every page is taken is stopped, and the document is read', async () => {
        rmSync(`${LOG}.first`, { force: true });
        const late = await run(splitting, pdfTask(big, 'late-helper.pdf'));
        assert.ok(late.outcome.ok, JSON.stringify(late.outcome));
        assert.equal(late.outcome.result.pages.length, PAGES);
        assert.deepEqual(ranTasks(), ['plan', 'plan']);
        assert.equal(new Set(chunks().map((chunk) => chunk.thread)).size, 1, 'one thread read all');
        assert.ok(await allThreadsFree(splitting));
        // The stopped helper's thread was replaced: the next tests split on two warm threads.
        const deadline = Date.now() + 60_000;
        while (splitting.threads().warm < 2 && Date.now() < deadline) await sleep(50);
      });

      test('the text budget is spent over the whole document as the unsplit extraction spends it', async () => {
        const full = await run(unsplit, pdfTask(big));
        assert.ok(full.outcome.ok);
        const chars = full.outcome.result.pages.reduce((sum, page) => sum + page.text.length, 0);
        // The cut falls in the second range, which spent none of the budget on the first range's pages.
        const limits = { ...LIMITS, maxTextChars: Math.floor(chars * 0.7) };
        const whole = await run(unsplit, pdfTask(big, 'big.pdf', { limits }));
        writeFileSync(LOG, '');
        const split = await run(splitting, pdfTask(big, 'big.pdf', { limits }));
        assert.ok(split.outcome.ok && whole.outcome.ok);
        assert.equal(whole.outcome.result.truncated, true);
        assert.ok(whole.outcome.result.pages.length < PAGES);
        assert.deepEqual(split.outcome.result, whole.outcome.result);
        assert.deepEqual(ranTasks(), ['plan', 'plan'], 'it was split');
      });

      test('pages PDFium hands to pdf.js (drawings without text) come out as unsplit, within the ranges', async () => {
        const ruled = join(dir, 'source-ruled.pdf');
        // A drawing without text on every tenth page, text with a ruled table on the others.
        await writeFile(
          ruled,
          warmUpPdf(80, (page) => (page % 10 === 0 ? 'drawing' : 'ruled')),
        );
        const whole = await run(unsplit, pdfTask(ruled, 'ruled.pdf'));
        writeFileSync(LOG, '');
        const split = await run(splitting, pdfTask(ruled, 'ruled.pdf'));
        assert.deepEqual(ranTasks(), ['plan', 'plan']);
        assertSplit(80, 2);
        assert.ok(split.outcome.ok && whole.outcome.ok);
        assert.deepEqual(split.outcome.result, whole.outcome.result);
        assert.match(split.outcome.result.pages[68]?.markdown ?? '', /\| r0c0 0 \|/);
        assert.equal(split.outcome.result.pages[69]?.text, '');
        assert.equal(split.outcome.result.needsOcr, true);
      });

      test('a short PDF is not split (its thread learns the count and reads every page)', async () => {
        const { outcome } = await run(splitting, pdfTask(small, 'small.pdf'));
        assert.ok(outcome.ok);
        assert.equal(outcome.result.pages.length, 12);
        assert.deepEqual(ranTasks(), ['plan']);
        assert.deepEqual(
          chunks().map(({ first, last }) => [first, last]),
          [[1, 12]],
        );
      });

      test('splitting off (0): one task reads every page', async () => {
        const { outcome } = await run(unsplit, pdfTask(big));
        assert.ok(outcome.ok);
        assert.equal(outcome.result.pages.length, PAGES);
        assert.deepEqual(ranTasks(), ['whole']);
      });

      test('a busy pool does not split: the document never waits for another’s thread', async () => {
        const busy = new AbortController();
        const hanging = splitting
          .extract(pdfTask(small, 'hang.pdf'), { signal: busy.signal, onProgress: () => undefined })
          .catch((error: unknown) => error);
        const deadline = Date.now() + 5_000;
        while (splitting.idleThreads() !== 1 && Date.now() < deadline) await sleep(10);
        assert.equal(splitting.idleThreads(), 1);
        try {
          const { outcome } = await run(splitting, pdfTask(big));
          assert.ok(outcome.ok);
          assert.equal(outcome.result.pages.length, PAGES);
          // `plan`: the hanging document, which found both threads idle; `whole`: the long one.
          assert.deepEqual(ranTasks(), ['plan', 'whole']);
        } finally {
          busy.abort(new Error('done with the busy thread'));
          await hanging;
        }
        assert.ok(await allThreadsFree(splitting));
      });

      test('a thread that fails makes the document fail with its code', async () => {
        const { outcome } = await run(splitting, pdfTask(big, 'fail-range.pdf'));
        assert.ok(!outcome.ok);
        assert.equal(outcome.code, 'DOCUMENT_CORRUPT');
        assert.match(outcome.message, /^Page \d+ is damaged$/);
        assert.ok(await allThreadsFree(splitting));
      });

      test('a thread that crashes fails the document WORKER_CRASHED', async () => {
        await assert.rejects(
          run(splitting, pdfTask(big, 'crash-range.pdf')),
          (error: unknown) => error instanceof Failure && error.code === 'WORKER_CRASHED',
        );
        assert.ok(await allThreadsFree(splitting));
      });

      test('a thread that overruns the time fails the document EXTRACTION_TIMEOUT; threads freed', async () => {
        const timed = pool({ pdfEngine, timeoutMs: 4_000 });
        try {
          const started = Date.now();
          await assert.rejects(
            run(timed, pdfTask(big, 'hang-range.pdf')),
            (error: unknown) => error instanceof Failure && error.code === 'EXTRACTION_TIMEOUT',
          );
          assert.ok(Date.now() - started < 20_000);
          assert.equal(timed.idleThreads(), 2, 'every thread has settled when the document fails');
        } finally {
          await timed.close();
        }
      });

      test('cancelling mid-way stops every range and releases every thread', async () => {
        const cancel = new AbortController();
        const reason = new Error('cancelled by the test');
        const pending = run(splitting, pdfTask(big, 'hang-range.pdf'), cancel.signal);
        // Cancel once both threads have taken pages (the one given later pages then never ends).
        const deadline = Date.now() + 30_000;
        while (new Set(chunks().map((chunk) => chunk.thread)).size < 2 && Date.now() < deadline) {
          await sleep(5);
        }
        assert.deepEqual(ranTasks(), ['plan', 'plan']);
        cancel.abort(reason);
        await assert.rejects(pending, (error: unknown) => error === reason);
        assert.equal(
          splitting.idleThreads(),
          2,
          'every thread has settled when the document fails',
        );
      });
    },
  );
