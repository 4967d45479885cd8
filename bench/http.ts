/**
 * `npm run bench:http`: what Quire's plugin stack costs per request, measured against bare
 * Fastify 5 on the same machine in one run.
 *
 * Scenarios (each at 1 and 50 connections, pipelining 1, a warm-up then a measured run):
 *   - bare Fastify, `GET /bench/json` (logger off);
 *   - Quire's full stack from buildApp, the same route (logging on at info, to /dev/null);
 *   - Quire's full stack, `GET /livez`.
 * Each server runs in its own child process (bench/http-target.ts) so the load generator and the
 * server do not share an event loop. Latency percentiles come from a microsecond histogram fed by
 * every 2xx response (autocannon's own rounds to whole milliseconds; it is kept in the JSON too).
 *
 * Environment: BENCH_DURATION_S (measured seconds per run, default 10), BENCH_WARMUP_S (default 2).
 * Targets are reported PASS/FAIL (INVALID when a run they rest on saw errors or non-2xx answers);
 * a miss does not fail the process (this is a benchmark, not a test). Results: bench/results/http-<timestamp>.json and bench/results/http-latest.json.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { createHistogram } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { runLoad, type AutocannonHistogram, type AutocannonResult } from './lib/autocannon.js';
import { BENCH_PAYLOAD, BENCH_ROUTE } from './lib/bench-route.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TARGET_ENTRY = fileURLToPath(new URL('./http-target.ts', import.meta.url));
const RESULTS_DIR = join(ROOT, 'bench', 'results');

const CONNECTIONS = [1, 50] as const;
const PIPELINING = 1;
const TARGET_MIN_RATIO = 0.6;
const TARGET_LIVEZ_P99_MS = 5;
const TARGET_START_TIMEOUT_MS = 60_000;
const TARGET_STOP_TIMEOUT_MS = 8_000;

function secondsFromEnv(name: string, fallback: number, allowZero: boolean): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0) || value > 3600) {
    throw new Error(`${name} must be a number of seconds up to 3600, got "${raw}"`);
  }
  return value;
}

type Mode = 'bare' | 'full';

interface Target {
  mode: Mode;
  url: string;
  child: ChildProcess;
}

// ---------------------------------------------------------------------------------------------
// Child processes: every one is tracked and killed on the way out, whatever the way out is.

const children = new Set<ChildProcess>();

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function killAllNow(): void {
  for (const child of children) if (isRunning(child)) child.kill('SIGKILL');
}

process.on('exit', killAllNow);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.error(`\nbench:http: ${signal}, killing servers`);
    killAllNow();
    process.exit(130);
  });
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (!isRunning(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (!isRunning(child)) return;
  child.kill('SIGTERM');
  if (await waitForExit(child, TARGET_STOP_TIMEOUT_MS)) return;
  console.error(`bench:http: server pid ${child.pid} ignored SIGTERM, sending SIGKILL`);
  child.kill('SIGKILL');
  await waitForExit(child, 2_000);
}

async function stopAll(): Promise<void> {
  await Promise.all([...children].map((child) => stopChild(child)));
}

function startTarget(mode: Mode, dataDir?: string): Promise<Target> {
  const args = ['--import', 'tsx', TARGET_ENTRY, mode, ...(dataDir === undefined ? [] : [dataDir])];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  children.add(child);
  child.once('exit', () => children.delete(child));

  return new Promise((resolve, reject) => {
    let url: string | undefined;
    const fail = (error: Error): void => {
      clearTimeout(timer);
      if (isRunning(child)) child.kill('SIGKILL');
      reject(error);
    };
    const timer = setTimeout(
      () => fail(new Error(`${mode} server printed no URL within ${TARGET_START_TIMEOUT_MS} ms`)),
      TARGET_START_TIMEOUT_MS,
    );
    child.once('error', fail);
    child.once('exit', (code, signal) => {
      if (url === undefined) fail(new Error(`${mode} server exited (${signal ?? code}) early`));
    });
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      if (url === undefined && /^http:\/\/127\.0\.0\.1:\d+$/.test(line.trim())) {
        url = line.trim();
        clearTimeout(timer);
        resolve({ mode, url, child });
      }
      // Anything else the server prints on stdout (a bootstrap banner, say) is not echoed; its
      // diagnostics go to stderr, which is inherited.
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Measuring.

/** One GET on a fresh connection, to check a server answers what we are about to benchmark. */
function getOnce(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { connection: 'close' }, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

async function expectJson(url: string, expected: unknown): Promise<void> {
  const { status, body } = await getOnce(url);
  if (status !== 200 || JSON.stringify(JSON.parse(body)) !== JSON.stringify(expected)) {
    throw new Error(
      `GET ${url} answered ${status} ${body}, expected 200 ${JSON.stringify(expected)}`,
    );
  }
}

/** Clock ticks per second for /proc/<pid>/stat (almost always 100 on Linux). */
const CLOCK_TICKS_PER_SECOND = ((): number => {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU time (ms) a process has used, all its threads (libuv's pool included), from /proc/<pid>/stat
 * (Linux; undefined elsewhere). Resolution is one clock tick (10 ms), fine over a run of seconds.
 */
function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm) ": state is field 3, so utime (14) and stime (15) are at 11 and 12.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / CLOCK_TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}

interface Row {
  scenario: string;
  server: Mode;
  path: string;
  connections: number;
  /** Mean of the per-second request counts (autocannon's "Req/Sec Avg"). */
  reqPerSec: number;
  /** Completed requests divided by the measured seconds. */
  reqPerSecOverall: number;
  totalRequests: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number; p99_9: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  durationS: number;
  /** Every request answered 2xx, without errors or timeouts: the figures mean what they say. */
  valid: boolean;
  /** Share of one core used by the server process during the measured run. */
  serverCpuPercent: number | undefined;
  /** Server CPU time per completed request, in µs: less sensitive to other load than req/s. */
  serverCpuUsPerRequest: number | undefined;
  /** Share of one core used by this process (autocannon) during the measured run. */
  loadgenCpuPercent: number | undefined;
  autocannon: {
    latencyMs: AutocannonHistogram;
    requests: AutocannonHistogram;
    throughputBytesPerSec: AutocannonHistogram;
  };
}

const round = (value: number, digits = 3): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

async function measure(
  target: Target,
  path: string,
  connections: number,
  durationS: number,
  warmupS: number,
): Promise<Row> {
  const scenario = `${target.mode} ${path}`;
  const url = `${target.url}${path}`;
  console.log(
    `  ${scenario} @${connections} conn: ${warmupS > 0 ? `warm-up ${warmupS} s, ` : ''}measure ${durationS} s`,
  );
  if (warmupS > 0) await runLoad({ url, connections, pipelining: PIPELINING, duration: warmupS });

  // Microseconds, 1 µs to 60 s, 3 significant figures.
  const histogram = createHistogram({ lowest: 1, highest: 60_000_000, figures: 3 });
  const serverCpu0 = processCpuMs(target.child.pid);
  const selfCpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const result: AutocannonResult = await runLoad(
    { url, connections, pipelining: PIPELINING, duration: durationS },
    (instance) =>
      instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
        if (statusCode >= 200 && statusCode < 300) {
          histogram.record(Math.max(1, Math.round(responseTimeMs * 1000)));
        }
      }),
  );
  const wallMs = performance.now() - wall0;
  const serverCpu1 = processCpuMs(target.child.pid);
  const selfCpu = process.cpuUsage(selfCpu0);

  const ms = (micros: number): number => round(micros / 1000);
  const statusCodes = Object.fromEntries(
    Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]),
  );
  return {
    scenario,
    server: target.mode,
    path,
    connections,
    reqPerSec: round(result.requests.average, 1),
    reqPerSecOverall: round(result.requests.total / result.duration, 1),
    totalRequests: result.requests.total,
    latencyMs: {
      mean: ms(histogram.mean),
      p50: ms(histogram.percentile(50)),
      p90: ms(histogram.percentile(90)),
      p99: ms(histogram.percentile(99)),
      p99_9: ms(histogram.percentile(99.9)),
      max: ms(histogram.max),
    },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes,
    durationS: result.duration,
    valid:
      result.errors === 0 &&
      result.timeouts === 0 &&
      result.non2xx === 0 &&
      result.requests.total > 0,
    serverCpuPercent:
      serverCpu0 !== undefined && serverCpu1 !== undefined
        ? round(((serverCpu1 - serverCpu0) / wallMs) * 100, 1)
        : undefined,
    serverCpuUsPerRequest:
      serverCpu0 !== undefined && serverCpu1 !== undefined && result.requests.total > 0
        ? round(((serverCpu1 - serverCpu0) * 1000) / result.requests.total, 1)
        : undefined,
    loadgenCpuPercent: round(((selfCpu.user + selfCpu.system) / 1000 / wallMs) * 100, 1),
    autocannon: {
      latencyMs: result.latency,
      requests: result.requests,
      throughputBytesPerSec: result.throughput,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Reporting.

function printTable(rows: Row[]): void {
  const header = [
    'scenario',
    'conns',
    'req/s (avg)',
    'p50 ms',
    'p99 ms',
    'errors/non-2xx',
    'server CPU',
    'server µs/req',
    'loadgen CPU',
  ];
  const percent = (value: number | undefined): string =>
    value === undefined ? 'n/a' : `${value.toFixed(0)}%`;
  const body = rows.map((row) => [
    row.scenario,
    String(row.connections),
    row.reqPerSec.toFixed(0),
    row.latencyMs.p50.toFixed(3),
    row.latencyMs.p99.toFixed(3),
    `${row.errors}/${row.non2xx}${row.valid ? '' : ' !'}`,
    percent(row.serverCpuPercent),
    row.serverCpuUsPerRequest === undefined ? 'n/a' : row.serverCpuUsPerRequest.toFixed(1),
    percent(row.loadgenCpuPercent),
  ]);
  const widths = header.map((title, i) =>
    Math.max(title.length, ...body.map((cells) => (cells[i] ?? '').length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ');
  console.log(line(header));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const cells of body) console.log(line(cells));
}

function packageVersion(name: string): string | undefined {
  try {
    const manifest = JSON.parse(
      readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8'),
    ) as { version?: string };
    return manifest.version;
  } catch {
    return undefined;
  }
}

function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

interface TargetCheck {
  name: string;
  value: number | undefined;
  threshold: string;
  /** INVALID when a run it rests on had errors or non-2xx answers (then `pass` is false too). */
  result: 'PASS' | 'FAIL' | 'INVALID';
  pass: boolean;
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
  console.log(
    `load average at start: ${loadAverageAtStart.map((load) => load.toFixed(2)).join(' ')}` +
      (loadAverageAtStart[0] !== undefined && loadAverageAtStart[0] > 0.5
        ? ' (the machine is busy: req/s and latency will be noisy; server µs/req less so)'
        : ''),
  );

  const rows: Row[] = [];
  const dataDir = mkdtempSync(join(os.tmpdir(), 'quire-bench-http-'));
  try {
    const bare = await startTarget('bare');
    console.log(`bare Fastify at ${bare.url} (pid ${bare.child.pid})`);
    await expectJson(`${bare.url}${BENCH_ROUTE}`, BENCH_PAYLOAD);
    for (const connections of CONNECTIONS) {
      rows.push(await measure(bare, BENCH_ROUTE, connections, durationS, warmupS));
    }
    await stopChild(bare.child);

    const full = await startTarget('full', dataDir);
    console.log(`Quire full stack at ${full.url} (pid ${full.child.pid})`);
    await expectJson(`${full.url}${BENCH_ROUTE}`, BENCH_PAYLOAD);
    await expectJson(`${full.url}/livez`, { status: 'ok' });
    for (const path of [BENCH_ROUTE, '/livez']) {
      for (const connections of CONNECTIONS) {
        rows.push(await measure(full, path, connections, durationS, warmupS));
      }
    }
    await stopChild(full.child);
  } finally {
    await stopAll();
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
  const livez50 = find('full', '/livez', 50);
  const check = (
    name: string,
    value: number | undefined,
    threshold: string,
    met: (value: number) => boolean,
    basis: (Row | undefined)[],
  ): TargetCheck => {
    const valid = value !== undefined && basis.every((row) => row?.valid === true);
    const pass = valid && met(value);
    return { name, value, threshold, result: valid ? (pass ? 'PASS' : 'FAIL') : 'INVALID', pass };
  };
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
  printTable(rows);
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
  for (const target of targets) {
    const value = target.value === undefined ? 'n/a' : String(target.value);
    console.log(`${target.result.padEnd(7)} ${target.name} (measured ${value})`);
  }

  const finishedAt = new Date();
  const report = {
    benchmark: 'http',
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    environment: {
      node: process.version,
      v8: process.versions.v8,
      platform: process.platform,
      arch: process.arch,
      cpuCount: os.availableParallelism(),
      cpuModel: cpus[0]?.model,
      totalMemoryBytes: os.totalmem(),
      loadAverageAtStart,
      loadAverageAtEnd: os.loadavg(),
      clockTicksPerSecond: CLOCK_TICKS_PER_SECOND,
      gitCommit: gitCommit(),
      packages: {
        fastify: packageVersion('fastify'),
        autocannon: packageVersion('autocannon'),
        pino: packageVersion('pino'),
      },
    },
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
    targets,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const file = join(RESULTS_DIR, `http-${stamp}.json`);
  const json = `${JSON.stringify(report, null, 2)}\n`;
  writeFileSync(file, json);
  writeFileSync(join(RESULTS_DIR, 'http-latest.json'), json);
  console.log(`\nresults: ${file}\n         ${join(RESULTS_DIR, 'http-latest.json')}`);
}

main().catch((error: unknown) => {
  console.error('bench:http failed:', error);
  killAllNow();
  process.exitCode = 1;
});
