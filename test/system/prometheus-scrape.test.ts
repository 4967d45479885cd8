/**
 * A real Prometheus (Debian's `prometheus`, on its own port, config and storage directory, scraping
 * every second) scrapes a real Quire process that has done some work — a document extracted, a
 * corrupt one failed, a webhook delivered. Through Prometheus's HTTP API: every dashboard query
 * parses, and every series the dashboard uses exists.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { onCleanup, tempDir, TEST_ADMIN_KEY } from '../helpers/app.js';
import { api, startReceiver, waitForJob } from '../helpers/job-processes.js';
import { multipart } from '../helpers/multipart.js';
import { dashboardQueries, metricNames, requireBinary } from '../helpers/observability-files.js';
import { spawnServer, type SpawnedServer } from '../helpers/process.js';

interface PromAnswer<T> {
  status: 'success' | 'error';
  data: T;
  error?: string;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}

/** Starts Prometheus scraping `target` (host:port) every second; its base URL. */
async function startPrometheus(target: string): Promise<string> {
  const dir = tempDir('quire-prometheus-');
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: quire',
      '    metrics_path: /metrics',
      '    static_configs:',
      `      - targets: ['${target}']`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const child = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  onCleanup(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ready = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2000) }).catch(
      () => null,
    );
    if (ready?.status === 200) return url;
    if (child.exitCode !== null || Date.now() > deadline)
      assert.fail(`prometheus did not become ready; stderr: ${stderr}`);
    await sleep(200);
  }
}

async function prom<T>(
  base: string,
  path: string,
  params: Record<string, string>,
): Promise<PromAnswer<T>> {
  const response = await fetch(`${base}${path}?${new URLSearchParams(params)}`, {
    signal: AbortSignal.timeout(10_000),
  });
  return (await response.json()) as PromAnswer<T>;
}

/** Names of series Prometheus holds among `names` (one series query each). */
async function present(base: string, names: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const name of names) {
    const answer = await prom<unknown[]>(base, '/api/v1/series', {
      'match[]': `{__name__="${name}"}`,
      start: String(Date.now() / 1000 - 600),
    });
    assert.equal(answer.status, 'success', answer.error);
    if (answer.data.length > 0) found.add(name);
  }
  return found;
}

async function upload(
  server: SpawnedServer,
  filename: string,
  bytes: Buffer,
): Promise<{ document: { id: string }; job: { id: string } }> {
  const form = multipart([{ name: 'file', value: bytes, filename }]);
  const response = await fetch(`${server.url}/v1/documents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, ...form.headers },
    body: form.payload,
    signal: AbortSignal.timeout(10_000),
  });
  assert.equal(response.status, 202, await response.clone().text());
  return (await response.json()) as { document: { id: string }; job: { id: string } };
}

describe('a real Prometheus scrapes a real Quire', { timeout: 240_000 }, () => {
  it('every dashboard query parses, and every series it uses exists', async () => {
    requireBinary('prometheus');
    const receiver = await startReceiver();
    onCleanup(() => receiver.close());
    const quire = await spawnServer(
      'src/cli.ts',
      {
        QUIRE_DATA_DIR: tempDir(),
        QUIRE_BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY,
        QUIRE_MAX_EVENT_LOOP_DELAY_MS: '0',
        QUIRE_WORKER_POLL_MS: '50',
        QUIRE_FETCH_ALLOW_HOSTS: receiver.host,
      },
      90_000,
    );
    // Work that makes every labelled series appear: an extraction, a failed job, a webhook, a
    // refused key.
    const refused = await fetch(`${quire.url}/v1/documents`, {
      headers: { authorization: 'Bearer qk_not-a-key' },
      signal: AbortSignal.timeout(10_000),
    });
    assert.equal(refused.status, 401);
    await api(quire, '/v1/webhooks', { url: receiver.url, events: ['document.ready'] });
    const good = await upload(quire, 'notes.txt', Buffer.from('Words for Prometheus to count.'));
    const bad = await upload(quire, 'broken.pdf', Buffer.from('%PDF-1.7\nnot a pdf\n'));
    await waitForJob(quire, good.job.id, (job) => job.status === 'succeeded');
    await waitForJob(quire, bad.job.id, (job) => job.status === 'failed');
    await receiver.waitFor(good.document.id);

    const prometheus = await startPrometheus(new URL(quire.url).host);
    const queries = dashboardQueries('1m');
    const wanted = [...new Set(queries.flatMap(({ expr }) => metricNames(expr)))].sort();
    // A few scrapes after the work: every series is there, or the deadline names the missing.
    let found = new Set<string>();
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      found = await present(prometheus, wanted);
      if (found.size === wanted.length) break;
      await sleep(1000);
    }
    assert.deepEqual(
      wanted.filter((name) => !found.has(name)),
      [],
      'series the dashboard queries that Prometheus does not hold',
    );
    const up = await prom<{ result: { value: [number, string] }[] }>(prometheus, '/api/v1/query', {
      query: 'up{job="quire"}',
    });
    assert.equal(up.data.result[0]?.value[1], '1', 'Prometheus scrapes Quire');

    // Every query parses in this Prometheus and evaluates without error.
    const failures: string[] = [];
    for (const { panel, expr } of queries) {
      const answer = await prom<unknown>(prometheus, '/api/v1/query', { query: expr });
      if (answer.status !== 'success') failures.push(`${panel}: ${answer.error ?? 'error'}`);
    }
    assert.deepEqual(failures, [], 'dashboard queries Prometheus rejects');
  });
});
