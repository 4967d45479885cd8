/**
 * The Extractor contract, for every adapter: what a job handler and /v1/convert may rely on. Bad
 * input is a failed outcome with its code (never a rejection); a worker that hangs past its
 * deadline rejects with a retryable Failure EXTRACTION_TIMEOUT; an abort rejects with the signal's
 * reason; progress is reported; close waits and is idempotent.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ExtractionTask, Extractor } from '../../src/ports/extractor.js';
import { Failure } from '../../src/ports/failures.js';
import { tempDir } from '../helpers/app.js';

export interface ExtractorFactory {
  name: string;
  /** An extractor whose deadline is `timeoutMs`; its worker obeys the fault markers. */
  create(timeoutMs: number): Promise<Extractor>;
}

const LIMITS = {
  maxPages: 100,
  maxUnzippedBytes: 1 << 20,
  maxTextChars: 1 << 20,
  maxOcrPages: 0,
  maxSheetRows: 100,
  maxSheetColumns: 100,
  includeHiddenSheets: false,
};

export function extractorContract(factory: ExtractorFactory): void {
  describe(`Extractor contract: ${factory.name}`, { timeout: 120_000 }, () => {
    let extractor: Extractor;
    const dir = tempDir();
    const task = async (name: string, text: string): Promise<ExtractionTask> => {
      const path = join(dir, name);
      await writeFile(path, text);
      return { path, mediaType: 'text/plain', filename: name, limits: LIMITS, ocr: false };
    };
    const options = (signal = new AbortController().signal) => ({
      signal,
      onProgress: () => undefined,
    });
    // A first task starts a thread and loads every processor: seconds on a loaded machine. Only
    // the deadline test uses a deadline short enough to reach, on a thread it has warmed first.
    before(async () => {
      extractor = await factory.create(60_000);
    });
    after(() => extractor.close());

    it('extracts a document into pages', async () => {
      const outcome = await extractor.extract(await task('a.txt', 'hello contract'), options());
      assert.equal(outcome.ok, true);
      assert.ok(outcome.ok && outcome.result.pages[0]?.text.includes('hello contract'));
    });

    it('answers bad input with a failed outcome and its code, not a rejection', async () => {
      const bad = { ...(await task('b.bin', 'x')), mediaType: 'application/x-unknown' };
      const outcome = await extractor.extract(bad, options());
      assert.deepEqual(outcome.ok ? null : outcome.code, 'UNSUPPORTED_FORMAT');
    });

    it('reports page progress', async () => {
      const seen: number[] = [];
      await extractor.extract(await task('slow.txt', 'QUIRE-FAULT:slow 300 3\nbody'), {
        signal: new AbortController().signal,
        onProgress: (done) => seen.push(done),
      });
      assert.ok(seen.includes(3), `progress ${JSON.stringify(seen)}`);
    });

    it('stops a worker past its deadline with a retryable EXTRACTION_TIMEOUT', async () => {
      const strict = await factory.create(8_000);
      try {
        assert.equal((await strict.extract(await task('warm.txt', 'warm up'), options())).ok, true);
        const hang = await task('hang.txt', 'QUIRE-FAULT:hang');
        await assert.rejects(
          strict.extract(hang, options()),
          (error: unknown) =>
            error instanceof Failure && error.code === 'EXTRACTION_TIMEOUT' && error.retryable,
        );
        // The pool is usable afterwards: the stopped thread was replaced.
        assert.equal((await strict.extract(await task('c.txt', 'after'), options())).ok, true);
      } finally {
        await strict.close();
      }
    });

    it('rejects with the signal’s reason when aborted', async () => {
      const controller = new AbortController();
      const reason = new Error('cancelled by the test');
      const running = extractor.extract(
        await task('abort.txt', 'QUIRE-FAULT:slow 5000 5\nbody'),
        options(controller.signal),
      );
      setTimeout(() => controller.abort(reason), 100);
      await assert.rejects(running, (error: unknown) => error === reason);
    });

    it('closes once, however often it is asked', async () => {
      const other = await factory.create(60_000);
      await Promise.all([other.close(), other.close()]);
      await other.close();
    });
  });
}
