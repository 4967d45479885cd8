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
 *     `GET /bench/json` — printed as tracing on/off against `full`, which has tracing off.
 * Each server runs in its own child process (bench/http-target.ts) so the load generator and the
 * server do not share an event loop. Latency percentiles come from a microsecond histogram fed by
 * every 2xx response (autocannon's own rounds to whole milliseconds; it is kept in the JSON too).
 *
 * A Quire target is measured once /readyz answers 200 (its extraction threads have warmed up).
 *
 * Environment: BENCH_DURATION_S (measured seconds per run, default 10), BENCH_WARMUP_S (default 2).
 * Targets are reported PASS/FAIL (INVALID when a run they rest on saw errors or non-2xx answers);
 * a miss does not fail the process (this is a benchmark, not a test). Results: bench/results/http-<timestamp>.json and bench/results/http-latest.json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_PAYLOAD, BENCH_ROUTE } from './lib/bench-route.js';
import {
  killAllNow,
  killChildrenOnExit,
  startTarget as spawnTarget,
  stopAll,
  stopChild,
  type Target as SpawnedTarget,
} from './lib/children.js';
import { expectJson, waitForReady } from './lib/http-client.js';
import { LOAD_COLUMNS, loadCells, measureLoad, type LoadMeasurement } from './lib/load.js';
import {
  checkTarget,
  environmentReport,
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
const TARGET_LIVEZ_P99_MS = 5;

type Mode = 'bare' | 'full' | 'traced';

interface Target extends SpawnedTarget {
  mode: Mode;
}

killChildrenOnExit(NAME);

/** The environment of a target: tracing off unless `otlpEndpoint` is given. */
function targetEnv(otlpEndpoint?: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('OTEL_')),
  );
  if (otlpEndpoint === undefined) return env;
  return {
    ...env,
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint,
    OTEL_SERVICE_NAME: 'quire-bench',
    OTEL_TRACES_SAMPLER: 'always_on',
  };
}

async function startTarget(mode: Mode, dataDir?: string, otlpEndpoint?: string): Promise<Target> {
  const spawned = await spawnTarget({
    name: mode,
    entry: TARGET_ENTRY,
    args: [mode, ...(dataDir === undefined ? [] : [dataDir])],
    cwd: ROOT,
    env: targetEnv(otlpEndpoint),
  });
  return { mode, ...spawned };
}

interface Row extends LoadMeasurement {
  scenario: string;
  server: Mode;
  path: string;
  connections: number;
}

async function measure(
  target: Target,
  path: string,
  connections: number,
  durationS: number,
  warmupS: number,
): Promise<Row> {
  const scenario = `${target.mode} ${path}`;
  const measured = await measureLoad({
    label: scenario,
    url: `${target.url}${path}`,
    connections,
    pipelining: PIPELINING,
    durationS,
    warmupS,
    serverPid: target.child.pid,
  });
  return { scenario, server: target.mode, path, connections, ...measured };
}

function printRows(rows: Row[]): void {
  printTable(
    ['scenario', 'conns', ...LOAD_COLUMNS],
    rows.map((row) => [row.scenario, String(row.connections), ...loadCells(row)]),
  );
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const durationS = secondsFromEnv('BENCH_DURATION_S', 10, false);
  const warmupS = secondsFromEnv('BENCH_WARMUP_S', 2, true);
  const startedAt = new Date();
  const cpus = os.cpus();
  const loadAverageAtStart = os.loadavg();
  console.log(
    `bench:http — node ${process.version}, ${os.availableParallelism()} CPUs (${cpus[0]?.model ?? 'unknown'}), ` +
      `${durationS} s measured + ${warmupS} s warm-up per run, pipelining ${PIPELINING}`,
  );
  console.log(loadAverageLine(loadAverageAtStart));

  const rows: Row[] = [];
  const dataDir = mkdtempSync(join(os.tmpdir(), 'quire-bench-http-'));
  try {
    const bare = await startTarget('bare');
    console.log(`bare Fastify at ${bare.url} (pid ${bare.child.pid})`);
    await expectJson(`${bare.url}${BENCH_ROUTE}`, BENCH_PAYLOAD);
    for (const connections of CONNECTIONS) {
      rows.push(await measure(bare, BENCH_ROUTE, connections, durationS, warmupS));
    }
    await stopChild(bare.child, NAME);

    const full = await startTarget('full', dataDir);
    console.log(`Quire full stack at ${full.url} (pid ${full.child.pid})`);
    await waitForReady(full.url);
    await expectJson(`${full.url}${BENCH_ROUTE}`, BENCH_PAYLOAD);
    await expectJson(`${full.url}/livez`, { status: 'ok' });
    for (const path of [BENCH_ROUTE, '/livez']) {
      for (const connections of CONNECTIONS) {
        rows.push(await measure(full, path, connections, durationS, warmupS));
      }
    }
    await stopChild(full.child, NAME);

    const sink = await spawnTarget({ name: 'otlp-sink', entry: SINK_ENTRY, args: [], cwd: ROOT });
    const traced = await startTarget('traced', dataDir, sink.url);
    console.log(
      `Quire full stack, tracing on, at ${traced.url} (pid ${traced.child.pid}) → ${sink.url}`,
    );
    await waitForReady(traced.url);
    await expectJson(`${traced.url}${BENCH_ROUTE}`, BENCH_PAYLOAD);
    for (const connections of CONNECTIONS) {
      rows.push(await measure(traced, BENCH_ROUTE, connections, durationS, warmupS));
    }
    await stopChild(traced.child, NAME);
    await stopChild(sink.child, NAME);
  } finally {
    await stopAll(NAME);
    rmSync(dataDir, { recursive: true, force: true });
  }

  const find = (server: Mode, path: string, connections: number): Row | undefined =>
    rows.find((r) => r.server === server && r.path === path && r.connections === connections);
  const ratios = CONNECTIONS.map((connections) => {
    const bare = find('bare', BENCH_ROUTE, connections);
    const full = find('full', BENCH_ROUTE, connections);
    const ratio =
      bare !== undefined && full !== undefined && bare.reqPerSec > 0
        ? round(full.reqPerSec / bare.reqPerSec, 3)
        : undefined;
    return { connections, bareReqPerSec: bare?.reqPerSec, fullReqPerSec: full?.reqPerSec, ratio };
  });
  const tracing = CONNECTIONS.map((connections) => {
    const off = find('full', BENCH_ROUTE, connections);
    const on = find('traced', BENCH_ROUTE, connections);
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
  const livez50 = find('full', '/livez', 50);
  const check = (
    name: string,
    value: number | undefined,
    threshold: string,
    met: (value: number) => boolean,
    basis: (Row | undefined)[],
  ): TargetCheck =>
    checkTarget(
      name,
      value,
      threshold,
      met,
      basis.every((row) => row?.valid === true),
    );
  const targets: TargetCheck[] = [
    ...ratios.map(({ connections, ratio }) =>
      check(
        `full stack req/s ≥ ${TARGET_MIN_RATIO * 100}% of bare @${connections} conn`,
        ratio,
        `≥ ${TARGET_MIN_RATIO}`,
        (value) => value >= TARGET_MIN_RATIO,
        [find('bare', BENCH_ROUTE, connections), find('full', BENCH_ROUTE, connections)],
      ),
    ),
    check(
      `/livez p99 < ${TARGET_LIVEZ_P99_MS} ms @50 conn`,
      livez50?.latencyMs.p99,
      `< ${TARGET_LIVEZ_P99_MS} ms`,
      (value) => value < TARGET_LIVEZ_P99_MS,
      [livez50],
    ),
  ];

  console.log('');
  printRows(rows);
  for (const row of rows.filter((r) => !r.valid)) {
    console.log(
      `! ${row.scenario} @${row.connections} conn is not a valid measurement: ` +
        `${row.errors} errors, ${row.timeouts} timeouts, status codes ${JSON.stringify(row.statusCodes)}`,
    );
  }
  console.log('');
  for (const { connections, ratio } of ratios) {
    const shown =
      ratio === undefined ? 'n/a' : `${ratio.toFixed(3)} (${(ratio * 100).toFixed(1)}%)`;
    console.log(`full/bare req/s @${connections} conn: ${shown}`);
  }
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
  printTargets(targets);

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
    targets,
  };
  writeResults('http', startedAt, report);
}

main().catch((error: unknown) => {
  console.error('bench:http failed:', error);
  killAllNow();
  process.exitCode = 1;
});
