/**
 * Extraction threads at start and after work, through real processes: `quire start` has its warm
 * extraction thread started and warmed up (log line, `extraction_threads` on /metrics) before any
 * job exists; after documents, once idle, the threads that ran them are replaced by a fresh warm
 * one, and threads beyond the warm minimum are gone; without a semantic model onnxruntime is not
 * loaded. An API-only process starts no extraction thread.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TEST_ADMIN_KEY } from '../helpers/app.js';
import { spawnServer, type SpawnedServer } from '../helpers/process.js';

const CLI = 'src/cli.ts';
const AUTH = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
/** The process compiles the app and the thread its modules under tsx: allow a busy machine. */
const START_TIMEOUT_MS = 120_000;

async function threadGauge(server: SpawnedServer): Promise<{ alive: number; warm: number }> {
  const response = await fetch(`${server.url}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  const value = (state: string): number => {
    const match = new RegExp(`^extraction_threads\\{state="${state}"\\} (\\d+)$`, 'm').exec(text);
    assert.ok(match, `extraction_threads{state="${state}"} missing from /metrics`);
    return Number(match[1]);
  };
  return { alive: value('alive'), warm: value('warm') };
}

async function upload(server: SpawnedServer, name: string, text: string): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([text], { type: 'text/plain' }), name);
  const response = await fetch(`${server.url}/v1/documents?dedupe=false`, {
    method: 'POST',
    headers: AUTH,
    body: form,
  });
  assert.equal(response.status, 202, await response.clone().text());
  const { job } = (await response.json()) as { job: { id: string } };
  return job.id;
}

async function succeeded(server: SpawnedServer, jobId: string): Promise<void> {
  for (;;) {
    const response = await fetch(`${server.url}/v1/jobs/${jobId}`, { headers: AUTH });
    const job = (await response.json()) as { status: string };
    if (job.status === 'succeeded') return;
    assert.ok(['queued', 'running'].includes(job.status), `job ${jobId} ${job.status}`);
    await sleep(50);
  }
}

/** Polls the gauge until `wanted` holds (the test's timeout bounds the wait). */
async function threadsUntil(
  server: SpawnedServer,
  wanted: (counts: { alive: number; warm: number }) => boolean,
): Promise<{ alive: number; warm: number }> {
  for (;;) {
    const counts = await threadGauge(server);
    if (wanted(counts)) return counts;
    await sleep(100);
  }
}

const warmLine = (line: { msg?: unknown }): boolean => line.msg === 'extraction thread warm';

describe('extraction threads at start and after work', { timeout: 240_000 }, () => {
  it('quire start warms its extraction thread before any job; idle threads are replaced or released', async () => {
    const server = await spawnServer(
      CLI,
      {
        QUIRE_BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY,
        QUIRE_EXTRACTION_WORKERS: '2',
        QUIRE_EXTRACTION_WARM_THREADS: '1',
        QUIRE_EXTRACTION_IDLE_RECYCLE_MS: '500',
      },
      START_TIMEOUT_MS,
    );
    const first = await server.waitForLog(warmLine, START_TIMEOUT_MS);
    assert.equal(first.error, undefined, 'the warm-up failed');
    const jobs = await fetch(`${server.url}/v1/jobs`, { headers: AUTH });
    assert.deepEqual(((await jobs.json()) as { data: unknown[] }).data, [], 'no job ran yet');
    assert.deepEqual(await threadGauge(server), { alive: 1, warm: 1 });
    // No semantic model is configured: onnxruntime's native library is not mapped into the process.
    const maps = await readFile(`/proc/${server.child.pid}/maps`, 'utf8');
    assert.doesNotMatch(maps, /onnxruntime/);

    // Two documents at once: the second thread starts on demand.
    const ids = await Promise.all([
      upload(server, 'a.txt', 'first document '.repeat(200)),
      upload(server, 'b.txt', 'second document '.repeat(200)),
    ]);
    await Promise.all(ids.map((id) => succeeded(server, id)));

    // Idle: the threads that ran documents go, one fresh warm thread (a new id) is left.
    const used = new Set(server.logs.filter(warmLine).map((line) => line.thread_id));
    const fresh = await server.waitForLog(
      (line) => warmLine(line) && !used.has(line.thread_id),
      60_000,
    );
    assert.equal(fresh.error, undefined);
    assert.deepEqual(await threadsUntil(server, ({ alive }) => alive === 1), { alive: 1, warm: 1 });
  });

  it('an API-only process starts no extraction thread', async () => {
    const server = await spawnServer(
      CLI,
      { QUIRE_BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY, QUIRE_ROLE: 'api' },
      START_TIMEOUT_MS,
    );
    assert.deepEqual(await threadGauge(server), { alive: 0, warm: 0 });
    assert.equal(server.logs.filter(warmLine).length, 0);
  });
});
