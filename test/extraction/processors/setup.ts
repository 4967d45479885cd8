/**
 * Shared by the extraction processor tests: the limits a task runs under, a scratch folder for
 * the fixtures built at test time, running a processor to its result or its failure code, and
 * measuring RSS growth.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { runProcessor } from '../../../src/extraction/processors/index.js';
import {
  type ExtractionFailureCode,
  type ExtractionLimits,
  type ExtractionResult,
  type ExtractionTask,
} from '../../../src/ports/extractor.js';

export const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
export const MB = 1024 * 1024;

export const LIMITS: ExtractionLimits = {
  maxPages: 1000,
  maxUnzippedBytes: 512 * MB,
  maxTextChars: 10_000_000,
  maxOcrPages: 10,
  maxSheetRows: 10_000,
  maxSheetColumns: 200,
  includeHiddenSheets: false,
};

// Not test/helpers/app.ts's tempDir: importing it loads the whole app (seconds), unused here.
export const dir = mkdtempSync(join(tmpdir(), 'quire-extraction-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  progress: [number, number][];
}

/** An extraction task for `path` under LIMITS, `options` laid over it. */
export function task(
  path: string,
  mediaType: string,
  options: Partial<ExtractionTask> = {},
): ExtractionTask {
  return { path, mediaType, filename: null, limits: LIMITS, ocr: false, ...options };
}

/** Runs the processor, asserts it succeeded, and returns the result with its progress calls. */
export async function extract(
  path: string,
  mediaType: string,
  options: Partial<ExtractionTask> = {},
): Promise<ExtractionResult & Run> {
  const progress: [number, number][] = [];
  const outcome = await runProcessor(task(path, mediaType, options), (done, total) =>
    progress.push([done, total]),
  );
  assert.ok(outcome.ok, `expected success, got ${JSON.stringify(outcome)}`);
  return { ...outcome.result, progress };
}

/** Runs the processor, asserts it failed with `code`, and returns the failure's message. */
export async function failure(
  path: string,
  mediaType: string,
  code: ExtractionFailureCode,
  options: Partial<ExtractionTask> = {},
): Promise<string> {
  const outcome = await runProcessor(task(path, mediaType, options), () => undefined);
  assert.equal(outcome.ok, false, `expected ${code}, got a result`);
  assert.ok(!outcome.ok);
  assert.equal(outcome.code, code, outcome.message);
  return outcome.message;
}

export const allText = (result: ExtractionResult): string =>
  result.pages.map((page) => page.text).join('\n\n');
export const totalChars = (result: ExtractionResult): number =>
  result.pages.reduce((sum, page) => sum + page.text.length, 0);

/** Runs `work` and returns the largest RSS growth seen meanwhile, in bytes. */
export async function rssGrowth<T>(work: () => Promise<T>): Promise<{ value: T; growth: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  try {
    const value = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, growth: peak - before };
  } finally {
    clearInterval(timer);
  }
}
