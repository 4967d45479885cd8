/**
 * `npm run bench:http`: what Quire's plugin stack costs per request, measured against bare
 * Fastify 5 on the same machine in one run.
 *
 * Scenarios (each at 1 and 50 connections, pipelining 1, a warm-up then a measured run):
 *   - bare Fastify, `GET /bench/json` (logger off);
 *   - Quire's full stack from buildApp, the same route (logging on at info, to /dev/null);
 *   - Quire's full stack, `GET /livez`;
 *   - Quire's full stack with OpenTelemetry tracing on (`traced`: every request sampled and
 *     exported over OTLP/HTTP to a sink receiver in its own process, bench/otlp-sink-target.ts),
 *     `GET /bench/json` — printed as tracing on/off against `full`, which has tracing off;
 *   - Quire's full stack, an authenticated `GET /v1/documents/{id}` (API key as Bearer, the key
 *     check, the read rate limit, the document read from SQLite), against bare Fastify answering
 *     the very JSON Quire answered for that document on the same path (`GET /v1/documents/:id`).
 * Each server runs in its own child process (bench/http-target.ts) so the load generator and the
 * server do not share an event loop; all of them run at once, and the runs go in BENCH_ROUNDS
 * rounds that interleave the scenarios (odd rounds in order, even rounds reversed), so drift in
 * the machine's load hits them alike. A scenario's figures are those of its median round by
 * req/s; the full/bare ratio of each round is printed too. Latency percentiles come from a
 * microsecond histogram fed by every 2xx response (autocannon's own rounds to whole milliseconds;
 * it is kept in the JSON too).
 *
 * A Quire target is measured once /readyz answers 200 (its extraction threads have warmed up).
 *
 * Environment: BENCH_DURATION_S (measured seconds per run, default 5), BENCH_WARMUP_S (default 1),
 * BENCH_ROUNDS (default 3). Targets are reported PASS/FAIL (INVALID when a run they rest on saw
 * errors or non-2xx answers); a miss does not fail the process (this is a benchmark, not a test).
 * Results: bench/results/http-<timestamp>.json and bench/results/http-latest.json.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_PAYLOAD, BENCH_ROUTE } from './lib/bench-route.js';
import {
  killAllNow,
  killChildrenOnExit,
  startTarget as spawnTarget,
  stopAll,
  type Target as SpawnedTarget,
} from './lib/children.js';
import { expectJson, waitForReady } from './lib/http-client.js';
import {
  LOAD_COLUMNS,
  loadCells,
  measureLoad,
  medianRun,
  minimum,
  type LoadMeasurement,
} from './lib/load.js';
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
  type TargetCheck,
} from './lib/report.js';

const TARGET_ENTRY = fileURLToPath(new URL('./http-target.ts', import.meta.url));
const SINK_ENTRY = fileURLToPath(new URL('./otlp-sink-target.ts', import.meta.url));
const NAME = 'bench:http';

const CONNECTIONS = [1, 50] as const;
const PIPELINING = 1;
const TARGET_MIN_RATIO = 0.6;
const TARGET_DOCUMENT_RATIO = 0.5;
const TARGET_DOCUMENT_CONNECTIONS = 50;
const TARGET_LIVEZ_P99_MS = 5;
const DOCUMENT_READY_TIMEOUT_MS = 30_000;

type Mode = 'bare' | 'full' | 'traced';
type Route = 'json' | 'livez' | 'document';

interface Target extends SpawnedTarget {
  mode: Mode;
}

interface Scenario {
  server: Mode;
  route: Route;
  path: string;
  headers?: Record<string, string>;
}

killChildrenOnExit(NAME);

/** The environment of a target: tracing off unless `otlpEndpoint` is given. */
function targetEnv(adminKey: string, otlpEndpoint?: string): NodeJS.ProcessEnv {
  const env = {
    ...Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('OTEL_')),
    ),
    QUIRE_BOOTSTRAP_ADMIN_KEY: adminKey,
  };
  if (otlpEndpoint === undefined) return env;
  return {
    ...env,
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint,
    OTEL_SERVICE_NAME: 'quire-bench',
    OTEL_TRACES_SAMPLER: 'always_on',
  };
}

async function startTarget(
  mode: Mode,
  args: string[],
  adminKey: string,
  otlpEndpoint?: string,
): Promise<Target> {
  const spawned = await spawnTarget({
    name: mode,
    entry: TARGET_ENTRY,
    args: [mode, ...args],
    cwd: ROOT,
    env: targetEnv(adminKey, otlpEndpoint),
  });
  return { mode, ...spawned };
}

/**
 * Stores one text document through the API, waits until it is ready and returns its id and the
 * JSON `GET /v1/documents/{id}` answers for it (what bare Fastify then serves).
 */
async function storeDocument(
  url: string,
  authorization: Record<string, string>,
): Promise<{ id: string; json: unknown }> {
  const created = await fetch(`${url}/v1/documents`, {
    method: 'POST',
    headers: { ...authorization, 'content-type': 'application/json' },
    body: JSON.stringify({
      text: 'Quire benchmark document.\n\nA short text with a title, tags and metadata.',
      filename: 'bench.txt',
      title: 'Benchmark document',
      tags: ['bench', 'http'],
      metadata: { team: 'platform', revision: 3 },
    }),
    signal: AbortSignal.timeout(10_000),
  });
  if (created.status !== 202) {
    throw new Error(`POST /v1/documents answered ${created.status}: ${await created.text()}`);
  }
  const { document } = (await created.json()) as { document: { id: string } };
  const deadline = Date.now() + DOCUMENT_READY_TIMEOUT_MS;
  for (;;) {
    const read = await fetch(`${url}/v1/documents/${document.id}`, {
      headers: authorization,
      signal: AbortSignal.timeout(5_000),
    });
    const json = (await read.json()) as { status?: string };
    if (read.status === 200 && json.status === 'ready') return { id: document.id, json };
    if (json.status === 'failed' || Date.now() > deadline) {
      throw new Error(`document ${document.id} did not become ready: ${JSON.stringify(json)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Row extends LoadMeasurement {
  scenario: string;
  server: Mode;
  route: Route;
  path: string;
  connections: number;
  rounds: LoadMeasurement[];
  /** The lowest server CPU per request over the rounds (the least disturbed one). */
  serverCpuUsPerRequestMin: number | undefined;
}

const scenarioName = (scenario: Scenario): string =>
  `${scenario.server} ${scenario.route === 'document' ? 'GET /v1/documents/{id}' : scenario.path}`;

function printRows(rows: Row[]): void {
  printTable(
    ['scenario', 'conns', ...LOAD_COLUMNS, 'min µs/req'],
    rows.map((row) => [
      row.scenario,
      String(row.connections),
      ...loadCells(row),
      row.serverCpuUsPerRequestMin?.toFixed(1) ?? 'n/a',
    ]),
  );
}

interface Ratio {
  route: Route;
  connections: number;
  bareReqPerSec: number | undefined;
  fullReqPerSec: number | undefined;
  /** Full over bare, of the median rounds. */
  ratio: number | undefined;
  /** Full over bare within each round (the two measured minutes apart at most). */
  roundRatios: number[];
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const durationS = secondsFromEnv('BENCH_DURATION_S', 5, false);
  const warmupS = secondsFromEnv('BENCH_WARMUP_S', 1, true);
  const rounds = integerFromEnv('BENCH_ROUNDS', 3, 1, 20);
  const startedAt = new Date();
  const cpus = os.cpus();
  const loadAverageAtStart = os.loadavg();
  console.log(
    `bench:http — node ${process.version}, ${os.availableParallelism()} CPUs (${cpus[0]?.model ?? 'unknown'}), ` +
      `${rounds} rounds of ${durationS} s measured + ${warmupS} s warm-up per run, pipelining ${PIPELINING}`,
  );
  console.log(loadAverageLine(loadAverageAtStart));

  const adminKey = `qk_${randomBytes(30).toString('base64url')}`;
  const authorization = { authorization: `Bearer ${adminKey}` };
  const scratch = mkdtempSync(join(os.tmpdir(), 'quire-bench-http-'));
  const runs = new Map<string, LoadMeasurement[]>();
  const key = (scenario: Scenario, connections: number): string =>
    `${scenarioName(scenario)}@${connections}`;
  let scenarios: Scenario[];
  try {
    const full = await startTarget('full', [join(scratch, 'full')], adminKey);
    console.log(`Quire full stack at ${full.url} (pid ${full.child.pid})`);
    await waitForReady(full.url);
    const document = await storeDocument(full.url, authorization);
    const documentPath = `/v1/documents/${document.id}`;
    const documentFile = join(scratch, 'document.json');
    writeFileSync(documentFile, JSON.stringify(document.json));

    const bare = await startTarget('bare', [documentFile], adminKey);
    console.log(`bare Fastify at ${bare.url} (pid ${bare.child.pid})`);
    const sink = await spawnTarget({ name: 'otlp-sink', entry: SINK_ENTRY, args: [], cwd: ROOT });
    const traced = await startTarget('traced', [join(scratch, 'traced')], adminKey, sink.url);
    console.log(
      `Quire full stack, tracing on, at ${traced.url} (pid ${traced.child.pid}) → ${sink.url}`,
    );
    await waitForReady(traced.url);
    const targets = [bare, full, traced];

    for (const target of targets) await expectJson(`${target.url}${BENCH_ROUTE}`, BENCH_PAYLOAD);
    await expectJson(`${full.url}/livez`, { status: 'ok' });
    await expectJson(`${full.url}${documentPath}`, document.json, authorization);
    await expectJson(`${bare.url}${documentPath}`, document.json);

    scenarios = [
      { server: 'bare', route: 'json', path: BENCH_ROUTE },
      { server: 'full', route: 'json', path: BENCH_ROUTE },
      { server: 'full', route: 'livez', path: '/livez' },
      { server: 'traced', route: 'json', path: BENCH_ROUTE },
      { server: 'bare', route: 'document', path: documentPath },
      { server: 'full', route: 'document', path: documentPath, headers: authorization },
    ];
    const order = scenarios.flatMap((scenario) =>
      CONNECTIONS.map((connections) => ({ scenario, connections })),
    );
    for (let index = 0; index < rounds; index += 1) {
      console.log(`round ${index + 1} of ${rounds}`);
      for (const { scenario, connections } of index % 2 === 0 ? order : [...order].reverse()) {
        const target = targets.find((candidate) => candidate.mode === scenario.server) as Target;
        const measured = await measureLoad({
          label: scenarioName(scenario),
          url: `${target.url}${scenario.path}`,
          connections,
          pipelining: PIPELINING,
          durationS,
          warmupS,
          serverPid: target.child.pid,
          ...(scenario.headers === undefined ? {} : { headers: scenario.headers }),
        });
        const list = runs.get(key(scenario, connections)) ?? [];
        list.push(measured);
        runs.set(key(scenario, connections), list);
      }
    }
  } finally {
    await stopAll(NAME);
    rmSync(scratch, { recursive: true, force: true });
  }

  const rows: Row[] = scenarios.flatMap((scenario) =>
    CONNECTIONS.map((connections) => {
      const rounds = runs.get(key(scenario, connections)) ?? [];
      return {
        scenario: scenarioName(scenario),
        server: scenario.server,
        route: scenario.route,
        path: scenario.path,
        connections,
        ...medianRun(rounds),
        rounds,
        serverCpuUsPerRequestMin: minimum(rounds.map((run) => run.serverCpuUsPerRequest)),
      };
    }),
  );
  const find = (server: Mode, route: Route, connections: number): Row | undefined =>
    rows.find((r) => r.server === server && r.route === route && r.connections === connections);
  const ratioOf = (route: Route, connections: number): Ratio => {
    const bare = find('bare', route, connections);
    const full = find('full', route, connections);
    return {
      route,
      connections,
      bareReqPerSec: bare?.reqPerSec,
      fullReqPerSec: full?.reqPerSec,
      ratio:
        bare !== undefined && full !== undefined && bare.reqPerSec > 0
          ? round(full.reqPerSec / bare.reqPerSec, 3)
          : undefined,
      roundRatios:
        bare === undefined || full === undefined
          ? []
          : full.rounds.map((run, index) =>
              round(run.reqPerSec / (bare.rounds[index]?.reqPerSec ?? Number.NaN), 3),
            ),
    };
  };
  const ratios: Ratio[] = (['json', 'document'] as const).flatMap((route) =>
    CONNECTIONS.map((connections) => ratioOf(route, connections)),
  );
  const tracing = CONNECTIONS.map((connections) => {
    const off = find('full', 'json', connections);
    const on = find('traced', 'json', connections);
    const ratio =
      off !== undefined && on !== undefined && off.reqPerSec > 0
        ? round(on.reqPerSec / off.reqPerSec, 3)
        : undefined;
    return {
      connections,
      offReqPerSec: off?.reqPerSec,
      onReqPerSec: on?.reqPerSec,
      offP99Ms: off?.latencyMs.p99,
      onP99Ms: on?.latencyMs.p99,
      offServerUsPerRequest: off?.serverCpuUsPerRequest,
      onServerUsPerRequest: on?.serverCpuUsPerRequest,
      ratio,
    };
  });
  const livez50 = find('full', 'livez', 50);
  const ratioTarget = (route: Route, connections: number, minRatio: number): TargetCheck => {
    const { ratio } = ratioOf(route, connections);
    const basis = [find('bare', route, connections), find('full', route, connections)];
    const what = route === 'json' ? BENCH_ROUTE : 'authenticated GET /v1/documents/{id}';
    return checkTarget(
      `full stack req/s ≥ ${minRatio * 100}% of bare, ${what} @${connections} conn`,
      ratio,
      `≥ ${minRatio}`,
      (value) => value >= minRatio,
      basis.every((row) => row?.valid === true && row.rounds.every((run) => run.valid)),
    );
  };
  const targetChecks: TargetCheck[] = [
    ...CONNECTIONS.map((connections) => ratioTarget('json', connections, TARGET_MIN_RATIO)),
    ratioTarget('document', TARGET_DOCUMENT_CONNECTIONS, TARGET_DOCUMENT_RATIO),
    checkTarget(
      `/livez p99 < ${TARGET_LIVEZ_P99_MS} ms @50 conn`,
      livez50?.latencyMs.p99,
      `< ${TARGET_LIVEZ_P99_MS} ms`,
      (value) => value < TARGET_LIVEZ_P99_MS,
      livez50?.valid === true,
    ),
  ];

  console.log('');
  printRows(rows);
  for (const row of rows) {
    for (const [index, run] of row.rounds.entries()) {
      if (run.valid) continue;
      console.log(
        `! ${row.scenario} @${row.connections} conn, round ${index + 1}, is not a valid measurement: ` +
          `${run.errors} errors, ${run.timeouts} timeouts, status codes ${JSON.stringify(run.statusCodes)}`,
      );
    }
  }
  console.log('');
  printTable(
    ['full/bare', 'conns', 'bare req/s', 'full req/s', 'ratio', 'each round'],
    ratios.map((row) => [
      row.route === 'json' ? BENCH_ROUTE : 'GET /v1/documents/{id} (authenticated)',
      String(row.connections),
      String(row.bareReqPerSec ?? 'n/a'),
      String(row.fullReqPerSec ?? 'n/a'),
      row.ratio === undefined ? 'n/a' : row.ratio.toFixed(3),
      row.roundRatios.map((value) => value.toFixed(2)).join(' '),
    ]),
  );
  console.log('');
  printTable(
    [
      'tracing',
      'conns',
      'off req/s',
      'on req/s',
      'on/off',
      'off p99 ms',
      'on p99 ms',
      'off server µs/req',
      'on server µs/req',
    ],
    tracing.map((row) => [
      'OTLP/HTTP, all sampled',
      String(row.connections),
      String(row.offReqPerSec ?? 'n/a'),
      String(row.onReqPerSec ?? 'n/a'),
      row.ratio === undefined ? 'n/a' : row.ratio.toFixed(3),
      String(row.offP99Ms ?? 'n/a'),
      String(row.onP99Ms ?? 'n/a'),
      String(row.offServerUsPerRequest ?? 'n/a'),
      String(row.onServerUsPerRequest ?? 'n/a'),
    ]),
  );
  console.log('');
  printTargets(targetChecks);

  const finishedAt = new Date();
  const report = {
    benchmark: 'http',
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    environment: environmentReport(loadAverageAtStart, {
      fastify: packageVersion('fastify'),
      autocannon: packageVersion('autocannon'),
      pino: packageVersion('pino'),
    }),
    settings: {
      host: '127.0.0.1',
      durationS,
      warmupS,
      rounds,
      connections: [...CONNECTIONS],
      pipelining: PIPELINING,
      route: BENCH_ROUTE,
      payload: BENCH_PAYLOAD,
      fullStackLogLevel: 'info',
      latencySource: 'microsecond histogram of 2xx responses (autocannon response events)',
    },
    runs: rows,
    ratios,
    tracing,
    targets: targetChecks,
  };
  writeResults('http', startedAt, report);
}

main().catch((error: unknown) => {
  console.error('bench:http failed:', error);
  killAllNow();
  process.exitCode = 1;
});
