/**
 * One PDF split into page ranges across the extraction pool's real threads: the same result as
 * the unsplit extraction (text budget included), pages in order, progress summed over the ranges
 * up to the page count, cancel and a failing, crashing or hanging range ending the document as one
 * extraction would with every thread released; and no split when it is off, the document is
 * short, or the pool is busy. The worker module is the real one behind a wrapper that logs each
 * task and injects range faults (test/fixtures/range-fault-worker.ts).
 */
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, beforeEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExtractionPool, type ExtractionPoolOptions } from '../../src/extraction/pool.js';
import type { ExtractionOutcome, ExtractionTask } from '../../src/ports/extractor.js';
import { Failure } from '../../src/ports/failures.js';
import { PDF_METADATA, pagePhrase, textPdfBytes } from '../fixtures/documents.js';
import { dir, LIMITS } from './processors/setup.js';

const RANGE_WORKER = fileURLToPath(new URL('../fixtures/range-fault-worker.ts', import.meta.url));
const LOG = join(dir, 'ranges.log');
// Read by each worker thread as it starts (threads copy the environment then).
process.env.QUIRE_TEST_RANGE_LOG = LOG;

const PAGES = 120;

/** What the worker threads ran since the last reset: `plan`, `whole`, `range a-b` lines. */
const ranTasks = (): string[] => readFileSync(LOG, 'utf8').split('\n').filter(Boolean).sort();

function pool(options: Partial<ExtractionPoolOptions> = {}): ExtractionPool {
  return new ExtractionPool({
    threads: 2,
    timeoutMs: 60_000,
    heapMb: 512,
    recycleAfter: 1000,
    splitMinPages: 64,
    workerFile: RANGE_WORKER,
    ...options,
  });
}

/** The text PDF of PAGES pages copied under `filename` (the fault worker reads the name). */
function pdfTask(path: string, filename = 'big.pdf', options: Partial<ExtractionTask> = {}) {
  const named = join(dir, filename);
  if (named !== path) copyFileSync(path, named);
  return {
    path: named,
    mediaType: 'application/pdf',
    filename,
    limits: LIMITS,
    ocr: false,
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

describe('splitting one PDF across extraction threads', { timeout: 240_000 }, () => {
  let big = '';
  let small = '';
  const splitting = pool();
  const unsplit = pool({ splitMinPages: 0 });
  before(async () => {
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
    assert.deepEqual(ranTasks(), ['plan', `range ${PAGES / 2 + 1}-${PAGES}`]);

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

  test('the text budget is spent over the whole document as the unsplit extraction spends it', async () => {
    const full = await run(unsplit, pdfTask(big));
    assert.ok(full.outcome.ok);
    const chars = full.outcome.result.pages.reduce((sum, page) => sum + page.text.length, 0);
    // The cut falls in the second range, which spent none of the budget on the first range's pages.
    const limits = { ...LIMITS, maxTextChars: Math.floor(chars * 0.7) };
    const whole = await run(unsplit, pdfTask(big, 'big.pdf', { limits }));
    const split = await run(splitting, pdfTask(big, 'big.pdf', { limits }));
    assert.ok(split.outcome.ok && whole.outcome.ok);
    assert.equal(whole.outcome.result.truncated, true);
    assert.ok(whole.outcome.result.pages.length < PAGES);
    assert.deepEqual(split.outcome.result, whole.outcome.result);
    assert.ok(ranTasks().includes(`range ${PAGES / 2 + 1}-${PAGES}`), 'it was split');
  });

  test('a short PDF is not split (its thread learns the count and reads every page)', async () => {
    const { outcome } = await run(splitting, pdfTask(small, 'small.pdf'));
    assert.ok(outcome.ok);
    assert.equal(outcome.result.pages.length, 12);
    assert.deepEqual(ranTasks(), ['plan']);
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

  test('a range that fails makes the document fail with its code', async () => {
    const { outcome } = await run(splitting, pdfTask(big, 'fail-range.pdf'));
    assert.deepEqual(outcome, {
      ok: false,
      code: 'DOCUMENT_CORRUPT',
      message: `Page ${PAGES / 2 + 1} is damaged`,
    });
    assert.ok(await allThreadsFree(splitting));
  });

  test('a range whose thread crashes fails the document WORKER_CRASHED', async () => {
    await assert.rejects(
      run(splitting, pdfTask(big, 'crash-range.pdf')),
      (error: unknown) => error instanceof Failure && error.code === 'WORKER_CRASHED',
    );
    assert.ok(await allThreadsFree(splitting));
  });

  test('a range that overruns the time fails the document EXTRACTION_TIMEOUT; threads freed', async () => {
    const timed = pool({ timeoutMs: 4_000 });
    try {
      const started = Date.now();
      await assert.rejects(
        run(timed, pdfTask(big, 'hang-range.pdf')),
        (error: unknown) => error instanceof Failure && error.code === 'EXTRACTION_TIMEOUT',
      );
      assert.ok(Date.now() - started < 20_000);
      assert.equal(timed.idleThreads(), 2, 'every range has settled when the document fails');
    } finally {
      await timed.close();
    }
  });

  test('cancelling mid-way stops every range and releases every thread', async () => {
    const cancel = new AbortController();
    const reason = new Error('cancelled by the test');
    const pending = run(splitting, pdfTask(big, 'hang-range.pdf'), cancel.signal);
    // The second range hangs; the first reports progress: cancel once the split is under way.
    const deadline = Date.now() + 30_000;
    while (!ranTasks().some((line) => line.startsWith('range')) && Date.now() < deadline) {
      await sleep(10);
    }
    assert.ok(ranTasks().includes(`range ${PAGES / 2 + 1}-${PAGES}`));
    cancel.abort(reason);
    await assert.rejects(pending, (error: unknown) => error === reason);
    assert.equal(splitting.idleThreads(), 2, 'every range has settled when the document fails');
  });
});
