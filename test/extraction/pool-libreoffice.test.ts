/**
 * A LibreOffice conversion whose extraction thread is terminated mid-conversion — the job was
 * cancelled, or overran the pool's time — through the real pool and the real soffice: no
 * LibreOffice process and no work or profile directory may outlive the task, although the
 * thread's own cleanup never runs. Also: the pool sweeps away the work folders a dead Quire
 * process left behind.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExtractionPool } from '../../src/extraction/pool.js';
import type { ExtractionTask, LibreOfficeRuntime } from '../../src/ports/extractor.js';
import * as fixtures from '../fixtures/other-formats.js';
import { LIMITS } from './processors/setup.js';

const DOC = 'application/msword';

/** Processes whose command line names `fragment` (LibreOffice's carry their profile's path). */
function processesNaming(fragment: string): string[] {
  const found = spawnSync('pgrep', ['-af', fragment], { encoding: 'utf8' }).stdout;
  return found.split('\n').filter((line) => line.length > 0 && !line.includes('pgrep'));
}

/** Quire's folders in `dir` (tsx keeps its cache for the worker threads there too). */
const quireFolders = (dir: string): string[] =>
  readdirSync(dir).filter((name) => name.startsWith('quire-'));

/** Polls until `check` holds or `ms` pass; returns whether it held. */
async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

describe('LibreOffice conversions in the extraction pool', { timeout: 300_000 }, () => {
  // The pool's work folders go under a private TMPDIR (read by the main thread and passed to the
  // worker threads when they start), so leftovers can be counted.
  const scratch = mkdtempSync(join(tmpdir(), 'quire-pool-soffice-'));
  const files = mkdtempSync(join(tmpdir(), 'quire-pool-soffice-files-'));
  const previousTmp = process.env.TMPDIR;
  let doc = '';
  /** A .doc long enough that its conversion runs for seconds after soffice has started. */
  let longDoc = '';
  /** How long the cancelled conversion took to start soffice: sizes the timeout test's pool. */
  let sofficeStartMs = 2_000;
  let runtime: LibreOfficeRuntime;
  const task = (path = doc): ExtractionTask => ({
    path,
    mediaType: DOC,
    filename: 'report.doc',
    limits: LIMITS,
    ocr: false,
    libreOffice: runtime,
  });

  before(async () => {
    assert.ok(
      fixtures.hasSoffice(),
      'soffice is not installed: apt-get install libreoffice-core-nogui libreoffice-writer-nogui (.ci/run does)',
    );
    runtime = {
      path: spawnSync('sh', ['-c', 'command -v soffice'], { encoding: 'utf8' }).stdout.trim(),
      // Far above the test's waits: only the pool's cancel or timeout may end these conversions.
      timeoutMs: 120_000,
      memoryMb: 4096,
    };
    const source = join(files, 'report.rtf');
    await writeFile(source, fixtures.rtfText());
    doc = fixtures.sofficeConvert(source, 'doc', files);
    const long = join(files, 'long.rtf');
    const paragraph = (i: number): string =>
      `\\pard Paragraph ${i} of the long report: the lamp at Longstone burned every night.\\par\n`;
    await writeFile(
      long,
      `{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times;}}${Array.from({ length: 20_000 }, (_, i) => paragraph(i)).join('')}}`,
    );
    longDoc = fixtures.sofficeConvert(long, 'doc', files);
    process.env.TMPDIR = scratch;
  });
  after(() => {
    if (previousTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previousTmp;
    rmSync(scratch, { recursive: true, force: true });
    rmSync(files, { recursive: true, force: true });
  });

  /**
   * A one-thread pool once its thread has warmed up (its PDF engine loaded: PDFium and pdf.js by
   * default), so that the soffice start measured below, and the time limit drawn from it, count
   * the conversion and not the thread's warm-up.
   */
  async function warmPool(timeoutMs: number): Promise<ExtractionPool> {
    let warm = (): void => undefined;
    const warmed = new Promise<void>((resolve) => (warm = resolve));
    const pool = new ExtractionPool({
      threads: 1,
      warmThreads: 1,
      timeoutMs,
      heapMb: 256,
      recycleAfter: 50,
      onThreadWarm: () => warm(),
    });
    await warmed;
    return pool;
  }

  /** Runs one conversion, calls `stop` once soffice runs, and checks nothing is left after. */
  async function stoppedMidConversion(
    pool: ExtractionPool,
    stop: () => void,
    signal: AbortSignal,
    path = doc,
  ): Promise<unknown> {
    let done = false;
    const started = performance.now();
    const settled = pool.extract(task(path), { signal, onProgress: () => undefined }).then(
      (outcome) =>
        assert.fail(
          `the conversion was expected to be stopped: ${JSON.stringify(outcome).slice(0, 300)}`,
        ),
      (error: unknown) => error,
    );
    void settled.finally(() => (done = true));
    assert.ok(
      await eventually(() => done || processesNaming(scratch).length > 0, 60_000),
      'soffice never started',
    );
    if (done) assert.fail(`the task ended before soffice started: ${String(await settled)}`);
    sofficeStartMs = performance.now() - started;
    stop();
    const error = await settled;
    // SIGKILL is delivered at once; give the kernel a moment to take the processes away.
    await eventually(() => processesNaming(scratch).length === 0, 3_000);
    assert.deepEqual(processesNaming(scratch), [], 'LibreOffice processes left running');
    assert.deepEqual(quireFolders(scratch), [], 'work or profile directories left');
    return error;
  }

  test('a cancelled job: the thread is terminated, soffice and its directories go with it', async () => {
    const pool = await warmPool(120_000);
    try {
      const controller = new AbortController();
      const error = await stoppedMidConversion(
        pool,
        () => controller.abort(new Error('cancelled by the test')),
        controller.signal,
      );
      assert.match(String(error), /cancelled by the test/);
    } finally {
      await pool.close();
    }
  });

  test('a job over the pool time: the thread is terminated, nothing is left', async () => {
    // Twice as long as starting soffice took in the cancel test, and a second more: the thread
    // has started soffice by then, and the long document's conversion (seconds on an idle
    // machine, longer on a busy one) has not finished.
    const timeoutMs = Math.round(2 * sofficeStartMs + 1_000);
    const pool = await warmPool(timeoutMs);
    try {
      const error = await stoppedMidConversion(
        pool,
        () => undefined,
        new AbortController().signal,
        longDoc,
      );
      assert.match(String(error), new RegExp(`longer than ${timeoutMs} ms`));
    } finally {
      await pool.close();
    }
  });

  test('work folders of a Quire process that is gone are swept when a pool starts', async () => {
    // A pid that no process has: beyond the kernel's pid_max.
    const orphan = join(scratch, 'quire-extract-4194305-abcdef');
    mkdirSync(join(orphan, 'quire-soffice-xyz', 'profile'), { recursive: true });
    const mine = join(scratch, `quire-extract-${process.pid}-abcdef`);
    mkdirSync(mine);
    const pool = new ExtractionPool({
      threads: 1,
      timeoutMs: 10_000,
      heapMb: 256,
      recycleAfter: 50,
    });
    try {
      assert.ok(
        await eventually(
          () => !quireFolders(scratch).includes('quire-extract-4194305-abcdef'),
          5_000,
        ),
        'the dead process’s work folder was not swept',
      );
      assert.deepEqual(quireFolders(scratch), [`quire-extract-${process.pid}-abcdef`]);
    } finally {
      await pool.close();
      rmSync(mine, { recursive: true, force: true });
    }
  });
});
