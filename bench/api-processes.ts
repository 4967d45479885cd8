/**
 * `npm run bench:api-processes`: what QUIRE_API_PROCESSES buys on this machine. The same `quire
 * serve` (the api role on PostgreSQL and Redis, logging at info to a pipe this script drains) is
 * started with 1 process and then with BENCH_API_PROCESSES (default: the CPU count, at least 2),
 * and each is loaded with autocannon at 50 connections: `GET /livez`, an authenticated
 * `GET /v1/documents/{id}` (key check, rate limit in Redis, the document read from PostgreSQL)
 * and issue 13's lexical rerank (100 documents × 200 uniformly drawn words, every result). The
 * one process runs with the lexical scoring pool disabled: issue 13's reference for the rerank
 * row is "the same build with the pool disabled", everything on one event loop (the other routes
 * never use the pool). BENCH_ROUNDS (default 3) rounds alternate the order of the two servers,
 * so a neighbour's load falls on both alike; ratios and targets are taken on each measure's
 * median over the rounds.
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
import { median } from './lib/stats.js';
import { POOL_DISABLED_ENV, uniformWorkload } from './lib/rerank-scenarios.js';
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
const ROUNDS = integerFromEnv('BENCH_ROUNDS', 3, 1, 20);
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
const TARGET_RERANK_TAIL = 3;
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
  round: number;
  load: LoadMeasurement;
  /** Cores used by the primary and the API processes together. */
  serverCores: number | undefined;
  /** Cores busy on the whole machine: the server, this load generator, PostgreSQL and Redis. */
  machineCores: number | undefined;
}

/** One line of the table: a round's measurement, or the median over the rounds. */
interface Summary {
  processes: number;
  route: string;
  round: string;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: string;
  serverCores: number | undefined;
  machineCores: number | undefined;
  loadgenCpuPercent: number | undefined;
  valid: boolean;
}

function summaryOf(row: Row): Summary {
  const { load } = row;
  return {
    processes: row.processes,
    route: row.route,
    round: String(row.round),
    reqPerSec: load.reqPerSecOverall,
    p50Ms: load.latencyMs.p50,
    p99Ms: load.latencyMs.p99,
    errors: `${load.errors}/${load.non2xx}${load.valid ? '' : ' !'}`,
    serverCores: row.serverCores,
    machineCores: row.machineCores,
    loadgenCpuPercent: load.loadgenCpuPercent,
    valid: load.valid,
  };
}

/** Each figure's median over the rounds of one server and route; valid when every round was. */
function medianRow(rounds: Row[]): Summary {
  const summaries = rounds.map(summaryOf);
  const of = (pick: (summary: Summary) => number | undefined): number | undefined => {
    const values = summaries.map(pick);
    return values.every((value) => value !== undefined)
      ? median(values.filter((value) => value !== undefined))
      : undefined;
  };
  const first = summaries[0];
  if (first === undefined) throw new Error('no round was measured');
  return {
    ...first,
    round: 'median',
    reqPerSec: of((summary) => summary.reqPerSec) ?? NaN,
    p50Ms: of((summary) => summary.p50Ms) ?? NaN,
    p99Ms: of((summary) => summary.p99Ms) ?? NaN,
    errors: summaries.every((summary) => summary.valid) ? 'none' : 'some !',
    serverCores: of((summary) => summary.serverCores),
    machineCores: of((summary) => summary.machineCores),
    loadgenCpuPercent: of((summary) => summary.loadgenCpuPercent),
    valid: summaries.every((summary) => summary.valid),
  };
}

async function measure(
  server: Server,
  processes: number,
  documentId: string,
  roundNumber: number,
): Promise<Row[]> {
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
      label: `round ${roundNumber}, ${processes} process${processes > 1 ? 'es' : ''}, ${route}`,
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
    rows.push({ processes, route, round: roundNumber, load, serverCores, machineCores });
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
    for (let roundNumber = 1; roundNumber <= ROUNDS; roundNumber++) {
      const order = roundNumber % 2 === 1 ? [1, PROCESSES] : [PROCESSES, 1];
      for (const processes of order) {
        const server = await startServer(
          processes === 1 ? { ...env, ...POOL_DISABLED_ENV } : env,
          processes,
        );
        try {
          documentId ??= await createDocument(server);
          rows.push(...(await measure(server, processes, documentId, roundNumber)));
        } finally {
          await stopChild(server.child, 'bench:api-processes');
        }
      }
    }
  } finally {
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  }

  const routesMeasured = [...new Set(rows.map((row) => row.route))];
  const medians = routesMeasured.flatMap((route) =>
    [1, PROCESSES].map((processes) =>
      medianRow(rows.filter((row) => row.processes === processes && row.route === route)),
    ),
  );
  const single = (route: string): Summary | undefined =>
    medians.find((row) => row.processes === 1 && row.route === route);
  const ratio = (row: Summary): number | undefined => {
    const base = single(row.route)?.reqPerSec;
    return base === undefined || base === 0 ? undefined : round(row.reqPerSec / base, 2);
  };
  console.log('');
  printTable(
    [
      'processes',
      'round',
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
    [...rows.map(summaryOf), ...medians].map((row) => [
      row.processes === 1 ? '1 (pool off)' : String(row.processes),
      row.round,
      row.route,
      row.reqPerSec.toFixed(0),
      row.p50Ms.toFixed(3),
      row.p99Ms.toFixed(3),
      row.errors,
      row.serverCores === undefined ? 'n/a' : String(row.serverCores),
      `${row.machineCores ?? 'n/a'} of ${os.availableParallelism()}`,
      `${row.loadgenCpuPercent ?? 'n/a'}%`,
      row.round === 'median' ? String(ratio(row) ?? 'n/a') : '',
    ]),
  );
  const clustered = medians.find(
    (row) => row.processes === PROCESSES && row.route === 'GET /v1/documents/{id}',
  );
  const rerank = medians.find((row) => row.processes === PROCESSES && row.route === RERANK_ROUTE);
  const targets = [
    checkTarget(
      `${PROCESSES} processes: authenticated GET req/s ≥ ${TARGET_RATIO} × one process`,
      clustered === undefined ? undefined : ratio(clustered),
      `≥ ${TARGET_RATIO}`,
      (value) => value >= TARGET_RATIO,
      clustered?.valid === true && single('GET /v1/documents/{id}')?.valid === true,
    ),
    checkTarget(
      `${PROCESSES} processes: rerank req/s ≥ ${TARGET_RERANK_RATIO} × one process with the pool disabled`,
      rerank === undefined ? undefined : ratio(rerank),
      `≥ ${TARGET_RERANK_RATIO}`,
      (value) => value >= TARGET_RERANK_RATIO,
      rerank?.valid === true && single(RERANK_ROUTE)?.valid === true,
    ),
    checkTarget(
      `${PROCESSES} processes: rerank server cores ≥ ${TARGET_RERANK_CORES}`,
      rerank?.serverCores,
      `≥ ${TARGET_RERANK_CORES}`,
      (value) => value >= TARGET_RERANK_CORES,
      rerank?.valid === true,
    ),
    checkTarget(
      `${PROCESSES} processes: rerank p99 / p50 ≤ ${TARGET_RERANK_TAIL}`,
      rerank === undefined ? undefined : round(rerank.p99Ms / rerank.p50Ms, 2),
      `≤ ${TARGET_RERANK_TAIL}`,
      (value) => value <= TARGET_RERANK_TAIL,
      rerank?.valid === true,
    ),
  ];
  console.log('');
  printTargets(targets);
  writeResults('api-processes', startedAt, {
    startedAt: startedAt.toISOString(),
    environment: environmentReport(loadAverageAtStart, { fastify: packageVersion('fastify') }),
    settings: {
      processes: PROCESSES,
      rounds: ROUNDS,
      connections: CONNECTIONS,
      durationS: DURATION_S,
      singleProcessEnv: POOL_DISABLED_ENV,
    },
    rows,
    medians,
    targets,
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
