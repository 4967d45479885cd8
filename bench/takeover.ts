/**
 * `npm run bench:takeover`: how soon a worker killed with SIGKILL mid-job has its job taken over
 * by another worker, with the default lease (QUIRE_JOB_LEASE_MS), heartbeat, sweep and poll, in
 * both scale-out queue modes:
 *
 *   - bullmq: BullMQ on a Redis this script starts (`redis-server` on BENCH_REDIS_PORT, default
 *     28310, below the ephemeral range; no persistence) + PostgreSQL;
 *   - sql: the SQL queue on PostgreSQL alone (no Redis).
 *
 * PostgreSQL is BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), in a fresh
 * schema per mode, dropped at the end. Each mode runs one API process and two worker processes
 * (`QUIRE_ROLE=api|worker`, one extraction thread each) of the real server with the test fixture's
 * fault-injecting extraction thread (test/fixtures/fault-server.ts), so a job runs as long as the
 * bench says (`QUIRE-FAULT:slow`). BENCH_KILLS times (default 5) per mode: a document is uploaded,
 * and once its job reports progress the worker holding its lease (the pid in the job row's
 * `lease_owner`) is killed with SIGKILL; then the job row is read every 20 ms.
 *
 *   - takeover = kill → the row `running` under the other worker's lease;
 *   - ready = kill → the job `succeeded` (the second attempt runs the 2 s job again).
 *
 * The killed worker is started again before the next kill. Every job must end `succeeded` after
 * exactly 2 attempts (an error otherwise). Target (PASS/FAIL, a miss does not fail the process):
 * the slowest takeover ≤ 10 s in each mode. Results: bench/results/takeover-<timestamp>.json and
 * takeover-latest.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import { isRunning, killChildrenOnExit, stopChild, waitForExit } from './lib/children.js';
import {
  checkTarget,
  environmentReport,
  integerFromEnv,
  loadAverageLine,
  packageVersion,
  printTable,
  printTargets,
  ROOT,
  round,
  writeResults,
} from './lib/report.js';

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_PORT = integerFromEnv('BENCH_REDIS_PORT', 28310, 1024, 65535);
const KILLS = integerFromEnv('BENCH_KILLS', 5, 1, 100);
const ADMIN_KEY = 'qk_bench-takeover-admin-key-0000000000000000';
const TARGET_MS = 10_000;
const JOB_RUN_MS = 2_000;
const STEP_TIMEOUT_MS = 60_000;

type Mode = 'bullmq' | 'sql';

interface Server {
  child: ChildProcess;
  url: string;
}

interface Kill {
  takeoverMs: number;
  readyMs: number;
  attempts: number;
}

/** Spawns the fault server (the real server, fault-injecting extraction thread); its URL. */
async function startServer(env: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/fault-server.ts'], {
    cwd: ROOT,
    env: { ...process.env, QUIRE_HOST: '127.0.0.1', QUIRE_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  trackChild(child);
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('a server did not listen')), STEP_TIMEOUT_MS);
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'quire listening' && entry.url !== undefined) {
          clearTimeout(timer);
          resolve(entry.url);
        }
      } catch {
        // not a log line
      }
    });
    child.once('exit', () => reject(new Error('a server exited before it listened')));
  });
  return { child, url };
}

/** Every process this script started, killed on the way out whatever the way out is. */
const children = new Set<ChildProcess>();
function trackChild(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
}
process.on('exit', () => {
  for (const child of children) if (isRunning(child)) child.kill('SIGKILL');
});

async function api<T>(server: Server, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${server.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  if (response.status >= 300)
    throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

interface JobRow {
  status: string;
  attempts: number;
  lease_owner: string | null;
}

async function jobRow(client: pg.Client, id: string): Promise<JobRow> {
  const { rows } = await client.query<JobRow>(
    'select status, attempts, lease_owner from jobs where id = $1',
    [id],
  );
  if (rows[0] === undefined) throw new Error(`job ${id} not found`);
  return rows[0];
}

/** The pid in a lease owner (`<host>:<pid>:<random>`). */
function holderPid(row: JobRow): number | undefined {
  const parts = row.lease_owner?.split(':') ?? [];
  return parts.length >= 3 ? Number(parts[parts.length - 2]) : undefined;
}

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string) {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}; last: ${JSON.stringify(value)}`);
    await sleep(20);
  }
}

/** One kill: upload, wait for progress, SIGKILL the holder, time the takeover and the result. */
async function killOnce(apiServer: Server, workers: Server[], client: pg.Client): Promise<Kill> {
  const words = Array.from({ length: 300 }, (_, i) => `word${i}`).join(' ');
  const created = await api<{ job: { id: string } }>(apiServer, '/v1/documents?dedupe=false', {
    text: `QUIRE-FAULT:slow ${JOB_RUN_MS} 20\n${words} ${randomBytes(8).toString('hex')}`,
  });
  const jobId = created.job.id;
  await until(
    () => api<{ status: string; progress: { done: number } }>(apiServer, `/v1/jobs/${jobId}`),
    (job) => job.status === 'running' && job.progress.done > 0,
    `job ${jobId} never ran`,
  );
  const holder = holderPid(await jobRow(client, jobId));
  const victim = workers.find((worker) => worker.child.pid === holder);
  const survivor = workers.find((worker) => worker !== victim);
  if (victim === undefined || survivor === undefined) throw new Error(`held by pid ${holder}`);
  const killedAt = performance.now();
  victim.child.kill('SIGKILL');
  await until(
    () => jobRow(client, jobId),
    (row) => row.status === 'running' && holderPid(row) === survivor.child.pid,
    `job ${jobId} not taken over`,
  );
  const takeoverMs = performance.now() - killedAt;
  const settled = await until(
    () => jobRow(client, jobId),
    (row) => row.status !== 'running' && row.status !== 'queued',
    `job ${jobId} not settled`,
  );
  const readyMs = performance.now() - killedAt;
  if (settled.status !== 'succeeded' || settled.attempts !== 2)
    throw new Error(`job ${jobId} ended ${settled.status} after ${settled.attempts} attempts`);
  return { takeoverMs, readyMs, attempts: settled.attempts };
}

async function startRedis(): Promise<ChildProcess> {
  const dir = mkdtempSync(join(os.tmpdir(), 'quire-bench-redis-'));
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(REDIS_PORT),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
    ],
    { stdio: 'ignore' },
  );
  trackChild(child);
  child.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  // Refused until it listens: the client reconnects every 50 ms and each PING fails with the
  // attempt it waited for. (connect() again after a refused one rejects for good with "already
  // connecting", so a server slower than the first attempt was never seen.)
  const redis = new Redis(REDIS_PORT, '127.0.0.1', {
    maxRetriesPerRequest: 0,
    retryStrategy: () => 50,
  });
  redis.on('error', () => undefined);
  await until(
    () => redis.ping().catch(() => 'down'),
    (answer) => answer === 'PONG',
    `redis-server did not start on port ${REDIS_PORT}`,
  );
  redis.disconnect();
  return child;
}

async function runMode(mode: Mode, redisUrl: string | undefined): Promise<Kill[]> {
  const schema = `quire_bench_takeover_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  const url = new URL(DATABASE_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const dataDir = mkdtempSync(join(os.tmpdir(), 'quire-bench-takeover-'));
  const env: Record<string, string> = {
    QUIRE_DATA_DIR: dataDir,
    QUIRE_DATABASE_URL: url.toString(),
    ...(redisUrl === undefined ? {} : { QUIRE_REDIS_URL: redisUrl }),
    QUIRE_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
    QUIRE_EXTRACTION_WORKERS: '1',
    QUIRE_LOG_LEVEL: 'info',
    QUIRE_MAX_EVENT_LOOP_DELAY_MS: '0',
  };
  const client = new pg.Client({ connectionString: url.toString() });
  const servers: Server[] = [];
  try {
    const apiServer = await startServer({ ...env, QUIRE_ROLE: 'api' });
    servers.push(apiServer);
    const workers = await Promise.all(
      [1, 2].map(() => startServer({ ...env, QUIRE_ROLE: 'worker' })),
    );
    servers.push(...workers);
    await client.connect();
    const kills: Kill[] = [];
    for (let i = 0; i < KILLS; i++) {
      const kill = await killOnce(apiServer, workers, client);
      kills.push(kill);
      console.log(
        `${mode} kill ${i + 1}/${KILLS}: takeover ${(kill.takeoverMs / 1000).toFixed(2)} s, ` +
          `succeeded ${(kill.readyMs / 1000).toFixed(2)} s after the kill`,
      );
      const dead = workers.findIndex((worker) => !isRunning(worker.child));
      if (dead >= 0) {
        const fresh = await startServer({ ...env, QUIRE_ROLE: 'worker' });
        workers[dead] = fresh;
        servers.push(fresh);
      }
    }
    return kills;
  } finally {
    await Promise.all(servers.map((server) => stopChild(server.child, 'bench:takeover')));
    await client.end().catch(() => undefined);
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function stats(values: number[]): { min: number; median: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1
      ? (sorted[mid] ?? NaN)
      : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
  return { min: sorted[0] ?? NaN, median, max: sorted[sorted.length - 1] ?? NaN };
}

async function main(): Promise<void> {
  killChildrenOnExit('bench:takeover');
  const startedAt = new Date();
  const loadAverageAtStart = os.loadavg();
  console.log(loadAverageLine(loadAverageAtStart));
  console.log(`${KILLS} kills per mode, default lease; a ${JOB_RUN_MS / 1000} s job\n`);
  const redis = await startRedis();
  const results: Record<Mode, Kill[]> = {
    bullmq: await runMode('bullmq', `redis://127.0.0.1:${REDIS_PORT}`),
    sql: await runMode('sql', undefined),
  };
  redis.kill('SIGKILL');
  await waitForExit(redis, 5_000);

  const seconds = (ms: number): string => (ms / 1000).toFixed(2);
  const rows = (Object.keys(results) as Mode[]).map((mode) => {
    const takeover = stats(results[mode].map((kill) => kill.takeoverMs));
    const ready = stats(results[mode].map((kill) => kill.readyMs));
    return { mode, kills: results[mode].length, takeover, ready };
  });
  console.log('');
  printTable(
    ['mode', 'kills', 'takeover min s', 'median s', 'max s', 'succeeded median s'],
    rows.map((row) => [
      row.mode === 'bullmq' ? 'BullMQ + PostgreSQL' : 'SQL queue, PostgreSQL',
      String(row.kills),
      seconds(row.takeover.min),
      seconds(row.takeover.median),
      seconds(row.takeover.max),
      seconds(row.ready.median),
    ]),
  );
  const targets = rows.map((row) =>
    checkTarget(
      `${row.mode}: slowest takeover ≤ ${TARGET_MS / 1000} s`,
      round(row.takeover.max / 1000, 2),
      `≤ ${TARGET_MS / 1000} s`,
      (value) => value * 1000 <= TARGET_MS,
      true,
    ),
  );
  console.log('');
  printTargets(targets);
  writeResults('takeover', startedAt, {
    startedAt: startedAt.toISOString(),
    environment: environmentReport(loadAverageAtStart, {
      bullmq: packageVersion('bullmq'),
      pg: packageVersion('pg'),
    }),
    settings: {
      server: 'node --import tsx test/fixtures/fault-server.ts, 1 API + 2 workers per mode',
      lease: 'QUIRE_JOB_LEASE_MS default',
      kills: KILLS,
      jobRunMs: JOB_RUN_MS,
    },
    modes: rows.map((row) => ({
      mode: row.mode,
      kills: results[row.mode].map((kill) => ({
        takeoverMs: round(kill.takeoverMs, 1),
        readyMs: round(kill.readyMs, 1),
        attempts: kill.attempts,
      })),
      takeoverMs: {
        min: round(row.takeover.min, 1),
        median: round(row.takeover.median, 1),
        max: round(row.takeover.max, 1),
      },
      readyMedianMs: round(row.ready.median, 1),
    })),
    targets,
  });
}

await main();
