/**
 * `npm run bench:extract-memory`: how the extraction threads start and what they leave behind, on
 * the real server (`node --import tsx src/cli.ts start`, embedded SQLite in a fresh temporary data
 * dir, default extraction settings, QUIRE_LOG_LEVEL=warn), on a small generated corpus
 * (bench/corpus.ts: a 40-page text PDF and 20 small mixed documents — text, Markdown, HTML, CSV,
 * JSON, 1–5 page PDFs, DOCX).
 *
 *   - First document vs warm: BENCH_ROUNDS (default 3) fresh server processes; in each, a text
 *     PDF is uploaded the moment `/readyz` answers 200 (upload → job seen `succeeded`, polled every
 *     25 ms), then BENCH_WARM_DOCS (default 5) other text PDFs of the same length, made from other
 *     seeds (their own words and headings), one after another, then the first PDF again as many
 *     times. Ratio = the first document's time / the median of the other documents'; the rounds'
 *     median ratio is judged (target ≤ 1.2). The first PDF read again is printed beside it: a
 *     process keeps what it caches by content (the stems of a document's words, the regexes built
 *     from its headings), so the same file again is faster than any new document would be.
 *   - Memory after a burst: one more fresh server. Idle = the median VmRSS (the whole process,
 *     threads included, from /proc/<pid>/status) over 5 s, once the server has been ready for
 *     BENCH_IDLE_SETTLE_S (default 10) seconds. Then 20 documents are uploaded at once (10 copies
 *     of the text PDF, 10 small ones, alternating); peak = the highest sample (every 100 ms) until
 *     the last job settles; then VmRSS every second for 60 s. "60 s after" = the median of the
 *     samples from 58 to 62 s after the last job settled; its delta against idle is judged
 *     (target ≤ +50 MB). The thread count of the process (/proc/<pid>/task) is shown beside.
 *   - Lazy loading: what an extraction thread would hold if it imported the optional stacks at
 *     start: a child process starts a worker thread that loads the extraction worker module, then
 *     imports tesseract.js, onnxruntime-node and @huggingface/tokenizers one by one; the process's
 *     VmRSS after each (median of 5 samples) is the cost. "Idle RSS without lazy loading" = the
 *     measured idle + that cost × the warm extraction threads (none of them is ever imported on
 *     the main thread, with or without lazy loading: see docs/operations.md).
 *
 * With BENCH_BUILT=1 the server is the compiled one (`node dist/cli.js start`, as in production;
 * `npx tsc -p tsconfig.build.json` first), whose threads load JavaScript instead of compiling
 * TypeScript under tsx as they start. On a busy machine every figure is indicative only. Results: bench/results/extract-memory.json,
 * plus extract-memory-<timestamp>.json and extract-memory-latest.json.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openAsBlob, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadCorpus, type CorpusFile } from './corpus.js';
import {
  envWithoutQuireSettings,
  isRunning,
  killChildrenOnExit,
  stopChild,
} from './lib/children.js';
import { processRssBytes } from './lib/proc.js';
import {
  checkTarget,
  environmentReport,
  integerFromEnv,
  loadAverageLine,
  packageVersion,
  printTable,
  pdfEngineFromEnv,
  printTargets,
  RESULTS_DIR,
  ROOT,
  round,
  secondsFromEnv,
  writeResults,
} from './lib/report.js';

const NAME = 'bench:extract-memory';
const ADMIN_KEY = 'qk_bench-extract-memory-admin-key-000000000000';
const AUTH = { authorization: `Bearer ${ADMIN_KEY}` };
const FIRST_PORT = 28_460;
const READY_TIMEOUT_MS = 90_000;
const JOB_TIMEOUT_MS = 180_000;
const POLL_MS = 25;
const BURST_DOCUMENTS = 20;
const AFTER_BURST_S = 60;
const TARGET_MAX_FIRST_RATIO = 1.2;
const TARGET_MAX_DELTA_MB = 50;
const MB = 1e6;
const SETTLED = new Set(['succeeded', 'failed', 'cancelled', 'dead']);

const ROUNDS = integerFromEnv('BENCH_ROUNDS', 3, 1, 20);
const WARM_DOCS = integerFromEnv('BENCH_WARM_DOCS', 5, 1, 50);
const IDLE_SETTLE_S = secondsFromEnv('BENCH_IDLE_SETTLE_S', 10, true);
const BUILT = process.env.BENCH_BUILT === '1';
const SERVER_ARGS = BUILT
  ? [join(ROOT, 'dist', 'cli.js'), 'start']
  : ['--import', 'tsx', 'src/cli.ts', 'start'];

killChildrenOnExit(NAME);

/** The corpus of the first-document PDFs (index 0) and of the others, same shape. */
const corpusOptions = (index: number, smallDocuments: number) => ({
  seed: 20_261_206 + index * 1_000,
  textPdfPages: 40,
  imagePdfPages: 1,
  imageBytesPerPage: 64 * 1024,
  smallDocuments,
});

const median = (values: number[]): number | undefined => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? undefined : sorted[Math.floor((sorted.length - 1) / 2)];
};
const mb = (bytes: number | undefined): string =>
  bytes === undefined ? 'n/a' : (bytes / MB).toFixed(0);
const signedMb = (bytes: number | undefined): string =>
  bytes === undefined ? 'n/a' : `${bytes >= 0 ? '+' : ''}${(bytes / MB).toFixed(0)}`;
const threadCount = (pid: number): number | undefined => {
  try {
    return readdirSync(`/proc/${pid}/task`).length;
  } catch {
    return undefined;
  }
};

// ---------------------------------------------------------------------------------------------
// The server and the API.

interface Server {
  child: ChildProcess;
  pid: number;
  url: string;
  dataDir: string;
  /** performance.now() when /readyz first answered 200. */
  readyAt: number;
  startS: number;
}

let nextPort = FIRST_PORT;

async function startServer(): Promise<Server> {
  const port = nextPort++;
  const dataDir = mkdtempSync(join(os.tmpdir(), 'quire-bench-memory-'));
  const started = performance.now();
  const child = spawn(process.execPath, SERVER_ARGS, {
    cwd: ROOT,
    env: {
      ...envWithoutQuireSettings(),
      QUIRE_HOST: '127.0.0.1',
      QUIRE_PORT: String(port),
      QUIRE_DATA_DIR: dataDir,
      QUIRE_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
      QUIRE_LOG_LEVEL: 'warn',
      QUIRE_PDF_ENGINE: pdfEngineFromEnv(),
      QUIRE_RATE_LIMIT_UPLOAD: '1000000',
      QUIRE_RATE_LIMIT_READ: '1000000',
      QUIRE_RATE_LIMIT_WRITE: '1000000',
      QUIRE_RATE_LIMIT_META: '1000000',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (child.pid === undefined) throw new Error('the server has no pid');
  const url = `http://127.0.0.1:${port}`;
  const deadline = started + READY_TIMEOUT_MS;
  for (;;) {
    if (!isRunning(child)) throw new Error('the server exited before it was ready');
    try {
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) throw new Error('the server was not ready in time');
    await sleep(50);
  }
  const readyAt = performance.now();
  return {
    child,
    pid: child.pid,
    url,
    dataDir,
    readyAt,
    startS: round((readyAt - started) / 1000, 2),
  };
}

async function stopServer(server: Server): Promise<void> {
  await stopChild(server.child, NAME);
  rmSync(server.dataDir, { recursive: true, force: true });
}

interface JobView {
  id: string;
  status: string;
  started_at?: string;
  finished_at?: string;
  error?: { code: string; message: string };
}

/** Uploads a file (dedupe off) and resolves with its job id. */
async function upload(url: string, file: CorpusFile): Promise<string> {
  const form = new FormData();
  form.append('file', await openAsBlob(file.path, { type: file.contentType }), file.name);
  const response = await fetch(`${url}/v1/documents?dedupe=false`, {
    method: 'POST',
    headers: AUTH,
    body: form,
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  if (response.status !== 202) throw new Error(`upload answered ${response.status}: ${text}`);
  const { job } = JSON.parse(text) as { job: JobView | null };
  if (job === null) throw new Error('upload answered 202 without a job');
  return job.id;
}

/** Polls a job until it settles; throws unless it succeeded. */
async function settled(url: string, jobId: string): Promise<JobView> {
  const deadline = performance.now() + JOB_TIMEOUT_MS;
  for (;;) {
    const response = await fetch(`${url}/v1/jobs/${jobId}`, { headers: AUTH });
    const job = (await response.json()) as JobView;
    if (SETTLED.has(job.status)) {
      if (job.status !== 'succeeded') {
        throw new Error(`job ${jobId} ${job.status}: ${job.error?.code} ${job.error?.message}`);
      }
      return job;
    }
    if (performance.now() > deadline) throw new Error(`job ${jobId} did not settle in time`);
    await sleep(POLL_MS);
  }
}

/** Upload → job seen succeeded, and the job's own run (started_at → finished_at), in ms. */
async function documentMs(url: string, file: CorpusFile): Promise<{ ms: number; jobMs: number }> {
  const started = performance.now();
  const job = await settled(url, await upload(url, file));
  const jobMs = Date.parse(job.finished_at ?? '') - Date.parse(job.started_at ?? '');
  return { ms: performance.now() - started, jobMs };
}

// ---------------------------------------------------------------------------------------------
// Scenarios.

interface FirstRound {
  startS: number;
  firstMs: number;
  /** The other PDFs, each once (what a running service is sent). */
  newMs: number[];
  newMedianMs: number;
  ratio: number;
  /** The first PDF again, BENCH_WARM_DOCS times (the previous definition of "warm"). */
  sameMs: number[];
  sameMedianMs: number;
  sameRatio: number;
  /** The job alone (extraction on its thread, then storing and indexing on the main thread). */
  firstJobMs: number;
  newJobMedianMs: number;
}

/**
 * `files[0]` first, then each other file once, then `files[0]` again WARM_DOCS times: a process
 * that has read a document keeps what is cached by content (its index terms' stems, the regexes
 * built from its headings), so "warm" is judged on documents it has not seen.
 */
async function firstVersusWarm(files: CorpusFile[]): Promise<FirstRound[]> {
  const [file, ...others] = files;
  if (file === undefined) throw new Error('no document to time');
  const rounds: FirstRound[] = [];
  for (let round_ = 1; round_ <= ROUNDS; round_++) {
    const server = await startServer();
    try {
      const first = await documentMs(server.url, file);
      const firstMs = first.ms;
      const fresh: { ms: number; jobMs: number }[] = [];
      for (const other of others) fresh.push(await documentMs(server.url, other));
      const same: number[] = [];
      for (let i = 0; i < WARM_DOCS; i++) same.push((await documentMs(server.url, file)).ms);
      const newMs = fresh.map((each) => each.ms);
      const newMedianMs = median(newMs) ?? Number.NaN;
      const sameMedianMs = median(same) ?? Number.NaN;
      rounds.push({
        startS: server.startS,
        firstMs: Math.round(firstMs),
        newMs: newMs.map(Math.round),
        newMedianMs: Math.round(newMedianMs),
        ratio: round(firstMs / newMedianMs, 2),
        sameMs: same.map(Math.round),
        sameMedianMs: Math.round(sameMedianMs),
        sameRatio: round(firstMs / sameMedianMs, 2),
        firstJobMs: first.jobMs,
        newJobMedianMs: median(fresh.map((each) => each.jobMs)) ?? Number.NaN,
      });
      console.error(
        `${NAME}: round ${round_}: first ${Math.round(firstMs)} ms, other documents' median ${Math.round(newMedianMs)} ms, the same again ${Math.round(sameMedianMs)} ms`,
      );
    } finally {
      await stopServer(server);
    }
  }
  return rounds;
}

/** VmRSS samples every `everyMs` for `seconds`, with their times (s from the start). */
async function sampleRss(
  pid: number,
  seconds: number,
  everyMs: number,
): Promise<{ atS: number; bytes: number; threads: number | undefined }[]> {
  const samples: { atS: number; bytes: number; threads: number | undefined }[] = [];
  const start = performance.now();
  while (performance.now() - start <= seconds * 1000) {
    const bytes = processRssBytes(pid);
    if (bytes !== undefined) {
      samples.push({
        atS: round((performance.now() - start) / 1000, 2),
        bytes,
        threads: threadCount(pid),
      });
    }
    await sleep(everyMs);
  }
  return samples;
}

interface BurstResult {
  idleBytes: number | undefined;
  idleThreads: number | undefined;
  peakBytes: number | undefined;
  peakThreads: number | undefined;
  burstS: number;
  afterBytes: number | undefined;
  afterThreads: number | undefined;
  deltaBytes: number | undefined;
  trace: { atS: number; rssMb: number; threads: number | undefined }[];
}

async function memoryAfterBurst(burst: CorpusFile[]): Promise<BurstResult> {
  const server = await startServer();
  try {
    await sleep(IDLE_SETTLE_S * 1000);
    const idle = await sampleRss(server.pid, 5, 250);
    const idleBytes = median(idle.map((sample) => sample.bytes));
    const idleThreads = median(idle.flatMap((sample) => sample.threads ?? []));

    let peakBytes = 0;
    let peakThreads = 0;
    let bursting = true;
    const peakSampler = (async () => {
      while (bursting) {
        peakBytes = Math.max(peakBytes, processRssBytes(server.pid) ?? 0);
        peakThreads = Math.max(peakThreads, threadCount(server.pid) ?? 0);
        await sleep(100);
      }
    })();
    const burstStart = performance.now();
    try {
      const jobs = await Promise.all(burst.map((file) => upload(server.url, file)));
      await Promise.all(jobs.map((job) => settled(server.url, job)));
    } finally {
      bursting = false;
      await peakSampler;
    }
    const burstS = round((performance.now() - burstStart) / 1000, 2);

    const after = await sampleRss(server.pid, AFTER_BURST_S + 2, 1000);
    const end = after.filter((sample) => sample.atS >= AFTER_BURST_S - 2);
    const afterBytes = median(end.map((sample) => sample.bytes));
    const afterThreads = median(end.flatMap((sample) => sample.threads ?? []));
    return {
      idleBytes,
      idleThreads,
      peakBytes,
      peakThreads,
      burstS,
      afterBytes,
      afterThreads,
      deltaBytes:
        afterBytes === undefined || idleBytes === undefined ? undefined : afterBytes - idleBytes,
      trace: after
        .filter((sample) => Math.round(sample.atS) % 10 === 0)
        .map((sample) => ({
          atS: Math.round(sample.atS),
          rssMb: Math.round(sample.bytes / MB),
          threads: sample.threads,
        })),
    };
  } finally {
    await stopServer(server);
  }
}

// ---------------------------------------------------------------------------------------------
// What the optional stacks would cost an extraction thread if imported at its start.

interface ImportCost {
  /** VmRSS after each step, in bytes. */
  after: Record<string, number>;
  /** What the optional stacks add to a thread, in bytes. */
  optionalBytes: number | undefined;
}

function importCost(): ImportCost {
  const optional = ['tesseract.js', 'onnxruntime-node', '@huggingface/tokenizers'];
  const steps = [...optional, join(ROOT, 'src', 'extraction', 'worker.ts')];
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench', 'lib', 'import-cost.ts'), JSON.stringify(steps)],
    { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
  );
  if (run.status !== 0) {
    console.error(`${NAME}: import cost run failed: ${run.stderr}`);
    return { after: {}, optionalBytes: undefined };
  }
  const after = JSON.parse(run.stdout) as Record<string, number>;
  const base = after['thread started'];
  const last = after[optional[optional.length - 1] ?? ''];
  return {
    after,
    optionalBytes: base === undefined || last === undefined ? undefined : last - base,
  };
}

/** The warm extraction threads a started server keeps: QUIRE_EXTRACTION_WARM_THREADS's default. */
function warmThreadsDefault(): number {
  const text = readFileSync(join(ROOT, 'src', 'settings', 'jobs.ts'), 'utf8');
  const match = /env: 'QUIRE_EXTRACTION_WARM_THREADS',\s+default: '(\d+)'/.exec(text);
  return match === null ? 0 : Number(match[1]);
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadAverageAtStart = os.loadavg();
  console.log(`${NAME}: ${loadAverageLine(loadAverageAtStart)}`);
  console.log(`${NAME}: server: node ${SERVER_ARGS.join(' ')}`);
  const corpus = await loadCorpus(corpusOptions(0, BURST_DOCUMENTS / 2));
  const burst = corpus.small.flatMap((file) => [corpus.textPdf, file]).slice(0, BURST_DOCUMENTS);
  // Text PDFs of the same length and kind, with their own words and headings.
  const others: CorpusFile[] = [];
  for (let index = 1; index <= WARM_DOCS; index++) {
    others.push((await loadCorpus(corpusOptions(index, 0))).textPdf);
  }

  const rounds = await firstVersusWarm([corpus.textPdf, ...others]);
  const memory = await memoryAfterBurst(burst);
  const imports = importCost();
  const warmThreads = warmThreadsDefault();
  const eagerIdleBytes =
    memory.idleBytes === undefined || imports.optionalBytes === undefined
      ? undefined
      : memory.idleBytes + imports.optionalBytes * warmThreads;

  const ratio = median(rounds.map((each) => each.ratio));
  const sameRatio = median(rounds.map((each) => each.sameRatio));
  console.log('');
  printTable(
    [
      'round',
      'ready (s)',
      'first doc (ms)',
      `${WARM_DOCS} other docs: median (ms)`,
      'first / other',
      'job: first (ms)',
      'job: others (ms)',
      'first doc again: median (ms)',
      'first / again',
    ],
    rounds.map((each, i) => [
      String(i + 1),
      each.startS.toFixed(2),
      String(each.firstMs),
      String(each.newMedianMs),
      each.ratio.toFixed(2),
      String(each.firstJobMs),
      String(each.newJobMedianMs),
      String(each.sameMedianMs),
      each.sameRatio.toFixed(2),
    ]),
  );
  console.log('');
  printTable(
    ['memory (whole process)', 'RSS (MB)', 'vs idle (MB)', 'threads'],
    [
      ['idle (after start and warm-up)', mb(memory.idleBytes), '', String(memory.idleThreads)],
      [
        `peak during a ${burst.length}-document burst (${memory.burstS} s)`,
        mb(memory.peakBytes),
        signedMb(
          memory.peakBytes === undefined || memory.idleBytes === undefined
            ? undefined
            : memory.peakBytes - memory.idleBytes,
        ),
        String(memory.peakThreads),
      ],
      [
        `${AFTER_BURST_S} s after the burst`,
        mb(memory.afterBytes),
        signedMb(memory.deltaBytes),
        String(memory.afterThreads),
      ],
      [
        `idle without lazy loading (+ ${mb(imports.optionalBytes)} MB × ${warmThreads} warm threads)`,
        mb(eagerIdleBytes),
        signedMb(
          eagerIdleBytes === undefined || memory.idleBytes === undefined
            ? undefined
            : eagerIdleBytes - memory.idleBytes,
        ),
        '',
      ],
    ],
  );
  console.log(
    `\nafter the burst (s: MB/threads): ${memory.trace.map((each) => `${each.atS}: ${each.rssMb}/${each.threads}`).join(', ')}`,
  );
  const targets = [
    checkTarget(
      `first document after start / warm: other documents (median of ${rounds.length} rounds)`,
      ratio,
      `≤ ${TARGET_MAX_FIRST_RATIO}`,
      (value) => value <= TARGET_MAX_FIRST_RATIO,
      rounds.length === ROUNDS,
    ),
    checkTarget(
      `RSS ${AFTER_BURST_S} s after a ${burst.length}-document burst − idle (MB)`,
      memory.deltaBytes === undefined ? undefined : Math.round(memory.deltaBytes / MB),
      `≤ +${TARGET_MAX_DELTA_MB}`,
      (value) => value <= TARGET_MAX_DELTA_MB,
      true,
    ),
  ];
  console.log('');
  printTargets(targets);

  const report = {
    name: NAME,
    startedAt: startedAt.toISOString(),
    settings: { rounds: ROUNDS, warmDocs: WARM_DOCS, idleSettleS: IDLE_SETTLE_S, built: BUILT },
    corpus: { dir: corpus.dir, textPdfPages: corpus.textPdf.pages, burst: burst.length },
    firstVersusWarm: { rounds, medianRatio: ratio, sameFileMedianRatio: sameRatio },
    memory,
    lazyLoading: { ...imports, warmThreads, eagerIdleBytes },
    targets,
    environment: environmentReport(loadAverageAtStart, {
      piscina: packageVersion('piscina'),
      unpdf: packageVersion('unpdf'),
      'tesseract.js': packageVersion('tesseract.js'),
      'onnxruntime-node': packageVersion('onnxruntime-node'),
    }),
  };
  const name = BUILT ? 'extract-memory-built' : 'extract-memory';
  writeResults(name, startedAt, report);
  writeFileSync(join(RESULTS_DIR, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
}

main().catch((error: unknown) => {
  console.error(`${NAME}:`, error);
  process.exit(1);
});
