/**
 * `npm run bench:rerank`: POST /v1/rerank and /v1/similarity through the whole app (auth, rate
 * limiting at an unreachable limit, validation, scoring), against Quire in its own child process
 * (bench/app-target.ts, embedded back end), one server per row.
 *
 * Request: 100 documents of ~200 words (a fixed seeded Zipf-like vocabulary) and a 5-word query;
 * similarity compares the query with one document.
 *
 * Lexical (no model configured):
 *   - 1 connection: BENCH_SEQUENTIAL (default 500) requests one after another on a keep-alive
 *     connection after 50 warm-up ones: p50/p99 (exact, from every request);
 *   - 50 connections: autocannon for BENCH_DURATION_S (5) after BENCH_WARMUP_S (1): req/s and
 *     p50/p99 (µs histogram of the 2xx answers), every answer must be 2xx (INVALID otherwise);
 *   - the server's peak RSS (VmRSS sampled every 50 ms).
 * Then the 50-connection scenarios of bench/lib/rerank-scenarios.ts: this payload and issue 13's
 * (uniform vocabulary, all 100 results), each on the default build and on one with the scoring
 * pool disabled, BENCH_ROUNDS (3) alternating rounds: p50, p99, p99/p50, req/s and the cores the
 * server used; targets p99/p50 ≤ 3, ≥ 1.7 cores, ≥ 1.6× the pool-disabled req/s. Beside them, the
 * server's CPU per request and its main thread's share, the cores the load generator (autocannon,
 * in this process, on the same CPUs) and the whole machine were busy on, and from those the best
 * pool/no-pool req/s ratio this machine allows: by the cores left to the server, and by the main
 * thread, which keeps all work but the scoring.
 * Semantic and hybrid, with a generated cross-encoder of TinyBERT-L2 size and one of MiniLM-L6 size
 * (bench/lib/bench-models.ts; random weights, since latency depends on shape): see
 * bench/lib/semantic-rows.ts. Then the TinyBERT-sized model under overload at the default deadline.
 *
 * Targets (the issue's): lexical p99 < 20 ms at 1 connection, ≥ 650 req/s with p99 < 100 ms at 50;
 * hybrid with the TinyBERT-sized model p50 < 500 ms; event-loop delay p99 < 50 ms while semantic
 * requests run; RSS < 1 GB. Beside them, the targets of the services Quire replaces: similarity
 * < 100 ms, 50–100 documents reranked < 500 ms, memory < 2 GB, ≥ 100 requests per minute.
 * PASS/FAIL is printed; a miss does not fail the process. Results: bench/results/rerank.json.
 *
 * BENCH_MODEL_RUNS (default 30 for TinyBERT size, a sixth of it for MiniLM size) sets the
 * sequential semantic and hybrid requests; BENCH_MODEL_LOAD_S (20) how long the closed loop runs;
 * BENCH_RERANK_MODELS=0 leaves the model rows out (lexical and the scenarios only).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runLoad, type AutocannonOptions } from './lib/autocannon.js';
import { ensureBenchModel, type BenchModelName } from './lib/bench-models.js';
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
  integerFromEnv,
  printTable,
  printTargets,
  RESULTS_DIR,
  ROOT,
  round,
  secondsFromEnv,
  type TargetCheck,
} from './lib/report.js';
import { postSequential } from './lib/rerank-requests.js';
import {
  measureModel,
  measureOverload,
  type ModelRow,
  type ModelServer,
  type OverloadRow,
  type RerankBodies,
} from './lib/semantic-rows.js';
import {
  measureScenarios,
  medianRuns,
  SCENARIO_CONNECTIONS,
  uniformWorkload,
  type ScenarioRun,
} from './lib/rerank-scenarios.js';
import { percentile, summarizeLatencies, type LatencySummary } from './lib/stats.js';

const NAME = 'bench:rerank';
const TARGET_ENTRY = fileURLToPath(new URL('./app-target.ts', import.meta.url));
const KEY = 'qk_bench-rerank-key-0000000000000000000000';
const CONNECTIONS = 50;
const DOCUMENTS = 100;
const WORDS = 200;
const OVERLOAD_CLIENTS = 50;
const DEFAULT_DEADLINE_MS = 2000;

interface LexicalRow {
  single: LatencySummary;
  similarityPair: LatencySummary;
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

async function concurrent(
  url: string,
  body: string,
  durationS: number,
  warmupS: number,
  serverPid: number | undefined,
): Promise<LexicalRow['concurrent']> {
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

async function measureLexical(bodies: RerankBodies): Promise<LexicalRow> {
  const durationS = secondsFromEnv('BENCH_DURATION_S', 5, false);
  const warmupS = secondsFromEnv('BENCH_WARMUP_S', 1, true);
  const count = Math.max(50, Number(process.env.BENCH_SEQUENTIAL ?? 500) || 500);
  const dataDir = mkdtempSync(join(os.tmpdir(), 'quire-bench-rerank-'));
  const target = await startTarget({
    name: 'lexical',
    entry: TARGET_ENTRY,
    args: [dataDir],
    cwd: ROOT,
    env: {
      ...envWithoutQuireSettings(),
      QUIRE_BOOTSTRAP_ADMIN_KEY: KEY,
      QUIRE_RATE_LIMIT_SEARCH: '100000000',
    },
  });
  try {
    const url = `${target.url}/v1/rerank`;
    const body = JSON.stringify({ ...bodies.rerank, method: 'lexical' });
    const rss = new RssSampler(target.child.pid).start();
    console.log(`  lexical: ${count} sequential requests`);
    const single = await postSequential(url, KEY, body, count, 50);
    const similarityBody = JSON.stringify({ ...bodies.similarity, method: 'lexical' });
    const similarity = await postSequential(
      `${target.url}/v1/similarity`,
      KEY,
      similarityBody,
      count,
      50,
    );
    console.log(`  lexical @${CONNECTIONS} conn: warm-up ${warmupS} s, measure ${durationS} s`);
    const many = await concurrent(url, body, durationS, warmupS, target.child.pid);
    const memory = rss.stop();
    const took = single.metas.map((meta) => meta.took_ms ?? NaN).sort((a, b) => a - b);
    return {
      single: summarizeLatencies(single.latencies),
      similarityPair: summarizeLatencies(similarity.latencies),
      concurrent: many,
      peakRssMb:
        memory.peakBytes === undefined ? undefined : round(memory.peakBytes / 1024 / 1024, 1),
      tookMsServerP50: round(percentile(took, 50), 3),
    };
  } finally {
    await stopChild(target.child, 'lexical');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function modelServer(model: BenchModelName): Promise<ModelServer> {
  return {
    name: model,
    entry: TARGET_ENTRY,
    key: KEY,
    modelDir: await ensureBenchModel(model),
  };
}

/** Issue 13's targets on the uniform workload, from the medians over the rounds. */
function judgeScenarios(medians: ScenarioRun[]): TargetCheck[] {
  const pool = medians.find((run) => run.workload === 'uniform all' && run.build === 'pool');
  const inline = medians.find((run) => run.workload === 'uniform all' && run.build === 'no pool');
  const valid = (pool?.valid ?? false) && (inline?.valid ?? false);
  const speedup =
    pool === undefined || inline === undefined
      ? undefined
      : round(pool.reqPerSec / inline.reqPerSec, 2);
  return [
    checkTarget(
      `uniform all @${SCENARIO_CONNECTIONS} conn: p99 / p50 ≤ 3`,
      pool?.tailRatio,
      '<= 3',
      (value) => value <= 3,
      valid,
    ),
    checkTarget(
      `uniform all @${SCENARIO_CONNECTIONS} conn: server cores used ≥ 1.7`,
      pool?.coresUsed,
      '>= 1.7',
      (value) => value >= 1.7,
      valid,
    ),
    checkTarget(
      `uniform all @${SCENARIO_CONNECTIONS} conn: req/s ≥ 1.6× the pool-disabled build`,
      speedup,
      '>= 1.6',
      (value) => value >= 1.6,
      valid,
    ),
  ];
}

function printScenarios(runs: ScenarioRun[], medians: ScenarioRun[]): void {
  const reference = (workload: string) =>
    medians.find((run) => run.workload === workload && run.build === 'no pool');
  const row = (run: ScenarioRun): string[] => {
    const inline = reference(run.workload);
    return [
      run.workload,
      run.build,
      run.round === 0 ? 'median' : String(run.round),
      String(run.p50Ms),
      String(run.p99Ms),
      String(run.tailRatio),
      String(run.reqPerSec),
      run.round === 0 && inline !== undefined
        ? String(round(run.reqPerSec / inline.reqPerSec, 2))
        : '',
      String(run.coresUsed ?? 'n/a'),
      String(run.serverCpuMsPerRequest ?? 'n/a'),
      String(run.mainThreadMsPerRequest ?? 'n/a'),
      String(run.loadgenCores),
      String(run.machineBusyCores ?? 'n/a'),
      run.valid ? 'yes' : 'NO',
    ];
  };
  printTable(
    [
      `@${SCENARIO_CONNECTIONS} conn`,
      'build',
      'round',
      'p50 ms',
      'p99 ms',
      'p99/p50',
      'req/s',
      '× no pool',
      'cores used',
      'server ms/req',
      'main thread ms/req',
      'loadgen cores',
      'machine busy',
      'all 2xx',
    ],
    [...runs.map(row), ...medians.map(row)],
  );
}

/**
 * What bounds the pool's gain here, from the uniform workload's medians: the cores the load
 * generator (on the same CPUs) leaves the server, and the main thread, which still does
 * everything but the scoring (HTTP, parsing, validation, handing work over, the answer) — the
 * pooled build cannot answer faster than its main thread's CPU per request allows.
 */
function machineCeiling(medians: ScenarioRun[]): Record<string, number | undefined> {
  const pool = medians.find((run) => run.workload === 'uniform all' && run.build === 'pool');
  const inline = medians.find((run) => run.workload === 'uniform all' && run.build === 'no pool');
  const cpus = os.availableParallelism();
  if (pool === undefined || inline === undefined) return {};
  const serverCores = round(cpus - pool.loadgenCores, 2);
  const inlineReqPerCpuS =
    inline.serverCpuMsPerRequest === undefined ? undefined : 1000 / inline.serverCpuMsPerRequest;
  const inlineReqPerS =
    inlineReqPerCpuS === undefined || inline.coresUsed === undefined
      ? undefined
      : inlineReqPerCpuS * inline.coresUsed;
  // The pooled build, were it bound by cores alone, or by its main thread alone.
  const coresBound =
    inlineReqPerS === undefined || pool.serverCpuMsPerRequest === undefined
      ? undefined
      : round((serverCores * 1000) / pool.serverCpuMsPerRequest / inlineReqPerS, 2);
  const mainThreadBound =
    inlineReqPerS === undefined || pool.mainThreadMsPerRequest === undefined
      ? undefined
      : round(1000 / pool.mainThreadMsPerRequest / inlineReqPerS, 2);
  const bestSpeedup =
    coresBound === undefined || mainThreadBound === undefined
      ? undefined
      : Math.min(coresBound, mainThreadBound);
  console.log(
    `\nuniform all, on this machine (${cpus} CPUs, the load generator on them too):\n` +
      `  pool build: server ${pool.coresUsed ?? 'n/a'} cores, load generator ` +
      `${pool.loadgenCores}, machine busy ${pool.machineBusyCores ?? 'n/a'}; the load generator ` +
      `leaves the server ${serverCores} cores\n` +
      `  CPU per request: pooled ${pool.serverCpuMsPerRequest ?? 'n/a'} ms, of it ` +
      `${pool.mainThreadMsPerRequest ?? 'n/a'} ms on the main thread; inline ` +
      `${inline.serverCpuMsPerRequest ?? 'n/a'} ms on ${inline.coresUsed ?? 'n/a'} cores\n` +
      `  best pool/no-pool req/s these allow: ${coresBound ?? 'n/a'}× by cores, ` +
      `${mainThreadBound ?? 'n/a'}× by the main thread → ${bestSpeedup ?? 'n/a'}×`,
  );
  return { cpus, serverCoresAvailable: serverCores, coresBound, mainThreadBound, bestSpeedup };
}

function judge(
  lexical: LexicalRow,
  models: ModelRow[],
  overload: OverloadRow | undefined,
): { ours: TargetCheck[]; seed: TargetCheck[] } {
  const below = (limit: number) => (value: number) => value < limit;
  const lexicalValid = lexical.concurrent.valid;
  const tinybert = models.find((row) => row.model === 'tinybert-l2-cross');
  const ours: TargetCheck[] = [
    checkTarget(
      'lexical: p99 at 1 connection < 20 ms',
      lexical.single.p99Ms,
      '< 20',
      below(20),
      true,
    ),
    checkTarget(
      `lexical: ≥ 650 req/s at ${CONNECTIONS} connections`,
      lexical.concurrent.reqPerSec,
      '>= 650',
      (value) => value >= 650,
      lexicalValid,
    ),
    checkTarget(
      `lexical: p99 at ${CONNECTIONS} connections < 100 ms`,
      lexical.concurrent.p99Ms,
      '< 100',
      below(100),
      lexicalValid,
    ),
    checkTarget(
      'hybrid, TinyBERT-L2 size: p50 < 500 ms',
      tinybert?.hybrid.p50Ms,
      '< 500',
      below(500),
      tinybert?.valid ?? false,
    ),
    ...models.map((row) =>
      checkTarget(
        `${row.model}: server event-loop delay p99 < 50 ms while semantic requests run`,
        row.eventLoopP99Ms,
        '< 50',
        below(50),
        row.valid,
      ),
    ),
    ...[
      { name: 'lexical', mb: lexical.peakRssMb },
      ...models.map((row) => ({ name: row.model, mb: row.peakRssMb })),
      ...(overload === undefined
        ? []
        : [{ name: `${overload.model} overloaded`, mb: overload.peakRssMb }]),
    ].map(({ name, mb }) =>
      checkTarget(`${name}: peak RSS < 1024 MB`, mb, '< 1024', below(1024), true),
    ),
  ];
  const seed: TargetCheck[] = [
    checkTarget(
      'seed: similarity (lexical) < 100 ms',
      lexical.similarityPair.p50Ms,
      '< 100',
      below(100),
      true,
    ),
    ...models.flatMap((row) => [
      checkTarget(
        `seed: similarity (${row.model}) < 100 ms`,
        row.similarityPair.p50Ms,
        '< 100',
        below(100),
        row.valid,
      ),
      checkTarget(
        `seed: ${DOCUMENTS} documents semantic (${row.model}) < 500 ms`,
        row.semantic.p50Ms,
        '< 500',
        below(500),
        row.valid,
      ),
      checkTarget(
        `seed: ${DOCUMENTS} documents hybrid (${row.model}) < 500 ms`,
        row.hybrid.p50Ms,
        '< 500',
        below(500),
        row.valid,
      ),
      checkTarget(
        `seed: ≥ 100 hybrid requests per minute (${row.model})`,
        row.throughput.perMinute,
        '>= 100',
        (value) => value >= 100,
        row.valid,
      ),
      checkTarget(`seed: memory < 2 GB (${row.model})`, row.peakRssMb, '< 2048', below(2048), true),
    ]),
  ];
  return { ours, seed };
}

function printRows(
  lexical: LexicalRow,
  models: ModelRow[],
  overload: OverloadRow | undefined,
): void {
  printTable(
    ['lexical (BM25)', 'value'],
    [
      ['1 conn p50 / p99 ms', `${lexical.single.p50Ms} / ${lexical.single.p99Ms}`],
      ['server took_ms p50', String(lexical.tookMsServerP50 ?? 'n/a')],
      [`${CONNECTIONS} conn req/s`, String(lexical.concurrent.reqPerSec)],
      [
        `${CONNECTIONS} conn p50 / p99 ms`,
        `${lexical.concurrent.p50Ms} / ${lexical.concurrent.p99Ms}`,
      ],
      ['server CPU µs/request', String(lexical.concurrent.serverCpuUsPerRequest ?? 'n/a')],
      [
        'similarity pair p50 / p99 ms',
        `${lexical.similarityPair.p50Ms} / ${lexical.similarityPair.p99Ms}`,
      ],
      ['peak RSS MB', String(lexical.peakRssMb ?? 'n/a')],
      ['all answers 2xx', lexical.concurrent.valid ? 'yes' : 'NO'],
    ],
  );
  console.log('');
  printTable(
    [
      'model',
      'semantic p50/p99 ms',
      'hybrid p50/p99 ms',
      'similarity p50 ms',
      'hybrid req/min (clients)',
      'loaded p50/p99 ms',
      'event-loop p99 ms',
      '/livez p99 ms',
      'peak RSS MB',
      'degraded',
    ],
    models.map((row) => [
      row.model,
      `${row.semantic.p50Ms} / ${row.semantic.p99Ms}`,
      `${row.hybrid.p50Ms} / ${row.hybrid.p99Ms}`,
      String(row.similarityPair.p50Ms),
      `${row.throughput.perMinute} (${row.throughput.clients})`,
      `${row.throughput.p50Ms} / ${row.throughput.p99Ms}`,
      String(row.eventLoopP99Ms),
      String(row.livezP99Ms),
      String(row.peakRssMb ?? 'n/a'),
      String(row.degraded),
    ]),
  );
  if (overload === undefined) return;
  console.log('');
  printTable(
    ['overload', 'clients', 'deadline ms', 'req/s', 'p50 / p99 ms', 'degraded share', 'failures'],
    [
      [
        `${overload.model} hybrid`,
        String(overload.clients),
        String(overload.deadlineMs),
        String(overload.perSecond),
        `${overload.p50Ms} / ${overload.p99Ms}`,
        `${overload.degradedShare} (${Object.entries(overload.degradedReasons)
          .map(([reason, count]) => `${reason} ${count}`)
          .join(', ')}; server counted ${overload.degradedCounted})`,
        String(overload.failures),
      ],
    ],
  );
}

async function main(): Promise<void> {
  killChildrenOnExit(NAME);
  const startedAt = new Date();
  const loadAverage = os.loadavg();
  console.log(`${NAME}: ${DOCUMENTS} documents × ${WORDS} words`);
  console.log(loadAverageLine(loadAverage));
  const { query, documents } = corpus();
  const bodies: RerankBodies = {
    rerank: { query, documents, top_n: 10 },
    similarity: { source: query, targets: [documents[0]] },
  };
  const runs = Math.max(6, Number(process.env.BENCH_MODEL_RUNS ?? 30) || 30);
  const loadS = secondsFromEnv('BENCH_MODEL_LOAD_S', 20, false);

  const lexical = await measureLexical(bodies);
  const scenarioDir = mkdtempSync(join(os.tmpdir(), 'quire-bench-rerank-scenarios-'));
  let scenarioRuns: ScenarioRun[];
  try {
    scenarioRuns = await measureScenarios({
      entry: TARGET_ENTRY,
      cwd: ROOT,
      key: KEY,
      dataDir: (build) => join(scenarioDir, build),
      workloads: [
        { name: 'zipf top10', body: JSON.stringify({ ...bodies.rerank, method: 'lexical' }) },
        uniformWorkload(DOCUMENTS, WORDS),
      ],
      rounds: integerFromEnv('BENCH_ROUNDS', 3, 1, 20),
      durationS: secondsFromEnv('BENCH_DURATION_S', 5, false),
      warmupS: secondsFromEnv('BENCH_WARMUP_S', 1, true),
    });
  } finally {
    rmSync(scenarioDir, { recursive: true, force: true });
  }
  const scenarioMedians = medianRuns(scenarioRuns);
  const withModels = process.env.BENCH_RERANK_MODELS !== '0';
  const models: ModelRow[] = [];
  for (const [model, modelRuns] of withModels
    ? ([
        ['tinybert-l2-cross', runs],
        ['minilm-l6-cross', Math.ceil(runs / 6)],
      ] as const)
    : []) {
    console.log(`  ${model}: preparing the generated model`);
    const server = await modelServer(model);
    models.push(await measureModel(server, bodies, { runs: modelRuns, clients: 4, loadS }));
  }
  const overload = withModels
    ? await measureOverload(await modelServer('tinybert-l2-cross'), bodies, {
        clients: OVERLOAD_CLIENTS,
        loadS: Math.min(loadS, 10),
        deadlineMs: DEFAULT_DEADLINE_MS,
      })
    : undefined;

  console.log('');
  printRows(lexical, models, overload);
  console.log('');
  printScenarios(scenarioRuns, scenarioMedians);
  const ceiling = machineCeiling(scenarioMedians);
  const { ours: lexicalAndModels, seed } = judge(lexical, models, overload);
  const ours = [...judgeScenarios(scenarioMedians), ...lexicalAndModels];
  console.log('');
  printTargets(ours);
  console.log("\nthe replaced services' targets, side by side:");
  printTargets(seed);

  const file = join(RESULTS_DIR, 'rerank.json');
  const report = {
    benchmark: NAME,
    startedAt: startedAt.toISOString(),
    request: { documents: DOCUMENTS, wordsPerDocument: WORDS, queryWords: 5, top_n: 10 },
    lexical,
    scenarios: { runs: scenarioRuns, medians: scenarioMedians, ceiling },
    models,
    overload,
    targets: ours,
    seedTargets: seed,
    environment: environmentReport(loadAverage, {
      fastify: packageVersion('fastify'),
      autocannon: packageVersion('autocannon'),
      'onnxruntime-node': packageVersion('onnxruntime-node'),
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
