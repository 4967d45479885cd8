/**
 * Extraction jobs end to end, in the embedded configuration: a document submitted ends `ready`
 * with its content, or `failed` with a reason; faulty worker threads (throwing, out of heap,
 * hanging) end their job classified and the next job still succeeds; an encrypted PDF opened by
 * reprocessing with its password; extraction threads at a lower CPU priority; a large document
 * kept to its lane; and the job metrics.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { writeEncryptedPdf } from '../fixtures/documents.js';
import { buildTestApp, tempDir, type TestApp } from '../helpers/app.js';
import { buildFaultyExtractionApp, FAST, FAULT_WORKER } from '../helpers/extraction.js';
import { getDocument, getJob, submitFile, submitText, waitForJob } from '../helpers/jobs.js';

function paragraphs(count: number, prefix: string): string {
  return Array.from(
    { length: count },
    (_, i) => `${prefix} paragraph ${i + 1} says something worth finding. It has two sentences.`,
  ).join('\n\n');
}
describe('extraction jobs (embedded)', () => {
  let t: TestApp;
  before(async () => {
    t = await buildFaultyExtractionApp();
  });

  it('extracts a text document: ready, with page count, word count and passages as content', async () => {
    const text = paragraphs(150, 'Alpha'); // ~1,900 words: several pages and passages
    const { document, job } = await submitText(t, text);
    assert.equal(job.type, 'extract');
    const done = await waitForJob(t, job.id);
    assert.equal(done.status, 'succeeded', JSON.stringify(done));
    assert.equal(done.attempts, 1);
    assert.ok(done.finished_at);
    assert.equal(done.progress.unit, 'pages');
    assert.equal(done.progress.done, done.progress.total);
    const ready = await getDocument(t, document.id);
    assert.equal(ready.status, 'ready');
    assert.ok((ready.page_count ?? 0) >= 2, `page_count ${ready.page_count}`);
    assert.equal(ready.extracted.word_count, text.split(/\s+/).length);

    const plain = await t.app.inject({
      url: `/v1/documents/${document.id}/content`,
      headers: t.admin,
    });
    assert.equal(plain.statusCode, 200);
    assert.match(String(plain.headers['content-type']), /^text\/plain/);
    assert.ok(plain.body.includes('Alpha paragraph 1 says'));
    assert.ok(plain.body.includes('Alpha paragraph 150 says'));
    assert.equal(plain.body.split('\f').length, ready.page_count, 'pages separated by form feeds');

    const json = await t.app.inject({
      url: `/v1/documents/${document.id}/content?format=json&pages=1,2`,
      headers: t.admin,
    });
    const body = json.json() as {
      pages: { number: number; text: string }[];
      metadata: Record<string, unknown>;
    };
    assert.deepEqual(
      body.pages.map((page) => page.number),
      [1, 2],
    );
    assert.equal(body.metadata.page_count, ready.page_count);
    assert.equal(body.metadata.word_count, ready.extracted.word_count);

    const markdown = await t.app.inject({
      url: `/v1/documents/${document.id}/content?format=markdown&pages=2`,
      headers: t.admin,
    });
    assert.match(String(markdown.headers['content-type']), /^text\/markdown/);
    assert.match(markdown.body, /^<!-- page 2 -->/);

    const etag = String(plain.headers.etag);
    const again = await t.app.inject({
      url: `/v1/documents/${document.id}/content`,
      headers: { ...t.admin, 'if-none-match': etag },
    });
    assert.equal(again.statusCode, 304);
  });

  it('a worker thread that throws: the job ends classified (retried, then dead) and the next job succeeds', async () => {
    const { document, job } = await submitText(t, 'QUIRE-FAULT:throw\n');
    const dead = await waitForJob(t, job.id);
    assert.equal(dead.status, 'dead');
    assert.equal(dead.attempts, 2);
    assert.equal(dead.error?.code, 'WORKER_CRASHED');
    assert.equal(dead.error?.retryable, true);
    const failed = await getDocument(t, document.id);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error?.code, 'WORKER_CRASHED');

    const next = await submitText(t, 'An ordinary note after a crash.');
    assert.equal((await waitForJob(t, next.job.id)).status, 'succeeded');

    const deadList = await t.app.inject({ url: '/v1/jobs?status=dead', headers: t.admin });
    const ids = (deadList.json() as { data: { id: string }[] }).data.map((j) => j.id);
    assert.ok(ids.includes(job.id), 'dead jobs stay listed');
  });

  it('a worker thread that runs out of heap is replaced; its job is WORKER_CRASHED and the next succeeds', async () => {
    const { job } = await submitText(t, 'QUIRE-FAULT:oom\n');
    const dead = await waitForJob(t, job.id);
    assert.equal(dead.status, 'dead');
    assert.equal(dead.error?.code, 'WORKER_CRASHED');
    assert.match(dead.error?.message ?? '', /memory/);
    const next = await submitText(t, 'Another ordinary note.');
    assert.equal((await waitForJob(t, next.job.id)).status, 'succeeded');
  });

  it('an encrypted PDF fails DOCUMENT_ENCRYPTED at once (not retried); reprocess with the password makes it ready', async () => {
    const dir = tempDir();
    const upload = async (password?: string) => {
      const fields = password === undefined ? [] : [{ name: 'password', value: password }];
      const pdf = readFileSync(await writeEncryptedPdf(dir, 'open-sesame'));
      return submitFile(t, pdf, 'locked.pdf', fields);
    };
    const locked = await upload();
    const failed = await waitForJob(t, locked.job.id);
    assert.deepEqual(
      [failed.status, failed.attempts, failed.error?.code, failed.error?.retryable],
      ['failed', 1, 'DOCUMENT_ENCRYPTED', false],
    );
    assert.equal((await getDocument(t, locked.document.id)).error?.code, 'DOCUMENT_ENCRYPTED');

    const wrong = await upload('not-it');
    assert.equal((await waitForJob(t, wrong.job.id)).error?.code, 'DOCUMENT_ENCRYPTED');

    const retry = await t.app.inject({
      method: 'POST',
      url: `/v1/documents/${locked.document.id}/reprocess`,
      headers: t.admin,
      payload: { password: 'open-sesame' },
    });
    assert.equal(retry.statusCode, 202, retry.body);
    const opened = await waitForJob(t, (retry.json() as { job: { id: string } }).job.id);
    assert.equal(opened.status, 'succeeded', JSON.stringify(opened));
    const ready = await getDocument(t, locked.document.id);
    assert.deepEqual([ready.status, ready.page_count], ['ready', 2]);

    const right = await upload('open-sesame');
    assert.equal((await waitForJob(t, right.job.id)).status, 'succeeded');
  });

  it('runs extraction threads at a lower CPU priority than the API thread (Linux)', async () => {
    const { job } = await submitText(t, 'QUIRE-FAULT:slow 1500 3\nniced');
    await waitForJob(t, job.id, (j) => j.status === 'running' && j.progress.done > 0);
    // Field 19 of /proc/<pid>/task/<tid>/stat is the thread's nice value.
    const niceOf = (tid: string): number => {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    };
    const nices = readdirSync('/proc/self/task').map(niceOf);
    assert.equal(niceOf(String(process.pid)), 0, 'the main (API) thread keeps its priority');
    assert.ok(nices.includes(10), `an extraction thread runs at nice 10: ${nices.join(',')}`);
    await waitForJob(t, job.id);
  });

  it('exposes job metrics and the queue in /health', async () => {
    const metrics = await t.app.inject({ url: '/metrics' });
    assert.match(metrics.body, /jobs_total\{type="extract",outcome="succeeded"\} \d+/);
    assert.match(metrics.body, /jobs_total\{type="extract",outcome="dead"\} \d+/);
    assert.match(metrics.body, /job_duration_seconds_bucket\{le="[^"]+",type="extract"\}/);
    assert.match(metrics.body, /queue_depth\{state="dead"\} [1-9]/);
    assert.match(metrics.body, /extraction_pages_total [1-9]/);
    const health = await t.app.inject({ url: '/health', headers: t.admin });
    const queue = (health.json() as { queue: Record<string, number> }).queue;
    assert.ok((queue.dead ?? 0) >= 1);

    const stats = await t.app.inject({ url: '/v1/admin/stats', headers: t.admin });
    const body = stats.json() as {
      documents: { by_status: Record<string, number>; pages_extracted: number };
      jobs: { by_status: Record<string, number> };
    };
    assert.ok((body.documents.by_status.ready ?? 0) >= 5, JSON.stringify(body));
    assert.ok((body.documents.by_status.failed ?? 0) >= 1);
    assert.ok(body.documents.pages_extracted >= 5);
    assert.ok((body.jobs.by_status.succeeded ?? 0) >= 5);
    assert.ok((body.jobs.by_status.dead ?? 0) >= 1);
    assert.equal(typeof queue.waiting, 'number');
  });
});

describe('extraction that overruns its time', () => {
  it('a worker thread that hangs is stopped at the timeout: EXTRACTION_TIMEOUT, and the next succeeds', async () => {
    const t = await buildTestApp(
      { ...FAST, QUIRE_JOB_MAX_ATTEMPTS: '2', QUIRE_EXTRACTION_TIMEOUT_MS: '2500' },
      { extractionWorkerFile: FAULT_WORKER },
    );
    const { job } = await submitText(t, 'QUIRE-FAULT:hang\n');
    const dead = await waitForJob(t, job.id);
    assert.equal(dead.status, 'dead');
    assert.equal(dead.error?.code, 'EXTRACTION_TIMEOUT');
    const next = await submitText(t, 'Yet another ordinary note.');
    assert.equal((await waitForJob(t, next.job.id)).status, 'succeeded');
  });
});

describe('extraction of a large document does not hold up small ones', () => {
  it('a small document is extracted while large ones occupy the large lane', async () => {
    const t = await buildTestApp(
      { ...FAST, QUIRE_EXTRACTION_WORKERS: '2', QUIRE_LARGE_DOCUMENT_BYTES: '1000' },
      { extractionWorkerFile: FAULT_WORKER },
    );
    const padding = 'x'.repeat(2000);
    const large = await Promise.all(
      [1, 2, 3].map((i) => submitText(t, `QUIRE-FAULT:slow 3000 10\nlarge ${i} ${padding}`)),
    );
    await waitForJob(t, large[0]?.job.id ?? '', (job) => job.status === 'running');
    const small = await submitText(t, 'small and quick');
    // Taken at once, while the large ones still hold their lane: it does not wait behind them.
    // (Its run is not bounded: it may start the second thread cold, which takes seconds under
    // tsx on a busy machine.)
    await waitForJob(t, small.job.id, (job) => job.status !== 'queued', 2_500);
    const states = await Promise.all(large.map(({ job }) => getJob(t, job.id)));
    assert.equal(
      states.filter((job) => job.status === 'running').length,
      1,
      'large jobs take one thread, never both',
    );
    assert.equal((await waitForJob(t, small.job.id)).status, 'succeeded');
    for (const { job } of large) await waitForJob(t, job.id);
  });
});
