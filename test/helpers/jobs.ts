/** Submitting documents and waiting for their jobs, through HTTP as a client would. */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestApp } from './app.js';
import { multipart } from './multipart.js';

export interface JobBody {
  id: string;
  type: string;
  status: string;
  document_id: string | null;
  attempts: number;
  max_attempts: number;
  progress: { done: number; total: number; unit: string };
  error?: { code: string; message: string; retryable: boolean };
  created_at: string;
  started_at?: string;
  finished_at?: string;
}

export interface DocumentBody {
  id: string;
  status: string;
  page_count: number | null;
  extracted: Record<string, unknown>;
  error?: { code: string; message: string };
}

const SETTLED = new Set(['succeeded', 'failed', 'cancelled', 'dead']);

/** Creates a document from text (JSON body); returns the 202 body. */
export async function submitText(
  t: TestApp,
  text: string,
  filename = 'note.txt',
  headers: Record<string, string> = t.admin,
): Promise<{ document: DocumentBody; job: JobBody }> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/v1/documents?dedupe=false',
    headers,
    payload: { text, filename },
  });
  assert.equal(response.statusCode, 202, response.body);
  return response.json();
}

/** Uploads a file as multipart (`file`, plus any form fields); returns the 202 body. */
export async function submitFile(
  t: TestApp,
  bytes: Buffer,
  filename: string,
  fields: { name: string; value: string }[] = [],
): Promise<{ document: DocumentBody; job: JobBody }> {
  const form = multipart([...fields, { name: 'file', value: bytes, filename }]);
  const response = await t.app.inject({
    method: 'POST',
    url: '/v1/documents?dedupe=false',
    headers: { ...t.admin, ...form.headers },
    payload: form.payload,
  });
  assert.equal(response.statusCode, 202, response.body);
  return response.json();
}

export async function getJob(
  t: TestApp,
  id: string,
  headers: Record<string, string> = t.admin,
): Promise<JobBody> {
  const response = await t.app.inject({ url: `/v1/jobs/${id}`, headers });
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
}

/** The document's view (200 asserted); `T` for a test that reads fields beyond DocumentBody's. */
export async function getDocument<T = DocumentBody>(t: TestApp, id: string): Promise<T> {
  const response = await t.app.inject({ url: `/v1/documents/${id}`, headers: t.admin });
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
}

/** Polls the job until `until` holds (default: it has settled). */
export async function waitForJob(
  t: TestApp,
  id: string,
  until: (job: JobBody) => boolean = (job) => SETTLED.has(job.status),
  timeoutMs = 20_000,
): Promise<JobBody> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await getJob(t, id);
    if (until(job)) return job;
    if (Date.now() > deadline)
      assert.fail(`job ${id} did not reach the expected state; last: ${JSON.stringify(job)}`);
    await sleep(25);
  }
}

/** Waits until /readyz says ready: the warm extraction threads have started and warmed up. */
export async function waitReady(t: TestApp): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ready = await t.app.inject({ url: '/readyz' });
    if (ready.statusCode === 200) return;
    if (Date.now() > deadline) assert.fail(`not ready: ${ready.body}`);
    await sleep(50);
  }
}
