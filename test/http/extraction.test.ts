/**
 * Extraction jobs through HTTP, in the embedded configuration: a document submitted ends `ready`
 * with its content, or `failed` with a reason; faulty worker threads (throwing, out of heap,
 * hanging) end their job classified and the next job still succeeds; cancel, retry, events,
 * reprocess, content formats, and the job metrics.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildTestApp, createApiKey, tempDir, type TestApp } from '../helpers/app.js';
import { getDocument, getJob, submitText, waitForJob } from '../helpers/jobs.js';
import { assertProblem } from '../helpers/problem.js';
import { multipart } from '../helpers/multipart.js';
import { writeEncryptedPdf } from '../fixtures/documents.js';

const FAULT_WORKER = fileURLToPath(new URL('../fixtures/fault-worker.ts', import.meta.url));

const FAST = {
  // Tests poll job state often; the standard tier's 600 reads a minute would run out.
  QUIRE_RATE_LIMIT_READ: '1000000',
  QUIRE_RATE_LIMIT_WRITE: '1000000',
  QUIRE_WORKER_POLL_MS: '20',
  QUIRE_JOB_RETRY_BASE_MS: '50',
  QUIRE_EXTRACTION_WORKERS: '2',
};

function paragraphs(count: number, prefix: string): string {
  return Array.from(
    { length: count },
    (_, i) => `${prefix} paragraph ${i + 1} says something worth finding. It has two sentences.`,
  ).join('\n\n');
}

describe('extraction jobs (embedded)', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp(
      {
        ...FAST,
        QUIRE_JOB_MAX_ATTEMPTS: '2',
        QUIRE_EXTRACTION_TIMEOUT_MS: '10000',
        QUIRE_EXTRACTION_HEAP_MB: '48',
      },
      { extractionWorkerFile: FAULT_WORKER },
    );
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

  it('redacts personal data in content on request', async () => {
    const { document, job } = await submitText(
      t,
      'Write to jane.doe@example.com or call +44 20 7946 0958 about the invoice.',
    );
    await waitForJob(t, job.id);
    const redacted = await t.app.inject({
      url: `/v1/documents/${document.id}/content?redact=pii`,
      headers: t.admin,
    });
    assert.equal(redacted.statusCode, 200);
    assert.ok(!redacted.body.includes('jane.doe@example.com'), redacted.body);
    assert.ok(redacted.body.includes('about the invoice'));
    const original = await t.app.inject({
      url: `/v1/documents/${document.id}/content`,
      headers: t.admin,
    });
    assert.ok(original.body.includes('jane.doe@example.com'));
    assert.notEqual(original.headers.etag, redacted.headers.etag);
  });

  it('answers content requests it cannot serve with clear 4xx problems', async () => {
    const { document, job } = await submitText(t, 'QUIRE-FAULT:slow 1500 3\nnot yet');
    const early = await t.app.inject({
      url: `/v1/documents/${document.id}/content`,
      headers: t.admin,
    });
    assertProblem(early, 409, 'CONFLICT');
    for (const query of [
      'pages=0',
      'pages=3-1',
      'pages=a',
      'pages=1-100000',
      'format=pdf',
      'redact=all',
    ]) {
      const bad = await t.app.inject({
        url: `/v1/documents/${document.id}/content?${query}`,
        headers: t.admin,
      });
      assertProblem(bad, 400, 'VALIDATION_FAILED');
    }
    const missing = await t.app.inject({ url: '/v1/documents/doc_nope/content', headers: t.admin });
    assertProblem(missing, 404, 'NOT_FOUND');
    await waitForJob(t, job.id);
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

  it('retries a dead job on request: fresh attempts, and the document ends ready', async () => {
    const flag = join(tempDir(), 'flag');
    const { document, job } = await submitText(t, `QUIRE-FAULT:throw-unless ${flag}\nrecovered`);
    assert.equal((await waitForJob(t, job.id)).status, 'dead');
    writeFileSync(flag, 'now it works');
    const retried = await t.app.inject({
      method: 'POST',
      url: `/v1/jobs/${job.id}/retry`,
      headers: t.admin,
    });
    assert.equal(retried.statusCode, 202, retried.body);
    const body = retried.json() as { job: { status: string; attempts: number } };
    assert.deepEqual([body.job.status, body.job.attempts], ['queued', 0]);
    assert.equal((await getDocument(t, document.id)).status !== 'failed', true);
    const done = await waitForJob(t, job.id);
    assert.deepEqual([done.status, done.attempts], ['succeeded', 1]);
    assert.equal((await getDocument(t, document.id)).status, 'ready');
    const conflict = await t.app.inject({
      method: 'POST',
      url: `/v1/jobs/${job.id}/retry`,
      headers: t.admin,
    });
    assertProblem(conflict, 409, 'CONFLICT');
  });

  it('cancels a queued job and a running one (stopping it within 2 s), and retries a cancelled one', async () => {
    // Two slow jobs fill both threads; a third waits in the queue.
    const first = await submitText(t, 'QUIRE-FAULT:slow 8000 40\nfirst');
    const second = await submitText(t, 'QUIRE-FAULT:slow 8000 40\nsecond');
    await waitForJob(t, first.job.id, (job) => job.status === 'running' && job.progress.done > 0);
    await waitForJob(t, second.job.id, (job) => job.status === 'running');
    const waiting = await submitText(t, 'waiting in line');

    const cancelQueued = await t.app.inject({
      method: 'POST',
      url: `/v1/jobs/${waiting.job.id}/cancel`,
      headers: t.admin,
    });
    assert.equal(cancelQueued.statusCode, 202, cancelQueued.body);
    assert.equal(cancelQueued.json().job.status, 'cancelled');
    assert.equal((await getDocument(t, waiting.document.id)).error?.code, 'CANCELLED');

    const cancelledAt = Date.now();
    const cancelRunning = await t.app.inject({
      method: 'POST',
      url: `/v1/jobs/${first.job.id}/cancel`,
      headers: t.admin,
    });
    assert.equal(cancelRunning.statusCode, 202);
    // The thread is free again within 2 s: a new small job runs on it while `second` still runs.
    const after = await submitText(t, 'runs on the freed thread');
    const afterDone = await waitForJob(t, after.job.id, undefined, 5_000);
    assert.equal(afterDone.status, 'succeeded');
    assert.ok(Date.now() - cancelledAt < 2_000 + 1_000, 'the cancelled extraction stopped quickly');
    assert.equal((await getJob(t, second.job.id)).status, 'running', 'the other job was untouched');
    const cancelled = await getJob(t, first.job.id);
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(cancelled.error?.code, 'CANCELLED');
    assert.equal((await getDocument(t, first.document.id)).status, 'failed');

    const again = await t.app.inject({
      method: 'POST',
      url: `/v1/jobs/${first.job.id}/cancel`,
      headers: t.admin,
    });
    assert.equal(again.statusCode, 202, 'cancelling a cancelled job is idempotent');

    const retried = await t.app.inject({
      method: 'POST',
      url: `/v1/jobs/${waiting.job.id}/retry`,
      headers: t.admin,
    });
    assert.equal(retried.statusCode, 202, retried.body);
    assert.equal((await waitForJob(t, waiting.job.id)).status, 'succeeded');
    assert.equal((await getDocument(t, waiting.document.id)).status, 'ready');

    const done = await t.app.inject({
      method: 'POST',
      url: `/v1/jobs/${waiting.job.id}/cancel`,
      headers: t.admin,
    });
    assertProblem(done, 409, 'CONFLICT');
    await waitForJob(t, second.job.id);
  });

  it('streams job events (SSE) until the job settles', async () => {
    const { job } = await submitText(t, 'QUIRE-FAULT:slow 600 3\nwatched');
    const response = await t.app.inject({ url: `/v1/jobs/${job.id}/events`, headers: t.admin });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/event-stream/);
    const events = response.body
      .split('\n\n')
      .filter((frame) => frame.startsWith('event:'))
      .map((frame) => ({
        event: /^event: (\w+)/.exec(frame)?.[1],
        data: JSON.parse(/\ndata: (.*)/.exec(frame)?.[1] ?? '{}') as {
          status: string;
          progress: { done: number };
        },
      }));
    assert.ok(events.length >= 2, response.body);
    assert.equal(events.at(-1)?.event, 'succeeded');
    assert.ok(events.slice(0, -1).every((e) => e.event === 'progress'));
    assert.ok(
      events.some((e) => e.data.progress.done > 0),
      'progress was reported',
    );
  });

  it('reprocesses a document: a new job, 409 while one is active', async () => {
    const { document, job } = await submitText(t, 'Reprocess me, please.');
    await waitForJob(t, job.id);
    const first = await t.app.inject({
      method: 'POST',
      url: `/v1/documents/${document.id}/reprocess`,
      headers: t.admin,
    });
    assert.equal(first.statusCode, 202, first.body);
    const second = await t.app.inject({
      method: 'POST',
      url: `/v1/documents/${document.id}/reprocess`,
      headers: t.admin,
      payload: {},
    });
    // Either the first job is still active (409) or it already finished (a second job, 202).
    if (second.statusCode === 409) assertProblem(second, 409, 'CONFLICT');
    else assert.equal(second.statusCode, 202);
    const newJob = first.json().job as { id: string };
    assert.equal((await waitForJob(t, newJob.id)).status, 'succeeded');
    const bad = await t.app.inject({
      method: 'POST',
      url: `/v1/documents/${document.id}/reprocess`,
      headers: t.admin,
      payload: { password: 42 },
    });
    assertProblem(bad, 400, 'VALIDATION_FAILED');
  });

  it('lists jobs with filters and pages; another tenant’s job is 404 and unlisted', async () => {
    const { document, job } = await submitText(t, 'Listed.');
    await waitForJob(t, job.id);
    const byDocument = await t.app.inject({
      url: `/v1/jobs?document_id=${document.id}`,
      headers: t.admin,
    });
    assert.deepEqual(
      (byDocument.json() as { data: { id: string }[] }).data.map((j) => j.id),
      [job.id],
    );
    const page = await t.app.inject({ url: '/v1/jobs?limit=1', headers: t.admin });
    const body = page.json() as { data: unknown[]; next_cursor: string | null };
    assert.equal(body.data.length, 1);
    assert.ok(body.next_cursor);
    const next = await t.app.inject({
      url: `/v1/jobs?limit=1&cursor=${body.next_cursor}`,
      headers: t.admin,
    });
    assert.equal(next.statusCode, 200);
    assertProblem(
      await t.app.inject({ url: '/v1/jobs?status=nope', headers: t.admin }),
      400,
      'VALIDATION_FAILED',
    );

    const other = await createApiKey(t, {
      name: 'other',
      tenant_id: 'other',
      scopes: ['documents:read', 'documents:write'],
    });
    const headers = { authorization: `Bearer ${other.key}` };
    assertProblem(await t.app.inject({ url: `/v1/jobs/${job.id}`, headers }), 404, 'NOT_FOUND');
    assertProblem(
      await t.app.inject({ method: 'POST', url: `/v1/jobs/${job.id}/cancel`, headers }),
      404,
      'NOT_FOUND',
    );
    assertProblem(
      await t.app.inject({ url: `/v1/jobs/${job.id}/events`, headers }),
      404,
      'NOT_FOUND',
    );
    const theirs = await t.app.inject({ url: '/v1/jobs', headers });
    assert.deepEqual((theirs.json() as { data: unknown[] }).data, []);
    const readOnly = await createApiKey(t, { name: 'ro', scopes: ['documents:read'] });
    assertProblem(
      await t.app.inject({
        method: 'POST',
        url: `/v1/jobs/${job.id}/retry`,
        headers: { authorization: `Bearer ${readOnly.key}` },
      }),
      403,
      'FORBIDDEN',
    );
  });

  it('an encrypted PDF fails DOCUMENT_ENCRYPTED at once (not retried); reprocess with the password makes it ready', async () => {
    const dir = tempDir();
    const upload = async (password?: string) => {
      const form = multipart([
        ...(password === undefined ? [] : [{ name: 'password', value: password }]),
        {
          name: 'file',
          value: readFileSync(await writeEncryptedPdf(dir, 'open-sesame')),
          filename: 'locked.pdf',
        },
      ]);
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/documents?dedupe=false',
        headers: { ...t.admin, ...form.headers },
        payload: form.payload,
      });
      assert.equal(response.statusCode, 202, response.body);
      return response.json() as { document: { id: string }; job: { id: string } };
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
    const done = await waitForJob(t, small.job.id, undefined, 2_500);
    assert.equal(done.status, 'succeeded');
    const states = await Promise.all(large.map(({ job }) => getJob(t, job.id)));
    assert.equal(
      states.filter((job) => job.status === 'running').length,
      1,
      'large jobs take one thread, never both',
    );
    for (const { job } of large) await waitForJob(t, job.id);
  });
});
