/**
 * Extraction threads warm up the PDF engine the pool is set to, on real threads: with PDFium, a
 * thread has compiled its PDFium module before its first document (which loads none, and is read
 * by PDFium); with pdf.js, PDFium is never loaded. The worker is the real one behind a probe that
 * notes the thread's PDFium module loads before each task (test/fixtures/pdfium-probe-worker.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, beforeEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExtractionPool } from '../../src/extraction/pool.js';
import type { ExtractionOutcome, PdfEngine } from '../../src/ports/extractor.js';
import { writeTextPdf } from '../fixtures/documents.js';
import { dir, LIMITS } from './processors/setup.js';

const PROBE_WORKER = fileURLToPath(new URL('../fixtures/pdfium-probe-worker.ts', import.meta.url));
const LOG = join(dir, 'pdfium-loads.log');
// Read by each worker thread as it runs a task (threads copy the environment as they start).
process.env.QUIRE_TEST_PDFIUM_LOG = LOG;

/** The PDFium module loads each task's thread had made before the task, in task order. */
const loadsBeforeTasks = (): number[] =>
  readFileSync(LOG, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => Number(line.split(' ')[1]));

const pools: ExtractionPool[] = [];
after(() => Promise.all(pools.map((pool) => pool.close())));

/** One warm thread on `pdfEngine`, once it has warmed up (bounded wait). */
async function warmPool(pdfEngine: PdfEngine): Promise<ExtractionPool> {
  const pool = new ExtractionPool({
    threads: 1,
    warmThreads: 1,
    timeoutMs: 60_000,
    heapMb: 512,
    recycleAfter: 1000,
    workerFile: PROBE_WORKER,
    pdfEngine,
  });
  pools.push(pool);
  const deadline = Date.now() + 60_000;
  while (pool.threads().warm < 1 && Date.now() < deadline) await sleep(20);
  assert.deepEqual(pool.threads(), { threads: 1, warm: 1 });
  return pool;
}

async function extractPdf(pool: ExtractionPool, pdfEngine: PdfEngine): Promise<ExtractionOutcome> {
  const path = await writeTextPdf(dir);
  return pool.extract(
    {
      path,
      mediaType: 'application/pdf',
      filename: 'a.pdf',
      limits: LIMITS,
      ocr: false,
      pdfEngine,
    },
    { signal: new AbortController().signal, onProgress: () => undefined },
  );
}

describe('extraction threads warm up the PDF engine they are set to', { timeout: 120_000 }, () => {
  beforeEach(() => writeFileSync(LOG, ''));

  test('PDFium: the module is loaded by the warm-up, before the first document, and only then', async () => {
    const pool = await warmPool('pdfium');
    const first = await extractPdf(pool, 'pdfium');
    const second = await extractPdf(pool, 'pdfium');
    assert.ok(first.ok && second.ok);
    assert.equal(first.result.pages.length, 12);
    // One load before the first task (the warm-up's); none since, by either document.
    assert.deepEqual(loadsBeforeTasks(), [1, 1]);
  });

  test('pdf.js: PDFium is never loaded', async () => {
    const pool = await warmPool('pdfjs');
    const outcome = await extractPdf(pool, 'pdfjs');
    assert.ok(outcome.ok);
    await extractPdf(pool, 'pdfjs');
    assert.deepEqual(loadsBeforeTasks(), [0, 0]);
  });
});
