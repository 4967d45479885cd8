/**
 * A long PDF split across two extraction threads, through HTTP and the real job runner: its pages
 * are staged in the content store range by range while the job still runs (the staged-page count
 * reaches every page while /content still answers 409), and however the attempt ends otherwise
 * the stage goes — cancelled or failed, nothing is left staged; a crashed attempt retried gives
 * one set of pages, in order. The worker module is the real one behind the fault wrapper
 * (test/fixtures/range-fault-worker.ts: by filename, a task that has read a later range then
 * hangs, fails or crashes once).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSqlContentStore } from '../../src/adapters/sql/content-store.js';
import type { SqlDatabase } from '../../src/adapters/sql/database.js';
import { migrateToLatest } from '../../src/adapters/sql/migrate.js';
import { openSqlite } from '../../src/adapters/sqlite/database.js';
import type { ContentStore } from '../../src/ports/content-store.js';
import { textPdfBytes } from '../fixtures/documents.js';
import { buildTestApp, tempDir, type TestApp } from '../helpers/app.js';
import { FAST } from '../helpers/extraction.js';
import { getDocument, getJob, submitFile, waitForJob, waitReady } from '../helpers/jobs.js';

const RANGE_WORKER = fileURLToPath(new URL('../fixtures/range-fault-worker.ts', import.meta.url));
const PAGES = 150;
const LOG = join(tempDir('quire-stream-pages-'), 'ranges.log');
// Read by each extraction thread as it starts (threads copy the environment then).
process.env.QUIRE_TEST_RANGE_LOG = LOG;

describe('a split PDF’s pages staged as its threads read them', { timeout: 240_000 }, () => {
  let pdf: Buffer;
  let database: SqlDatabase;
  let content: ContentStore;
  let t: TestApp;

  before(async () => {
    pdf = Buffer.from(await textPdfBytes(PAGES));
    database = openSqlite({ filename: join(tempDir(), 'quire.db') });
    await migrateToLatest(database);
    content = createSqlContentStore(database.db, database.dialect);
    t = await buildTestApp(
      {
        ...FAST,
        QUIRE_EXTRACTION_WORKERS: '2',
        QUIRE_EXTRACTION_WARM_THREADS: '2',
        QUIRE_EXTRACTION_SPLIT_MIN_PAGES: '64',
        QUIRE_JOB_MAX_ATTEMPTS: '2',
      },
      { extractionWorkerFile: RANGE_WORKER, database },
    );
    await waitReady(t);
  });
  after(() => database.close());

  async function upload(filename: string): Promise<{ documentId: string; jobId: string }> {
    const { document, job } = await submitFile(t, pdf, filename);
    return { documentId: document.id, jobId: job.id };
  }

  /** Pages staged for the document, through the store's port (its tenant: the one it is in). */
  async function staged(documentId: string): Promise<number> {
    const row = await database.db
      .selectFrom('documents')
      .select('tenant_id')
      .where('id', '=', documentId)
      .executeTakeFirst();
    return row === undefined ? 0 : content.stagedPageCount(row.tenant_id, documentId);
  }

  /** The most pages seen staged at once while the job ran, polled until it settled. */
  async function watchStaged(documentId: string, jobId: string): Promise<number> {
    let most = 0;
    for (;;) {
      most = Math.max(most, await staged(documentId));
      const job = await getJob(t, jobId);
      if (!['queued', 'running'].includes(job.status)) return most;
      await sleep(5);
    }
  }

  const contentStatus = async (documentId: string): Promise<number> =>
    (await t.app.inject({ url: `/v1/documents/${documentId}/content`, headers: t.admin }))
      .statusCode;

  it('stages every page while the job runs, and a cancel leaves none', async () => {
    const { documentId, jobId } = await upload('hang-range-report.pdf');
    // Both threads have read all their ranges; one hangs after its last: the job still runs.
    const deadline = Date.now() + 60_000;
    while ((await staged(documentId)) < PAGES) {
      assert.ok(Date.now() < deadline, `staged ${await staged(documentId)} of ${PAGES}`);
      await sleep(20);
    }
    assert.equal((await getJob(t, jobId)).status, 'running');
    assert.equal(await contentStatus(documentId), 409, 'no page is the document’s yet');

    const cancel = await t.app.inject({
      method: 'POST',
      url: `/v1/jobs/${jobId}/cancel`,
      headers: t.admin,
    });
    assert.equal(cancel.statusCode, 202, cancel.body);
    assert.equal((await waitForJob(t, jobId)).status, 'cancelled');
    await waitFor(async () => (await staged(documentId)) === 0, 'the stage is dropped');
    assert.equal((await getDocument(t, documentId)).status, 'failed');
    assert.equal(await contentStatus(documentId), 409);
  });

  it('a failure after pages were staged leaves none', async () => {
    const { documentId, jobId } = await upload('fail-range-report.pdf');
    const most = await watchStaged(documentId, jobId);
    const job = await getJob(t, jobId);
    assert.equal(job.status, 'failed', JSON.stringify(job));
    assert.equal(job.error?.code, 'DOCUMENT_CORRUPT');
    assert.ok(most > 0, 'pages were staged before it failed');
    assert.equal(await staged(documentId), 0);
    assert.equal(await contentStatus(documentId), 409);
  });

  it('a crashed attempt retried gives one set of pages, in order, and no stage left', async () => {
    const { documentId, jobId } = await upload('crash-once-range-report.pdf');
    const most = await watchStaged(documentId, jobId);
    const job = await getJob(t, jobId);
    assert.equal(job.status, 'succeeded', JSON.stringify(job));
    assert.equal(job.attempts, 2, 'the first attempt crashed');
    assert.ok(most > 0, 'pages were staged');
    assert.equal(await staged(documentId), 0);
    const response = await t.app.inject({
      url: `/v1/documents/${documentId}/content?format=json`,
      headers: t.admin,
    });
    assert.equal(response.statusCode, 200, response.body);
    const { pages } = response.json() as { pages: { number: number; text: string }[] };
    assert.deepEqual(
      pages.map((page) => page.number),
      Array.from({ length: PAGES }, (_, index) => index + 1),
    );
    assert.ok(pages.every((page) => page.text.includes(`closes page ${page.number}.`)));
  });

  it('a job that succeeds leaves no stage: its pages were taken from it', async () => {
    const { documentId, jobId } = await upload('report.pdf');
    const most = await watchStaged(documentId, jobId);
    assert.equal((await getJob(t, jobId)).status, 'succeeded');
    assert.ok(most > 0, 'pages were staged before the job ended');
    assert.equal(await staged(documentId), 0);
    const ready = await getDocument(t, documentId);
    assert.equal(ready.page_count, PAGES);
  });
});

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, what);
    await sleep(20);
  }
}
