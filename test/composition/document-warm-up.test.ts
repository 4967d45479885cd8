/**
 * The main thread's document warm-up (src/composition/document-warm-up.ts): a warm-up PDF read
 * by a real extraction thread, its pages cut into passages and index terms, nothing stored; a
 * warm-up PDF that fails to extract fails the warm-up, which start-up logs and goes on without.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DEFAULT_CHUNKING } from '../../src/domain/passages.js';
import { warmUpDocumentPath } from '../../src/composition/document-warm-up.js';
import { ExtractionPool } from '../../src/extraction/pool.js';
import type { ExtractionTask } from '../../src/ports/extractor.js';

describe('the document warm-up', { timeout: 120_000 }, () => {
  const pool = new ExtractionPool({
    threads: 1,
    timeoutMs: 60_000,
    heapMb: 256,
    recycleAfter: 1,
    pdfEngine: 'pdfium',
  });
  after(() => pool.close());

  it('reads the warm-up PDF on a thread and cuts its pages into passages', async () => {
    const tasks: ExtractionTask[] = [];
    const passages = await warmUpDocumentPath({
      extract: (task, signal) => {
        tasks.push(task);
        return pool.extractWarmUp(task, signal);
      },
      pdfEngine: 'pdfium',
      chunking: DEFAULT_CHUNKING,
      analyzer: 'english',
    });
    assert.ok(passages >= 12, `${passages} passages from 12 pages of text`);
    assert.equal(tasks.length, 1);
    assert.equal(tasks[0]?.mediaType, 'application/pdf');
    assert.equal(tasks[0]?.pdfEngine, 'pdfium');
  });

  it('fails when the warm-up PDF does not extract', async () => {
    await assert.rejects(
      warmUpDocumentPath({
        extract: async () => ({ ok: false, code: 'DOCUMENT_CORRUPT', message: 'broken' }),
        pdfEngine: 'pdfium',
        chunking: DEFAULT_CHUNKING,
        analyzer: 'english',
      }),
      /the warm-up PDF failed: DOCUMENT_CORRUPT broken/,
    );
  });
});
