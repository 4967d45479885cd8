/**
 * Readiness waits for the extraction threads a process that runs jobs warms at start (issue 13:
 * a document sent the moment /readyz answered waited behind the warm-up): through HTTP, with the
 * real extraction worker whose warm-up the test holds until it opens a gate file.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { buildTestApp, tempDir, type TestApp } from '../../../helpers/app.js';
import { waitForJob } from '../../../helpers/jobs.js';

const GATED_WORKER = fileURLToPath(
  new URL('../../../fixtures/gated-warm-up-worker.ts', import.meta.url),
);

interface Readiness {
  status: string;
  checks: Record<string, { status: string; error?: string }>;
}

async function readiness(t: TestApp, path = '/readyz'): Promise<[number, Readiness]> {
  const response = await t.app.inject({ method: 'GET', url: path, headers: t.admin });
  return [response.statusCode, response.json() as Readiness];
}

/** A gate file path of its own, handed to the threads this test's app starts. */
function closedGate(): string {
  const gate = join(tempDir(), 'open');
  process.env.QUIRE_TEST_WARM_GATE = gate;
  return gate;
}

async function readyWithin(t: TestApp, ms: number): Promise<Readiness> {
  const deadline = Date.now() + ms;
  for (;;) {
    const [status, body] = await readiness(t);
    if (status === 200) return body;
    if (Date.now() > deadline) assert.fail(`/readyz still ${status}: ${JSON.stringify(body)}`);
    await sleep(25);
  }
}

describe('readiness and the extraction warm-up', { timeout: 120_000 }, () => {
  it('is 503 naming extraction_warm_up until the start-up thread is warm, then 200', async () => {
    const gate = closedGate();
    const t = await buildTestApp(
      { QUIRE_EXTRACTION_WARM_THREADS: '1' },
      { extractionWorkerFile: GATED_WORKER },
    );
    // Held for a while: still not ready (not merely slow to become ready).
    await sleep(500);
    const [status, body] = await readiness(t);
    assert.equal(status, 503, JSON.stringify(body));
    assert.equal(body.checks.extraction_warm_up?.status, 'fail');
    assert.equal(body.checks.database?.status, 'ok');
    const [, health] = await readiness(t, '/health');
    // The thread's warm-up, then the main thread's document warm-up (document-warm-up.ts).
    assert.match(
      health.checks.extraction_warm_up?.error ?? '',
      /0 of 1 extraction threads warm; document path not yet/,
    );

    writeFileSync(gate, '');
    const ready = await readyWithin(t, 60_000);
    assert.equal(ready.checks.extraction_warm_up?.status, 'ok');
    assert.ok(
      t.logs.some((line) => line.msg === 'extraction thread warm'),
      'ready only once the thread said it is warm',
    );
    const documentWarm = t.logs.find((line) => line.msg === 'document path warm');
    assert.ok(documentWarm, 'ready only once the main thread has warmed the document path');
    assert.ok(Number(documentWarm.passages) > 0);
  });

  it('stays ready while idle threads are replaced by fresh ones warming up', async () => {
    const gate = closedGate();
    writeFileSync(gate, '');
    const t = await buildTestApp(
      { QUIRE_EXTRACTION_WARM_THREADS: '1', QUIRE_EXTRACTION_IDLE_RECYCLE_MS: '200' },
      { extractionWorkerFile: GATED_WORKER },
    );
    await readyWithin(t, 60_000);
    const warmed = (): number => t.logs.filter((l) => l.msg === 'extraction thread warm').length;
    const before = warmed();
    // Shut again: the fresh thread that replaces the one a document ran on cannot warm up.
    rmSync(gate);
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/documents',
      headers: t.admin,
      payload: { text: 'a document, so the thread has run one and is recycled when idle' },
    });
    assert.equal(created.statusCode, 202, created.body);
    const { job } = created.json() as { job: { id: string } };
    assert.equal((await waitForJob(t, job.id)).status, 'succeeded');
    await sleep(1_500); // idle for longer than the recycle setting: the replacement is warming
    assert.equal(warmed(), before, 'the replacement thread is held in its warm-up');
    const [status, body] = await readiness(t);
    assert.equal(status, 200, JSON.stringify(body));
    writeFileSync(gate, '');
  });

  it('an API-only process has no such check', async () => {
    const t = await buildTestApp({ QUIRE_ROLE: 'api', QUIRE_EXTRACTION_WARM_THREADS: '1' });
    const [status, body] = await readiness(t);
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.checks.extraction_warm_up, undefined);
  });
});
