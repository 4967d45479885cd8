/**
 * `npm run bench:api-processes`: what QUIRE_API_PROCESSES buys on this machine. The same `quire
 * serve` (the api role on PostgreSQL and Redis, logging at info to a pipe this script drains) is
 * started with 1 process and then with BENCH_API_PROCESSES (default: the CPU count, at least 2),
 * and each is loaded with autocannon at 50 connections: `GET /livez`, an authenticated
 * `GET /v1/documents/{id}` (key check, rate limit in Redis, the document read from PostgreSQL)
 * and issue 13's lexical rerank (100 documents × 200 uniformly drawn words, every result).
 * Server CPU is the sum over the primary and every API process. The load generator runs in this
 * process, on the same cores, and so do PostgreSQL and Redis: `machine cores busy` shows when
 * the machine, not Quire, is the limit (on 2 cores the authenticated route saturates it with one
 * process), so the ratio is a floor of what a machine with PostgreSQL and Redis elsewhere sees.
 *
 * PostgreSQL is BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), in a fresh
 * schema dropped at the end; Redis is BENCH_REDIS_URL (default redis://127.0.0.1:6379/14) under a
 * prefix of this run's own, so nothing of anyone else's is touched. BENCH_DURATION_S (default 10)
 * and BENCH_WARMUP_S (default 2) per run. Target (PASS/FAIL, not a test): with N processes,
 * req/s ≥ 1.3 × one process's on the authenticated route; for rerank, issue 13's ≥ 1.6 × the
 * req/s and ≥ 1.7 server cores. Results: bench/results/api-processes-*.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { killChildrenOnExit, stopChild } from './lib/children.js';
import { measureLoad, type LoadMeasurement } from './lib/load.js';
import { machineBusyCpuMs } from './lib/proc.js';
import { uniformWorkload } from './lib/rerank-scenarios.js';
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
  secondsFromEnv,
  writeResults,
} from './lib/report.js';

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/14';
const PROCESSES = integerFromEnv(
  'BENCH_API_PROCESSES',
  Math.max(2, os.availableParallelism()),
  2,
  64,
);
const DURATION_S = secondsFromEnv('BENCH_DURATION_S', 10, false);
const WARMUP_S = secondsFromEnv('BENCH_WARMUP_S', 2, true);
const CONNECTIONS = 50;
const ADMIN_KEY = 'qk_bench-api-processes-admin-key-00000000000000';
const RATE_LIMIT = '100000000';
const TARGET_RATIO = 1.3;
/** Issue 13's rerank workload; its target is ≥ 1.6× the req/s and ≥ 1.7 cores. */
const RERANK_ROUTE = 'POST /v1/rerank (100 × 200 words, all results)';
const RERANK_BODY = uniformWorkload(100, 200).body;
const TARGET_RERANK_RATIO = 1.6;
const TARGET_RERANK_CORES = 1.7;
const START_TIMEOUT_MS = 120_000;

interface Server {
  child: ChildProcess;
  url: string;
  /** The primary (when clustered) and every API process. */
  pids: number[];
}

/** Starts `quire serve` and resolves once `processes` API processes listen. */
function startServer(env: Record<string, string>, processes: number): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    cwd: ROOT,
    env: { ...process.env, ...env, QUIRE_API_PROCESSES: String(processes) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // The primary takes its API processes with it (they exit when its IPC channel closes).
  process.once('exit', () => child.kill('SIGKILL'));
  return new Promise((resolve, reject) => {
    const pids: number[] = child.pid === undefined ? [] : [child.pid];
    let url: string | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`quire serve (${processes} processes) did not listen in time`));
    }, START_TIMEOUT_MS);
    child.once('exit', (code) => reject(new Error(`quire serve exited early (${code})`)));
    // Every line is read (and dropped) for the whole run, so the pipe never fills.
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (!line.includes('"quire listening"')) return;
      const entry = JSON.parse(line) as { url: string; pid: number };
      url = entry.url;
      if (processes > 1) pids.push(entry.pid);
      if (pids.length === (processes > 1 ? processes + 1 : 1)) {
        clearTimeout(timer);
        resolve({ child, url, pids });
      }
    });
  });
}

async function createDocument(server: Server): Promise<string> {
  const response = await fetch(`${server.url}/v1/documents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'A document read under load.', title: 'bench' }),
  });
  if (response.status !== 202) throw new Error(`creating the document: ${response.status}`);
  return ((await response.json()) as { document: { id: string } }).document.id;
}

interface Row {
  processes: number;
  route: string;
  load: LoadMeasurement;
  /** Cores used by the primary and the API processes together. */
  serverCores: number | undefined;
  /** Cores busy on the whole machine: the server, this load generator, PostgreSQL and Redis. */
  machineCores: number | undefined;
}

async function measure(server: Server, processes: number, documentId: string): Promise<Row[]> {
  const routes: [string, string, Record<string, string>, string?][] = [
    ['GET /livez', '/livez', {}],
    [
      'GET /v1/documents/{id}',
      `/v1/documents/${documentId}`,
      { authorization: `Bearer ${ADMIN_KEY}` },
    ],
    [
      RERANK_ROUTE,
      '/v1/rerank',
      { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      RERANK_BODY,
    ],
  ];
  const rows: Row[] = [];
  for (const [route, path, headers, body] of routes) {
    const machineBefore = machineBusyCpuMs();
    const wallBefore = performance.now();
    const load = await measureLoad({
      label: `${processes} process${processes > 1 ? 'es' : ''}, ${route}`,
      url: `${server.url}${path}`,
      connections: CONNECTIONS,
      pipelining: 1,
      durationS: DURATION_S,
      warmupS: WARMUP_S,
      headers,
      ...(body === undefined ? {} : { body }),
      serverPid: undefined,
      observePids: Object.fromEntries(server.pids.map((pid) => [String(pid), pid])),
    });
    const percents = Object.values(load.observedCpuPercent ?? {});
    const serverCores = percents.every((value) => value !== undefined)
      ? round(percents.reduce<number>((sum, value) => sum + (value ?? 0), 0) / 100, 2)
      : undefined;
    const machineAfter = machineBusyCpuMs();
    const machineCores =
      machineBefore === undefined || machineAfter === undefined
        ? undefined
        : round((machineAfter - machineBefore) / (performance.now() - wallBefore), 2);
    rows.push({ processes, route, load, serverCores, machineCores });
  }
  return rows;
}

async function main(): Promise<void> {
  killChildrenOnExit('bench:api-processes');
  const startedAt = new Date();
  const loadAverageAtStart = os.loadavg();
  console.log(loadAverageLine(loadAverageAtStart));
  const schema = `quire_bench_api_processes_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  const databaseUrl = new URL(DATABASE_URL);
  databaseUrl.searchParams.set('options', `-c search_path=${schema}`);
  const dataDir = mkdtempSync(join(os.tmpdir(), 'quire-bench-api-processes-'));
  const env: Record<string, string> = {
    QUIRE_HOST: '127.0.0.1',
    QUIRE_PORT: '0',
    QUIRE_DATA_DIR: dataDir,
    QUIRE_DATABASE_URL: databaseUrl.toString(),
    QUIRE_REDIS_URL: REDIS_URL,
    QUIRE_REDIS_PREFIX: `bench-${randomBytes(4).toString('hex')}`,
    QUIRE_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
    QUIRE_LOG_LEVEL: 'info',
    QUIRE_MAX_EVENT_LOOP_DELAY_MS: '0',
    QUIRE_RATE_LIMIT_READ: RATE_LIMIT,
    QUIRE_RATE_LIMIT_META: RATE_LIMIT,
    QUIRE_RATE_LIMIT_WRITE: RATE_LIMIT,
    QUIRE_RATE_LIMIT_SEARCH: RATE_LIMIT,
  };
  const rows: Row[] = [];
  let documentId: string | undefined;
  try {
    for (const processes of [1, PROCESSES]) {
      const server = await startServer(env, processes);
      try {
        documentId ??= await createDocument(server);
        rows.push(...(await measure(server, processes, documentId)));
      } finally {
        await stopChild(server.child, 'bench:api-processes');
      }
    }
  } finally {
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  }

  const single = (route: string): Row | undefined =>
    rows.find((row) => row.processes === 1 && row.route === route);
  const ratio = (row: Row): number | undefined => {
    const base = single(row.route)?.load.reqPerSecOverall;
    return base === undefined || base === 0
      ? undefined
      : round(row.load.reqPerSecOverall / base, 2);
  };
  console.log('');
  printTable(
    [
      'processes',
      'route',
      'req/s',
      'p50 ms',
      'p99 ms',
      'errors/non-2xx',
      'server cores',
      'machine cores busy',
      'loadgen CPU',
      'req/s vs 1 process',
    ],
    rows.map((row) => [
      String(row.processes),
      row.route,
      row.load.reqPerSecOverall.toFixed(0),
      row.load.latencyMs.p50.toFixed(3),
      row.load.latencyMs.p99.toFixed(3),
      `${row.load.errors}/${row.load.non2xx}${row.load.valid ? '' : ' !'}`,
      row.serverCores === undefined ? 'n/a' : String(row.serverCores),
      `${row.machineCores ?? 'n/a'} of ${os.availableParallelism()}`,
      `${row.load.loadgenCpuPercent ?? 'n/a'}%`,
      String(ratio(row) ?? 'n/a'),
    ]),
  );
  const clustered = rows.find(
    (row) => row.processes === PROCESSES && row.route === 'GET /v1/documents/{id}',
  );
  const rerank = rows.find((row) => row.processes === PROCESSES && row.route === RERANK_ROUTE);
  const targets = [
    checkTarget(
      `${PROCESSES} processes: authenticated GET req/s ≥ ${TARGET_RATIO} × one process`,
      clustered === undefined ? undefined : ratio(clustered),
      `≥ ${TARGET_RATIO}`,
      (value) => value >= TARGET_RATIO,
      clustered?.load.valid === true && single('GET /v1/documents/{id}')?.load.valid === true,
    ),
    checkTarget(
      `${PROCESSES} processes: rerank req/s ≥ ${TARGET_RERANK_RATIO} × one process`,
      rerank === undefined ? undefined : ratio(rerank),
      `≥ ${TARGET_RERANK_RATIO}`,
      (value) => value >= TARGET_RERANK_RATIO,
      rerank?.load.valid === true && single(RERANK_ROUTE)?.load.valid === true,
    ),
    checkTarget(
      `${PROCESSES} processes: rerank server cores ≥ ${TARGET_RERANK_CORES}`,
      rerank?.serverCores,
      `≥ ${TARGET_RERANK_CORES}`,
      (value) => value >= TARGET_RERANK_CORES,
      rerank?.load.valid === true,
    ),
  ];
  console.log('');
  printTargets(targets);
  writeResults('api-processes', startedAt, {
    startedAt: startedAt.toISOString(),
    environment: environmentReport(loadAverageAtStart, { fastify: packageVersion('fastify') }),
    settings: { processes: PROCESSES, connections: CONNECTIONS, durationS: DURATION_S },
    rows,
    targets,
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
