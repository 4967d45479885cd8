/**
 * Talking to Quire processes spawned by the scale-out and crash tests: JSON calls with the test
 * admin key, waiting on a job, reading a job's row and which process holds its lease, a
 * document.ready webhook receiver, and a new database on a PostgreSQL server.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { TEST_ADMIN_KEY } from './app.js';
import type { SpawnedServer } from './process.js';

const headers = { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' };

export interface Job {
  id: string;
  status: string;
  attempts: number;
  progress: { done: number };
}

export async function api<T>(server: SpawnedServer, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${server.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  assert.ok(response.status < 300, `${path}: ${response.status} ${await response.clone().text()}`);
  return (await response.json()) as T;
}

export async function waitForJob(
  server: SpawnedServer,
  jobId: string,
  until: (job: Job) => boolean,
): Promise<Job> {
  const deadline = Date.now() + 45_000;
  for (;;) {
    const job = await api<Job>(server, `/v1/jobs/${jobId}`);
    if (until(job)) return job;
    if (Date.now() > deadline) assert.fail(`job ${jobId} stuck at ${JSON.stringify(job)}`);
    await sleep(50);
  }
}

export function words(count: number): string {
  return Array.from({ length: count }, (_, i) => `word${i}${i % 12 === 11 ? '.' : ''}`).join(' ');
}

/** A new database on the server of `serverUrl`; its URL. */
export async function freshDatabase(serverUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export interface JobRow {
  status: string;
  attempts: number;
  lease_owner: string | null;
}

export async function jobRow(client: pg.Client, id: string): Promise<JobRow> {
  const result = await client.query<JobRow>(
    'select status, attempts, lease_owner from jobs where id = $1',
    [id],
  );
  const row = result.rows[0];
  assert.ok(row !== undefined, `job ${id} not found`);
  return row;
}

/** The process holding a job's lease: owners are `<host>:<pid>:<random>`. */
export function leaseHolderPid(row: JobRow): number | undefined {
  const parts = row.lease_owner?.split(':') ?? [];
  return parts.length >= 3 ? Number(parts[parts.length - 2]) : undefined;
}

/**
 * SIGKILLs the worker holding `jobId`'s lease and waits until another of `workers` holds it,
 * running; the time from the kill, in ms (fails past `giveUpMs`).
 */
export async function killHolderUntilTakenOver(
  client: pg.Client,
  jobId: string,
  workers: SpawnedServer[],
  giveUpMs: number,
): Promise<number> {
  const holder = leaseHolderPid(await jobRow(client, jobId));
  const victim = workers.find((worker) => worker.child.pid === holder);
  const survivor = workers.find((worker) => worker !== victim);
  assert.ok(victim !== undefined && survivor !== undefined, `held by pid ${holder}`);
  const killedAt = performance.now();
  victim.child.kill('SIGKILL');
  assert.equal(await victim.exited, 'SIGKILL');
  let row = await jobRow(client, jobId);
  while (!(row.status === 'running' && leaseHolderPid(row) === survivor.child.pid)) {
    assert.ok(performance.now() - killedAt < giveUpMs, `not taken over: ${JSON.stringify(row)}`);
    await sleep(25);
    row = await jobRow(client, jobId);
  }
  return performance.now() - killedAt;
}

/** A webhook receiver on 127.0.0.1 that answers 200 and counts document.ready events. */
export async function startReceiver(): Promise<{
  url: string;
  host: string;
  readyEvents(documentId: string): number;
  waitFor(documentId: string): Promise<void>;
  close(): Promise<void>;
}> {
  const bodies: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      bodies.push(body);
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  const host = `127.0.0.1:${address.port}`;
  const readyEvents = (documentId: string): number =>
    bodies.filter((body) => {
      const event = JSON.parse(body) as { type: string };
      return event.type === 'document.ready' && body.includes(documentId);
    }).length;
  return {
    url: `http://${host}/hook`,
    host,
    readyEvents,
    async waitFor(documentId) {
      const deadline = Date.now() + 20_000;
      while (readyEvents(documentId) === 0) {
        assert.ok(Date.now() < deadline, `no document.ready webhook for ${documentId}`);
        await sleep(50);
      }
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
