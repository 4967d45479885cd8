/**
 * The optional stacks stay unloaded until used, on real extraction threads: a thread that has
 * warmed up and extracted a PDF and a text file holds neither tesseract.js nor onnxruntime-node
 * nor the tokenizers; after an image is read by OCR, the same probe finds tesseract.js (so the
 * probe can see what it looks for).
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { after, describe, it } from 'node:test';
import { createWorkerPool } from '../../src/adapters/worker-pool/factory.js';
import type { ExtractionOutcome } from '../../src/ports/extractor.js';
import type { WorkerTask } from '../../src/extraction/worker.js';
import { warmUpPdf } from '../../src/extraction/warm-up-pdf.js';
import { tempDir } from '../helpers/app.js';
import { textPng } from '../fixtures/other-formats.js';
import { LIMITS } from './processors/setup.js';

const workerFile = fileURLToPath(new URL('../fixtures/module-probe-worker.ts', import.meta.url));
const pool = createWorkerPool<WorkerTask | 'loaded', ExtractionOutcome | string[]>({
  workerFile,
  minThreads: 1,
  maxThreads: 1,
});
after(() => pool.destroy());

async function extract(path: string, mediaType: string, ocr = false): Promise<ExtractionOutcome> {
  const { port1, port2 } = new MessageChannel();
  try {
    const task = { path, mediaType, filename: null, limits: LIMITS, ocr };
    const outcome = await pool.run({ task, progress: port2 }, { transferList: [port2] });
    return outcome as ExtractionOutcome;
  } finally {
    port1.close();
  }
}

describe('optional stacks are loaded only when used', { timeout: 120_000 }, () => {
  it('a thread that extracted a PDF and text has none; OCR loads tesseract.js', async () => {
    const dir = tempDir();
    const pdf = join(dir, 'a.pdf');
    const text = join(dir, 'a.txt');
    const png = join(dir, 'a.png');
    await writeFile(pdf, warmUpPdf(2));
    await writeFile(text, 'plain text');
    await writeFile(png, textPng('HELLO WORLD'));

    assert.equal((await extract(pdf, 'application/pdf')).ok, true);
    assert.equal((await extract(text, 'text/plain')).ok, true);
    assert.deepEqual(await pool.run('loaded'), []);

    const read = await extract(png, 'image/png', true);
    assert.ok(read.ok && read.result.pages[0]?.text === 'HELLO WORLD', JSON.stringify(read));
    assert.deepEqual(await pool.run('loaded'), ['tesseract.js']);
  });
});
