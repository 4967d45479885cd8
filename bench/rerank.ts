/**
 * `npm run bench:rerank`: POST /v1/rerank latency and throughput through the whole app (auth,
 * rate limiting at an unreachable limit, validation, BM25), against Quire in its own child
 * process (bench/app-target.ts, embedded back end).
 *
 * Request: 100 documents of ~200 words (a fixed seeded Zipf-like vocabulary) and a 5-word query.
 * Per scenario:
 *   - 1 connection: BENCH_SEQUENTIAL (default 500) requests one after another on a keep-alive
 *     connection after 50 warm-up ones: p50/p99 (exact, from every request);
 *   - 50 connections: autocannon for BENCH_DURATION_S (5) after BENCH_WARMUP_S (1): req/s and
 *     p50/p99 (µs histogram of the 2xx answers), every answer must be 2xx (INVALID otherwise);
 *   - the server's peak RSS over both (VmRSS sampled every 50 ms).
 * Targets (lexical): p99 < 20 ms at 1 connection; ≥ 650 req/s with p99 < 100 ms at 50.
 * PASS/FAIL is printed; a miss does not fail the process. Results: bench/results/rerank.json.
 *
 * Extension point for semantic rows: add a Scenario to SCENARIOS with `method: 'semantic'` or
 * `'hybrid'`, `serverEnv: { QUIRE_RERANK_MODEL_DIR: dir }` (e.g. a model from
 * bench/semantic.ts's generator) and its own `targets`; each scenario gets its own server.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runLoad, type AutocannonOptions } from './lib/autocannon.js';
import {
  envWithoutQuireSettings,
  killAllNow,
  killChildrenOnExit,
  startTarget,
  stopChild,
} from './lib/children.js';
import { processCpuMs, RssSampler } from './lib/proc.js';
import {
  checkTarget,
  environmentReport,
  loadAverageLine,
  packageVersion,
  printTable,
  printTargets,
  RESULTS_DIR,
  ROOT,
  round,
  secondsFromEnv,
  type TargetCheck,
} from './lib/report.js';

const NAME = 'bench:rerank';
const TARGET_ENTRY = fileURLToPath(new URL('./app-target.ts', import.meta.url));
const KEY = 'qk_bench-rerank-key-0000000000000000000000';
const CONNECTIONS = 50;
const DOCUMENTS = 100;
const WORDS = 200;

interface Scenario {
  name: string;
  method: 'lexical' | 'semantic' | 'hybrid';
  /** Extra server settings (a model directory for semantic rows). */
  serverEnv: Record<string, string>;
  targets: { p99SingleMs: number; reqPerSec50: number; p99At50Ms: number };
}

const SCENARIOS: Scenario[] = [
  {
    name: 'lexical (BM25)',
    method: 'lexical',
    serverEnv: {},
    targets: { p99SingleMs: 20, reqPerSec50: 650, p99At50Ms: 100 },
  },
  // Semantic rows go here (see the header).
];

interface Row {
  scenario: string;
  method: string;
  single: { requests: number; p50Ms: number; p99Ms: number; meanMs: number };
  concurrent: {
    connections: number;
    durationS: number;
    reqPerSec: number;
    p50Ms: number;
    p99Ms: number;
    non2xx: number;
    errors: number;
    timeouts: number;
    valid: boolean;
    serverCpuUsPerRequest: number | undefined;
  };
  peakRssMb: number | undefined;
  tookMsServerP50: number | undefined;
}

/** A seeded generator, so every run sends the same corpus. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function corpus(): { query: string; documents: string[] } {
  const next = random(42);
  const vocabulary = Array.from({ length: 3000 }, (_, i) => {
    let word = '';
    let n = i + 7;
    while (n > 0) {
      word += String.fromCharCode(97 + (n % 26));
      n = Math.floor(n / 26);
    }
    return word;
  });
  // Zipf-like: low ranks are frequent, as in real text.
  const pick = (): string => vocabulary[Math.floor(vocabulary.length * next() ** 3)] ?? 'a';
  const documents = Array.from({ length: DOCUMENTS }, () => {
    const words = Array.from({ length: WORDS }, pick);
    return `${words.join(' ')}.`;
  });
  const query = Array.from({ length: 5 }, pick).join(' ');
  return { query, documents };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? NaN;
}

async function sequential(
  url: string,
  body: string,
  count: number,
): Promise<{ latencies: number[]; tookMs: number[] }> {
  const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
  const latencies: number[] = [];
  const tookMs: number[] = [];
  for (let i = 0; i < count + 50; i++) {
    const started = performance.now();
    const response = await fetch(url, { method: 'POST', headers, body });
    const text = await response.text();
    const elapsed = performance.now() - started;
    if (response.status !== 200) throw new Error(`rerank answered ${response.status}: ${text}`);
    if (i < 50) continue; // warm-up
    latencies.push(elapsed);
    tookMs.push((JSON.parse(text) as { meta: { took_ms: number } }).meta.took_ms);
  }
  return { latencies, tookMs };
}

async function concurrent(
  url: string,
  body: string,
  durationS: number,
  warmupS: number,
  serverPid: number | undefined,
): Promise<Row['concurrent']> {
  const options = {
    url,
    connections: CONNECTIONS,
    pipelining: 1,
    duration: durationS,
    method: 'POST',
    body,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
  };
  // autocannon takes method and body; the shared wrapper declares only what the GET benches use.
  const run = (duration: number, onStart?: Parameters<typeof runLoad>[1]) =>
    runLoad({ ...options, duration } as AutocannonOptions, onStart);
  if (warmupS > 0) await run(warmupS);
  const latencies: number[] = [];
  const cpu0 = processCpuMs(serverPid);
  const result = await run(durationS, (instance) =>
    instance.on('response', (_client, status, _bytes, responseTimeMs) => {
      if (status >= 200 && status < 300) latencies.push(responseTimeMs);
    }),
  );
  const cpu1 = processCpuMs(serverPid);
  latencies.sort((a, b) => a - b);
  return {
    connections: CONNECTIONS,
    durationS: result.duration,
    reqPerSec: round(result.requests.total / result.duration, 1),
    p50Ms: round(percentile(latencies, 50), 2),
    p99Ms: round(percentile(latencies, 99), 2),
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    valid: result.non2xx === 0 && result.errors === 0 && result.timeouts === 0,
    serverCpuUsPerRequest:
      cpu0 !== undefined && cpu1 !== undefined && result.requests.total > 0
        ? round(((cpu1 - cpu0) * 1000) / result.requests.total, 1)
        : undefined,
  };
}

async function measure(scenario: Scenario, body: string): Promise<Row> {
  const durationS = secondsFromEnv('BENCH_DURATION_S', 5, false);
  const warmupS = secondsFromEnv('BENCH_WARMUP_S', 1, true);
  const count = Math.max(50, Number(process.env.BENCH_SEQUENTIAL ?? 500) || 500);
  const dataDir = mkdtempSync(join(os.tmpdir(), 'quire-bench-rerank-'));
  const target = await startTarget({
    name: scenario.name,
    entry: TARGET_ENTRY,
    args: [dataDir],
    cwd: ROOT,
    env: {
      ...envWithoutQuireSettings(),
      QUIRE_BOOTSTRAP_ADMIN_KEY: KEY,
      QUIRE_RATE_LIMIT_SEARCH: '100000000',
      ...scenario.serverEnv,
    },
  });
  try {
    const url = `${target.url}/v1/rerank`;
    const rss = new RssSampler(target.child.pid).start();
    console.log(`  ${scenario.name}: ${count} sequential requests`);
    const single = await sequential(url, body, count);
    console.log(
      `  ${scenario.name} @${CONNECTIONS} conn: warm-up ${warmupS} s, measure ${durationS} s`,
    );
    const many = await concurrent(url, body, durationS, warmupS, target.child.pid);
    const memory = rss.stop();
    const sorted = [...single.latencies].sort((a, b) => a - b);
    const took = [...single.tookMs].sort((a, b) => a - b);
    return {
      scenario: scenario.name,
      method: scenario.method,
      single: {
        requests: sorted.length,
        p50Ms: round(percentile(sorted, 50), 2),
        p99Ms: round(percentile(sorted, 99), 2),
        meanMs: round(sorted.reduce((sum, value) => sum + value, 0) / sorted.length, 2),
      },
      concurrent: many,
      peakRssMb:
        memory.peakBytes === undefined ? undefined : round(memory.peakBytes / 1024 / 1024, 1),
      tookMsServerP50: round(percentile(took, 50), 3),
    };
  } finally {
    await stopChild(target.child, scenario.name);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  killChildrenOnExit(NAME);
  const startedAt = new Date();
  const loadAverage = os.loadavg();
  console.log(`${NAME}: ${DOCUMENTS} documents × ${WORDS} words`);
  console.log(loadAverageLine(loadAverage));
  const { query, documents } = corpus();
  const rows: Row[] = [];
  for (const scenario of SCENARIOS) {
    const body = JSON.stringify({ query, documents, method: scenario.method, top_n: 10 });
    rows.push(await measure(scenario, body));
  }

  console.log('');
  printTable(
    [
      'scenario',
      '1 conn p50 ms',
      '1 conn p99 ms',
      'took_ms p50',
      '50 conn req/s',
      '50 conn p99 ms',
      'server µs/req',
      'peak RSS MB',
      'valid',
    ],
    rows.map((row) => [
      row.scenario,
      String(row.single.p50Ms),
      String(row.single.p99Ms),
      String(row.tookMsServerP50 ?? 'n/a'),
      String(row.concurrent.reqPerSec),
      String(row.concurrent.p99Ms),
      String(row.concurrent.serverCpuUsPerRequest ?? 'n/a'),
      String(row.peakRssMb ?? 'n/a'),
      row.concurrent.valid ? 'yes' : 'NO',
    ]),
  );
  const checks: TargetCheck[] = rows.flatMap((row, i) => {
    const targets = SCENARIOS[i]?.targets;
    if (targets === undefined) return [];
    const valid = row.concurrent.valid;
    return [
      checkTarget(
        `${row.scenario}: p99 at 1 connection < ${targets.p99SingleMs} ms`,
        row.single.p99Ms,
        `< ${targets.p99SingleMs}`,
        (value) => value < targets.p99SingleMs,
        true,
      ),
      checkTarget(
        `${row.scenario}: ≥ ${targets.reqPerSec50} req/s at ${CONNECTIONS} connections`,
        row.concurrent.reqPerSec,
        `>= ${targets.reqPerSec50}`,
        (value) => value >= targets.reqPerSec50,
        valid,
      ),
      checkTarget(
        `${row.scenario}: p99 at ${CONNECTIONS} connections < ${targets.p99At50Ms} ms`,
        row.concurrent.p99Ms,
        `< ${targets.p99At50Ms}`,
        (value) => value < targets.p99At50Ms,
        valid,
      ),
    ];
  });
  console.log('');
  printTargets(checks);

  const file = join(RESULTS_DIR, 'rerank.json');
  const report = {
    benchmark: NAME,
    startedAt: startedAt.toISOString(),
    request: { documents: DOCUMENTS, wordsPerDocument: WORDS, queryWords: 5, top_n: 10 },
    rows,
    targets: checks,
    environment: environmentReport(loadAverage, {
      fastify: packageVersion('fastify'),
      autocannon: packageVersion('autocannon'),
    }),
  };
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nresults: ${file}`);
}

main().catch((error: unknown) => {
  console.error(`${NAME}: failed`, error);
  killAllNow();
  process.exit(1);
});
