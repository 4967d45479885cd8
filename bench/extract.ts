/**
 * `npm run bench:extract`: how fast Quire turns documents into text end to end, against
 * `pdftotext` (poppler-utils) on the same files, what extraction does to the API's latency, and
 * how much memory the server takes meanwhile — in one run, on a generated corpus (bench/corpus.ts:
 * a 300-page text PDF, a ~50 MiB 400-page image-heavy PDF with a text line or two per page, and
 * 100 small mixed documents: text, Markdown, HTML, CSV, JSON, 1–5 page PDFs, DOCX; generated
 * once from a seeded PRNG and cached under os.tmpdir()/quire-bench-corpus/).
 *
 *   - pdftotext: `pdftotext <file> -` with its output to /dev/null, on each big PDF (median of 3
 *     runs) and on the small PDFs one after another (median of 3 passes); pages/s = pages / wall
 *     seconds. When `pdftotext` is missing the script installs poppler-utils with apt-get.
 *   - Quire: the real server (`node --import tsx src/cli.ts start`, embedded SQLite in a fresh
 *     temporary data dir, default extraction settings — as many worker threads as CPUs — with
 *     QUIRE_LOG_LEVEL=warn, a 256 MiB upload limit and the upload/read/write/meta rate limits
 *     raised to 1,000,000 a minute). First a warm-up, shown but not judged: one small PDF per
 *     worker thread, at once (the threads start and load pdf.js: the cold-start cost). Then each
 *     big PDF alone, then the 100 small documents all at once: every file is uploaded with
 *     multipart `POST /v1/documents?dedupe=false` (streamed from disk), its job polled every
 *     100 ms (`GET /v1/jobs/{id}`, or `GET /v1/jobs` when more than three are pending) until it
 *     settles. A document's time is from the start of its upload to
 *     the poll that saw its job `succeeded`; a scenario's pages/s = pages Quire reports
 *     (`page_count`) / (first upload start → last job seen settled). Also shown, for attribution:
 *     the upload alone and the extraction alone (the job's `started_at` → `finished_at`). Any job
 *     not `succeeded`, any upload not answered 202, and any page count other than the PDF's is an
 *     error, printed with the job's error. "In flight" = accepted (202) and not yet settled.
 *   - API latency: `GET /v1/documents/{id}` of the text PDF, sequentially on one keep-alive
 *     connection at a steady BENCH_LATENCY_RATE requests/s (default 200) for BENCH_LATENCY_S
 *     seconds (default 5) after 1 s of warm-up: first idle, then while the text PDF is being
 *     extracted N times at once (N copies uploaded with dedupe=false, N from the single-copy time
 *     so that every worker thread stays busy for the whole window; measuring starts once as many
 *     jobs are running as there are threads, and the running count is sampled every 500 ms, in
 *     both windows alike). Percentiles from a microsecond histogram of the 200 answers.
 *   - Memory: VmRSS of the server process (its worker threads included) from /proc/<pid>/status
 *     every 100 ms for its whole life, and VmHWM at the end.
 *
 * Targets (PASS/FAIL; a miss does not fail the process): the 50 MB PDF upload→ready < 10 s; the
 * small batch ≥ 10 documents in flight at once with no error; Quire pages/s ≥ 0.35 × pdftotext's
 * for each big PDF and for both together; API p99 under extraction load ≤ 2 × idle p99; peak RSS
 * < 1.5 GB (1.5 × 10⁹ bytes). The small batch's pages/s against pdftotext's on the small PDFs
 * alone is shown but not judged (mixed formats against PDFs only). On a busy machine every figure
 * is indicative only.
 * BENCH_PDF_ENGINE=pdfjs runs the server with QUIRE_PDF_ENGINE=pdfjs (default pdfium, the
 * server's own); run it after a default run to compare the engines.
 * Results: bench/results/extract.json, plus extract-<timestamp>.json and extract-latest.json
 * (extract-pdfium*.json for BENCH_PDF_ENGINE=pdfium).
 *
 * `npm run bench:extract -- --formats` runs only the issue-19 formats' rows instead: one server
 * with QUIRE_OCR=on, a warm-up of one document of each, then for each of PPTX, XLSX, ODT, ODS, ODP
 * and EPUB BENCH_FORMAT_COPIES (default 20) copies of one generated document (the test fixtures
 * of test/fixtures/office-documents.ts, scaled up: 40 slides, 5,000 rows, 100 × the ODT body,
 * 20 × the ODP's slides, 32 chapters), as many e-mails and RTFs, and BENCH_SLOW_FORMAT_COPIES
 * (default 6) of .doc/.xls/.ppt (made by the installed LibreOffice) and of PNG, JPEG, two-page
 * TIFF and WebP text images (OCR), each batch uploaded at once; documents/s and MB/s (uploaded
 * bytes) from the first upload to the last job seen settled, and the median job's time — a
 * document's cost on its thread, LibreOffice's start included for .doc/.xls/.ppt. Results:
 * bench/results/extract-formats*.json.
 *
 * `npm run bench:extract -- --split` runs only the 300-page text PDF, on a server that splits a
 * long PDF across its threads and one that does not, alternately, against pdftotext (see
 * mainSplit), on BENCH_PDF_ENGINE's engine, with PDFium's own ceiling on the file (PDFium alone
 * reading its text in one thread, and that × the threads; bench/lib/engine-ceiling.ts).
 * Results: bench/results/extract-split*.json
 * (extract-split-pdfium*.json for BENCH_PDF_ENGINE=pdfium).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openAsBlob, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { createHistogram } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, Client, request } from 'undici';
import * as office from '../test/fixtures/office-documents.js';
import { CONTENT_TYPES, loadCorpus, type CorpusFile, type CorpusFormat } from './corpus.js';
import { pdfiumCeiling } from './lib/engine-ceiling.js';
import { imageBatches, otherFormatBatches } from './lib/other-formats.js';
import {
  envWithoutQuireSettings,
  isRunning,
  killChildrenOnExit,
  stopChild,
  waitForExit,
} from './lib/children.js';
import { processCpuMs, RssSampler, type RssSummary } from './lib/proc.js';
import { median } from './lib/stats.js';
import {
  checkTarget,
  environmentReport,
  loadAverageLine,
  packageVersion,
  printTable,
  RESULTS_DIR,
  ROOT,
  round,
  integerFromEnv,
  pdfEngineFromEnv,
  secondsFromEnv,
  writeResults,
  type TargetCheck,
} from './lib/report.js';

const NAME = 'bench:extract';
const ADMIN_KEY = 'qk_bench-extract-admin-key-0000000000000000';
const AUTH = { authorization: `Bearer ${ADMIN_KEY}` };
const MiB = 1024 * 1024;
const MAX_UPLOAD_BYTES = 256 * MiB;
const RATE_LIMIT = '1000000';
const POLL_MS = 100;
const RSS_INTERVAL_MS = 100;
const READY_TIMEOUT_MS = 60_000;
/** BENCH_PDF_ENGINE: the server's QUIRE_PDF_ENGINE (default pdfium, the server's own default). */
const PDF_ENGINE = pdfEngineFromEnv();
const SETTLED = new Set(['succeeded', 'failed', 'cancelled', 'dead']);

const TARGET_BIG_PDF_SECONDS = 10;
const TARGET_MIN_IN_FLIGHT = 10;
const TARGET_MIN_RATIO = 0.35;
const TARGET_MAX_P99_RATIO = 2;
const TARGET_MAX_RSS_BYTES = 1.5e9;

// ---------------------------------------------------------------------------------------------
// Clean-up: the server is killed and its data dir removed however the process ends.

let server: ChildProcess | undefined;
const cleanups: (() => void)[] = [];
const killServer = (): void => {
  if (server !== undefined && isRunning(server)) server.kill('SIGKILL');
};
process.on('exit', killServer);
killChildrenOnExit(NAME, () => {
  killServer();
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

const elapsedS = (from: number, to: number): number => round((to - from) / 1000, 3);
const errorText = (error: unknown): string =>
  error instanceof Error
    ? `${error.message}${error.cause ? ` (${String(error.cause)})` : ''}`
    : String(error);

// ---------------------------------------------------------------------------------------------
// pdftotext.

interface PdftotextInfo {
  available: boolean;
  installedNow: boolean;
  version: string | undefined;
  problem: string | undefined;
}

const hasPdftotext = (): boolean => spawnSync('which', ['pdftotext']).status === 0;

function ensurePdftotext(): PdftotextInfo {
  let installedNow = false;
  let problem: string | undefined;
  if (!hasPdftotext()) {
    const asRoot = process.getuid?.() === 0;
    const command = asRoot ? 'apt-get' : 'sudo';
    const prefix = asRoot ? [] : ['apt-get'];
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    console.log(
      `pdftotext not found: installing poppler-utils (${asRoot ? '' : 'sudo '}apt-get install -y poppler-utils)`,
    );
    let result = spawnSync(command, [...prefix, 'install', '-y', 'poppler-utils'], {
      stdio: 'inherit',
      env,
    });
    if (result.status !== 0) {
      console.log('  install failed; running apt-get update and trying again');
      spawnSync(command, [...prefix, 'update'], { stdio: 'inherit', env });
      result = spawnSync(command, [...prefix, 'install', '-y', 'poppler-utils'], {
        stdio: 'inherit',
        env,
      });
    }
    installedNow = hasPdftotext();
    if (!installedNow) problem = `could not install poppler-utils (exit ${String(result.status)})`;
  }
  const available = hasPdftotext();
  const version = available
    ? spawnSync('pdftotext', ['-v'], { encoding: 'utf8' }).stderr.split('\n')[0]?.trim()
    : undefined;
  return { available, installedNow, version, problem };
}

/** Wall milliseconds of `pdftotext <path> -` with its output to /dev/null. */
function pdftotextMs(path: string): number {
  const t0 = performance.now();
  const result = spawnSync('pdftotext', [path, '-'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  const ms = performance.now() - t0;
  if (result.status !== 0) {
    throw new Error(`pdftotext ${path} exited ${String(result.status)}: ${result.stderr}`);
  }
  return ms;
}

interface PdftotextRun {
  files: number;
  pages: number;
  /** Median over the repetitions of the total wall time, in seconds. */
  seconds: number;
  pagesPerSec: number;
  repetitions: number[];
}

function timePdftotext(files: CorpusFile[], repetitions = 3): PdftotextRun {
  const totals: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    totals.push(files.reduce((sum, file) => sum + pdftotextMs(file.path), 0));
  }
  const pages = files.reduce((sum, file) => sum + (file.pages ?? 0), 0);
  const ms = median(totals) ?? 0;
  return {
    files: files.length,
    pages,
    seconds: round(ms / 1000, 4),
    pagesPerSec: round(pages / (ms / 1000), 1),
    repetitions: totals.map((total) => round(total / 1000, 4)),
  };
}

// ---------------------------------------------------------------------------------------------
// The server.

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

interface RunningServer {
  child: ChildProcess;
  pid: number;
  url: string;
  /** Log lines the server wrote (warn and above), the first 500. */
  logs: string[];
  stderr: () => string;
}

async function startQuire(
  dataDir: string,
  settings: Record<string, string> = {},
): Promise<RunningServer> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start'], {
    cwd: ROOT,
    env: {
      ...envWithoutQuireSettings(),
      QUIRE_HOST: '127.0.0.1',
      QUIRE_PORT: String(port),
      QUIRE_DATA_DIR: dataDir,
      QUIRE_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
      QUIRE_LOG_LEVEL: 'warn',
      QUIRE_MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
      QUIRE_RATE_LIMIT_UPLOAD: RATE_LIMIT,
      QUIRE_RATE_LIMIT_READ: RATE_LIMIT,
      QUIRE_RATE_LIMIT_WRITE: RATE_LIMIT,
      QUIRE_RATE_LIMIT_META: RATE_LIMIT,
      ...settings,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server = child;
  const logs: string[] = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    if (line.trim() !== '' && logs.length < 500) logs.push(line);
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 64 * 1024) stderr += chunk.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = performance.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (!isRunning(child)) {
      throw new Error(`the server exited before it was ready; stderr: ${stderr}`);
    }
    try {
      const { statusCode, body } = await request(`${url}/readyz`, { headersTimeout: 2_000 });
      await body.dump();
      if (statusCode === 200) break;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server was not ready within ${READY_TIMEOUT_MS} ms; stderr: ${stderr}`);
    }
    await sleep(100);
  }
  if (child.pid === undefined) throw new Error('the server has no pid');
  return { child, pid: child.pid, url, logs, stderr: () => stderr };
}

/** VmHWM (peak resident set) of a process, in bytes. */
function processHwmBytes(pid: number): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// The API, as a client sees it.

interface JobView {
  id: string;
  status: string;
  lane?: string;
  document_id: string | null;
  attempts: number;
  max_attempts: number;
  progress: { done: number; total: number; unit: string };
  error?: { code: string; message: string; retryable: boolean };
  created_at: string;
  started_at?: string;
  finished_at?: string;
}

interface DocumentView {
  id: string;
  status: string;
  media_type: string | null;
  page_count: number | null;
  size_bytes: number;
  extracted: { word_count: number; needs_ocr?: boolean; truncated?: boolean };
  error?: { code: string; message: string };
}

class Api {
  readonly dispatcher = new Agent({ keepAliveTimeout: 30_000, connections: 16 });

  constructor(readonly url: string) {}

  async get<T>(path: string): Promise<{ status: number; body: T | undefined; text: string }> {
    const { statusCode, body } = await request(`${this.url}${path}`, {
      headers: AUTH,
      dispatcher: this.dispatcher,
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    const text = await body.text();
    let parsed: T | undefined;
    try {
      parsed = statusCode === 200 ? (JSON.parse(text) as T) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: statusCode, body: parsed, text };
  }

  /** The jobs currently `running`. */
  async runningJobs(): Promise<number> {
    const { body } = await this.get<{ data: JobView[] }>('/v1/jobs?status=running&limit=200');
    return body?.data.length ?? 0;
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }
}

interface Upload {
  file: CorpusFile;
  startedAt: number;
  answeredAt: number;
  status: number | undefined;
  documentId: string | undefined;
  job: JobView | undefined;
  error: string | undefined;
}

/** Multipart POST /v1/documents?dedupe=false, the file streamed from disk. */
async function upload(url: string, file: CorpusFile): Promise<Upload> {
  const startedAt = performance.now();
  try {
    const form = new FormData();
    form.append('file', await openAsBlob(file.path, { type: file.contentType }), file.name);
    const response = await fetch(`${url}/v1/documents?dedupe=false`, {
      method: 'POST',
      headers: AUTH,
      body: form,
      signal: AbortSignal.timeout(120_000),
    });
    const text = await response.text();
    const answeredAt = performance.now();
    if (response.status !== 202) {
      return {
        file,
        startedAt,
        answeredAt,
        status: response.status,
        documentId: undefined,
        job: undefined,
        error: `upload answered ${response.status}: ${text.slice(0, 300)}`,
      };
    }
    const created = JSON.parse(text) as { document: DocumentView; job: JobView | null };
    return {
      file,
      startedAt,
      answeredAt,
      status: response.status,
      documentId: created.document.id,
      job: created.job ?? undefined,
      error: created.job === null ? 'upload answered 202 without a job' : undefined,
    };
  } catch (error) {
    return {
      file,
      startedAt,
      answeredAt: performance.now(),
      status: undefined,
      documentId: undefined,
      job: undefined,
      error: `upload failed: ${errorText(error)}`,
    };
  }
}

interface Settled {
  job: JobView | undefined;
  /** When the poll that saw the job settled was answered (performance.now()). */
  seenAt: number;
  timedOut: boolean;
}

/**
 * Polls jobs until they settle: each pending job with GET /v1/jobs/{id} while at most three are
 * pending, else GET /v1/jobs (newest first, following cursors until every pending job was seen).
 */
class JobWatcher {
  readonly #pending = new Map<string, (settled: Settled) => void>();
  #running = false;
  /** The most jobs seen `running` in one list poll. */
  maxRunning = 0;
  polls = 0;
  pollErrors = 0;

  constructor(private readonly api: Api) {}

  wait(jobId: string, timeoutMs: number): Promise<Settled> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (this.#pending.delete(jobId)) {
          resolve({ job: undefined, seenAt: performance.now(), timedOut: true });
        }
      }, timeoutMs);
      this.#pending.set(jobId, (settled) => {
        clearTimeout(timer);
        resolve(settled);
      });
      if (!this.#running) void this.#loop();
    });
  }

  async #loop(): Promise<void> {
    this.#running = true;
    try {
      while (this.#pending.size > 0) {
        await sleep(POLL_MS);
        try {
          await this.#poll();
        } catch {
          this.pollErrors++;
        }
      }
    } finally {
      this.#running = false;
    }
  }

  #settle(job: JobView, seenAt: number): void {
    if (!SETTLED.has(job.status)) return;
    const resolve = this.#pending.get(job.id);
    if (resolve === undefined) return;
    this.#pending.delete(job.id);
    resolve({ job, seenAt, timedOut: false });
  }

  async #poll(): Promise<void> {
    this.polls++;
    if (this.#pending.size <= 3) {
      await Promise.all(
        [...this.#pending.keys()].map(async (id) => {
          const { body } = await this.api.get<JobView>(`/v1/jobs/${encodeURIComponent(id)}`);
          if (body !== undefined) this.#settle(body, performance.now());
          else this.pollErrors++;
        }),
      );
      return;
    }
    const unseen = new Set(this.#pending.keys());
    let cursor: string | null = null;
    let running = 0;
    for (let page = 0; page < 10 && unseen.size > 0; page++) {
      const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const { body } = await this.api.get<{ data: JobView[]; next_cursor: string | null }>(
        `/v1/jobs?limit=200${query}`,
      );
      if (body === undefined) {
        this.pollErrors++;
        return;
      }
      const seenAt = performance.now();
      for (const job of body.data) {
        unseen.delete(job.id);
        if (job.status === 'running') running++;
        this.#settle(job, seenAt);
      }
      cursor = body.next_cursor;
      if (cursor === null) break;
    }
    this.maxRunning = Math.max(this.maxRunning, running);
  }
}

// ---------------------------------------------------------------------------------------------
// Extraction scenarios.

interface DocumentResult {
  file: string;
  format: string;
  bytes: number;
  /** The PDF's pages as generated (undefined for other formats). */
  expectedPages: number | undefined;
  uploadStatus: number | undefined;
  uploadS: number;
  documentId: string | undefined;
  jobId: string | undefined;
  lane: string | undefined;
  jobStatus: string;
  attempts: number | undefined;
  /** Upload start → the poll that saw the job settled. */
  toReadyS: number | undefined;
  /** The job's created_at → started_at and started_at → finished_at (server clock). */
  serverQueueS: number | undefined;
  serverExtractS: number | undefined;
  documentStatus: string | undefined;
  mediaType: string | undefined;
  pageCount: number | undefined;
  wordCount: number | undefined;
  needsOcr: boolean | undefined;
  error: string | undefined;
}

interface ScenarioResult {
  scenario: string;
  documents: DocumentResult[];
  /** First upload start → last job seen settled. */
  seconds: number;
  /** Pages Quire reports for the documents that succeeded. */
  pages: number;
  pagesPerSec: number;
  documentsPerSec: number;
  /** Earliest job start → latest job finish (server clock): extraction alone. */
  serverExtractS: number | undefined;
  serverPagesPerSec: number | undefined;
  /** Longest upload (request start → 202). */
  maxUploadS: number;
  /** Most documents accepted (202) and not yet settled at once, as the client saw them. */
  maxInFlight: number;
  /** Most jobs `running` in one list poll (only when list polls happened). */
  maxRunning: number;
  errors: DocumentResult[];
  serverCpuPercent: number | undefined;
  rss: RssSummary;
}

const isoMs = (text: string | undefined): number | undefined =>
  text === undefined ? undefined : Date.parse(text);

/** The most intervals [start, end) open at one moment. */
function maxOverlap(intervals: [number, number][]): number {
  const events = intervals.flatMap(([start, end]): [number, number][] => [
    [start, 1],
    [end, -1],
  ]);
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let most = 0;
  for (const [, delta] of events) {
    open += delta;
    most = Math.max(most, open);
  }
  return most;
}

async function finishDocument(
  api: Api,
  up: Upload,
  settled: Settled | undefined,
): Promise<DocumentResult> {
  const { file } = up;
  const job = settled?.job;
  let document: DocumentView | undefined;
  if (up.documentId !== undefined) {
    document = (await api.get<DocumentView>(`/v1/documents/${encodeURIComponent(up.documentId)}`))
      .body;
  }
  const created = isoMs(job?.created_at);
  const started = isoMs(job?.started_at);
  const finished = isoMs(job?.finished_at);
  const problems: string[] = [];
  if (up.error !== undefined) problems.push(up.error);
  if (settled?.timedOut === true) problems.push('the job did not settle in time');
  if (job !== undefined && job.status !== 'succeeded') {
    problems.push(
      `job ${job.status}` +
        (job.error === undefined ? '' : `: ${job.error.code} ${job.error.message}`) +
        (job.error?.retryable === true ? ' (retryable)' : ''),
    );
  }
  if (job?.status === 'succeeded') {
    if (document?.status !== 'ready') problems.push(`document status ${document?.status}`);
    if (file.pages !== undefined && document?.page_count !== file.pages) {
      problems.push(`page_count ${String(document?.page_count)}, the PDF has ${file.pages}`);
    }
  }
  return {
    file: file.name,
    format: file.format,
    bytes: file.bytes,
    expectedPages: file.pages,
    uploadStatus: up.status,
    uploadS: elapsedS(up.startedAt, up.answeredAt),
    documentId: up.documentId,
    jobId: up.job?.id,
    lane: job?.lane ?? up.job?.lane,
    jobStatus: job?.status ?? (up.error !== undefined ? 'not uploaded' : 'timed out'),
    attempts: job?.attempts,
    toReadyS:
      settled !== undefined && !settled.timedOut
        ? elapsedS(up.startedAt, settled.seenAt)
        : undefined,
    serverQueueS:
      created !== undefined && started !== undefined ? elapsedS(created, started) : undefined,
    serverExtractS:
      started !== undefined && finished !== undefined ? elapsedS(started, finished) : undefined,
    documentStatus: document?.status,
    mediaType: document?.media_type ?? undefined,
    pageCount: document?.page_count ?? undefined,
    wordCount: document?.extracted.word_count,
    needsOcr: document?.extracted.needs_ocr,
    error: problems.length > 0 ? problems.join('; ') : undefined,
  };
}

/** What one run of uploads and their jobs measured, for summarizeScenario. */
interface ScenarioRun {
  outcomes: { up: Upload; settled: Settled | undefined }[];
  documents: DocumentResult[];
  /** performance.now() at the first upload and when the last job was seen settled. */
  t0: number;
  t1: number;
  /** The server's CPU time (ms) at t0 and t1. */
  cpu0: number | undefined;
  cpu1: number | undefined;
  rss: RssSummary;
  maxRunning: number;
}

/**
 * The figures of a run. `extractJobs` are the jobs whose first start and last finish bound the
 * server's extraction time.
 */
function summarizeScenario(
  scenario: string,
  run: ScenarioRun,
  extractJobs: JobView[],
): ScenarioResult {
  const { outcomes, documents, t0, t1, cpu0, cpu1 } = run;
  const pages = documents.reduce(
    (sum, doc) => sum + (doc.jobStatus === 'succeeded' ? (doc.pageCount ?? 0) : 0),
    0,
  );
  const starts = extractJobs.flatMap((job) => isoMs(job.started_at) ?? []);
  const finishes = extractJobs.flatMap((job) => isoMs(job.finished_at) ?? []);
  const serverExtractS =
    starts.length > 0 && finishes.length > 0
      ? elapsedS(Math.min(...starts), Math.max(...finishes))
      : undefined;
  const seconds = elapsedS(t0, t1);
  const succeeded = outcomes.filter(({ settled }) => settled?.job?.status === 'succeeded');
  return {
    scenario,
    documents,
    seconds,
    pages,
    pagesPerSec: round(pages / seconds, 1),
    documentsPerSec: round(succeeded.length / seconds, 2),
    serverExtractS,
    serverPagesPerSec:
      serverExtractS !== undefined && serverExtractS > 0
        ? round(pages / serverExtractS, 1)
        : undefined,
    maxUploadS: Math.max(...documents.map((doc) => doc.uploadS)),
    maxInFlight: maxOverlap(
      outcomes
        .filter(({ up }) => up.job !== undefined)
        .map(({ up, settled }): [number, number] => [up.answeredAt, settled?.seenAt ?? t1]),
    ),
    maxRunning: run.maxRunning,
    errors: documents.filter((doc) => doc.error !== undefined),
    serverCpuPercent:
      cpu0 !== undefined && cpu1 !== undefined
        ? round(((cpu1 - cpu0) / (t1 - t0)) * 100, 1)
        : undefined,
    rss: run.rss,
  };
}

/** Uploads every file at once, waits for every job, and sums it up. */
async function runScenario(
  scenario: string,
  files: CorpusFile[],
  target: RunningServer,
  api: Api,
  timeoutMs: number,
): Promise<ScenarioResult> {
  console.log(`  ${scenario}: ${files.length} document(s) uploaded at once`);
  const watcher = new JobWatcher(api);
  const sampler = new RssSampler(target.pid, RSS_INTERVAL_MS).start();
  const cpu0 = processCpuMs(target.pid);
  const t0 = performance.now();
  const outcomes = await Promise.all(
    files.map(async (file) => {
      const up = await upload(target.url, file);
      const settled = up.job === undefined ? undefined : await watcher.wait(up.job.id, timeoutMs);
      return { up, settled };
    }),
  );
  const ends = outcomes.map(({ up, settled }) => settled?.seenAt ?? up.answeredAt);
  const t1 = Math.max(...ends);
  const cpu1 = processCpuMs(target.pid);
  const rss = sampler.stop();
  const documents: DocumentResult[] = [];
  for (const { up, settled } of outcomes) documents.push(await finishDocument(api, up, settled));

  const succeeded = outcomes.flatMap(({ settled }) =>
    settled?.job?.status === 'succeeded' ? [settled.job] : [],
  );
  const result = summarizeScenario(
    scenario,
    { outcomes, documents, t0, t1, cpu0, cpu1, rss, maxRunning: watcher.maxRunning },
    succeeded,
  );
  const { seconds, pages, errors } = result;
  console.log(
    `    ${seconds.toFixed(2)} s, ${pages} pages, ${result.pagesPerSec} pages/s, ` +
      `${errors.length} error(s), peak RSS ${((rss.peakBytes ?? 0) / MiB).toFixed(0)} MiB`,
  );
  for (const doc of errors) console.log(`    ! ${doc.file}: ${doc.error}`);
  return result;
}

// ---------------------------------------------------------------------------------------------
// API latency.

interface LatencyResult {
  label: string;
  durationS: number;
  ratePerSec: number;
  requests: number;
  /** Requests actually sent per second (below the rate when answers or this process lag). */
  achievedPerSec: number;
  ok: number;
  non200: Record<string, number>;
  errors: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
  /** Jobs `running`, sampled every 500 ms during the measured window. */
  runningJobs: { min: number; max: number; samples: number };
  serverCpuPercent: number | undefined;
  valid: boolean;
}

async function measureLatency(
  target: RunningServer,
  api: Api,
  path: string,
  label: string,
  durationS: number,
  ratePerSec: number,
): Promise<LatencyResult> {
  console.log(`  ${label}: GET ${path} at ${ratePerSec}/s, 1 s warm-up + ${durationS} s`);
  const client = new Client(target.url, { pipelining: 1, keepAliveTimeout: 30_000 });
  const histogram = createHistogram({ lowest: 1, highest: 60_000_000, figures: 3 });
  const non200: Record<string, number> = {};
  let requests = 0;
  let errors = 0;
  const running = { min: Infinity, max: 0, samples: 0 };
  let sampling = true;
  const sampleRunning = async (): Promise<void> => {
    while (sampling) {
      try {
        const count = await api.runningJobs();
        running.min = Math.min(running.min, count);
        running.max = Math.max(running.max, count);
        running.samples++;
      } catch {
        // a failed sample is just missing
      }
      await sleep(500);
    }
  };
  const loop = async (seconds: number, record: boolean): Promise<void> => {
    const interval = 1000 / ratePerSec;
    let next = performance.now();
    const end = next + seconds * 1000;
    while (performance.now() < end) {
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      const t0 = performance.now();
      try {
        const { statusCode, body } = await client.request({
          path,
          method: 'GET',
          headers: AUTH,
          headersTimeout: 30_000,
          bodyTimeout: 30_000,
        });
        await body.text();
        const us = Math.max(1, Math.round((performance.now() - t0) * 1000));
        if (record) {
          requests++;
          if (statusCode === 200) histogram.record(us);
          else non200[statusCode] = (non200[statusCode] ?? 0) + 1;
        }
      } catch {
        if (record) {
          requests++;
          errors++;
        }
      }
      next = Math.max(next + interval, performance.now());
    }
  };
  try {
    await loop(1, false);
    const sampler = sampleRunning();
    const cpu0 = processCpuMs(target.pid);
    const t0 = performance.now();
    await loop(durationS, true);
    const t1 = performance.now();
    const cpu1 = processCpuMs(target.pid);
    sampling = false;
    await sampler;
    const ms = (micros: number): number => round(micros / 1000);
    const ok = histogram.count;
    const result: LatencyResult = {
      label,
      durationS,
      ratePerSec,
      requests,
      achievedPerSec: round(requests / ((t1 - t0) / 1000), 1),
      ok,
      non200,
      errors,
      latencyMs: {
        mean: ok > 0 ? ms(histogram.mean) : 0,
        p50: ms(histogram.percentile(50)),
        p90: ms(histogram.percentile(90)),
        p99: ms(histogram.percentile(99)),
        max: ms(histogram.max),
      },
      runningJobs: {
        min: running.samples > 0 ? running.min : 0,
        max: running.max,
        samples: running.samples,
      },
      serverCpuPercent:
        cpu0 !== undefined && cpu1 !== undefined
          ? round(((cpu1 - cpu0) / (t1 - t0)) * 100, 1)
          : undefined,
      valid: ok > 0 && ok === requests,
    };
    console.log(
      `    ${requests} requests, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, ` +
        `max ${result.latencyMs.max} ms; jobs running ${result.runningJobs.min}–${result.runningJobs.max}` +
        (result.valid ? '' : `; ${errors} errors, non-200 ${JSON.stringify(non200)}`),
    );
    return result;
  } finally {
    sampling = false;
    await client.close();
  }
}

/** Waits until `count` jobs are running (or the time is up); returns whether they were. */
async function waitForRunning(api: Api, count: number, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if ((await api.runningJobs().catch(() => 0)) >= count) return true;
    await sleep(100);
  }
  return false;
}

interface LoadedRun {
  copies: number;
  threads: number;
  latency: LatencyResult | undefined;
  /** Every worker thread was busy at every sample of the window. */
  saturated: boolean;
  scenario: ScenarioResult;
}

/**
 * Uploads `copies` copies of `file` at once, measures the API's latency once `threads` jobs are
 * running, then waits for them all (their errors count like any other).
 */
async function measureUnderLoad(
  target: RunningServer,
  api: Api,
  file: CorpusFile,
  copies: number,
  threads: number,
  path: string,
  durationS: number,
  ratePerSec: number,
): Promise<LoadedRun> {
  console.log(`  loaded: ${copies} copies of ${file.name} being extracted on ${threads} thread(s)`);
  const watcher = new JobWatcher(api);
  const sampler = new RssSampler(target.pid, RSS_INTERVAL_MS).start();
  const cpu0 = processCpuMs(target.pid);
  const t0 = performance.now();
  const uploads = await Promise.all(Array.from({ length: copies }, () => upload(target.url, file)));
  let latency: LatencyResult | undefined;
  if (await waitForRunning(api, Math.min(threads, copies), 60_000)) {
    latency = await measureLatency(
      target,
      api,
      path,
      'API under extraction load',
      durationS,
      ratePerSec,
    );
  } else {
    console.log(`    ! fewer than ${threads} jobs ever ran at once: no loaded measurement`);
  }
  const outcomes = await Promise.all(
    uploads.map(async (up) => ({
      up,
      settled: up.job === undefined ? undefined : await watcher.wait(up.job.id, 240_000),
    })),
  );
  const t1 = Math.max(...outcomes.map(({ up, settled }) => settled?.seenAt ?? up.answeredAt));
  const cpu1 = processCpuMs(target.pid);
  const rss = sampler.stop();
  const documents: DocumentResult[] = [];
  for (const { up, settled } of outcomes) documents.push(await finishDocument(api, up, settled));
  const jobs = outcomes.flatMap(({ settled }) => (settled?.job === undefined ? [] : [settled.job]));
  const scenario = summarizeScenario(
    `${copies} × ${file.name} at once (pool saturated)`,
    { outcomes, documents, t0, t1, cpu0, cpu1, rss, maxRunning: watcher.maxRunning },
    jobs,
  );
  const { seconds, pages, errors } = scenario;
  for (const doc of errors) console.log(`    ! ${doc.file} (copy): ${doc.error}`);
  console.log(
    `    all ${copies} copies settled after ${seconds.toFixed(1)} s: ${pages} pages, ` +
      `${round(pages / seconds, 1)} pages/s, ${errors.length} error(s)`,
  );
  return {
    copies,
    threads,
    latency,
    saturated: latency !== undefined && latency.runningJobs.min >= Math.min(threads, copies),
    scenario,
  };
}

// ---------------------------------------------------------------------------------------------

const fixed = (value: number | undefined, digits: number): string =>
  value === undefined ? 'n/a' : value.toFixed(digits);
const ratio = (a: number | undefined, b: number | undefined): number | undefined =>
  a !== undefined && b !== undefined && b > 0 ? round(a / b, 3) : undefined;
const mb = (bytes: number | undefined): string =>
  bytes === undefined ? 'n/a' : `${(bytes / 1e6).toFixed(0)} MB`;

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadAverageAtStart = os.loadavg();
  const latencyS = secondsFromEnv('BENCH_LATENCY_S', 5, false);
  const ratePerSec = integerFromEnv('BENCH_LATENCY_RATE', 200, 1, 5000);
  const threads = os.availableParallelism();
  console.log(
    `${NAME} — node ${process.version}, ${threads} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), ` +
      `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB RAM; QUIRE_PDF_ENGINE=${PDF_ENGINE}`,
  );
  console.log(loadAverageLine(loadAverageAtStart));

  // The corpus.
  const corpus = await loadCorpus();
  const smallPdfs = corpus.small.filter((file) => file.format === 'pdf');
  console.log(
    `corpus in ${corpus.dir} (${corpus.generated ? `generated in ${(corpus.generationMs / 1000).toFixed(1)} s` : 'cached'}): ` +
      `${corpus.textPdf.name} ${(corpus.textPdf.bytes / MiB).toFixed(1)} MiB, ` +
      `${corpus.imagePdf.name} ${(corpus.imagePdf.bytes / MiB).toFixed(1)} MiB, ` +
      `${corpus.small.length} small documents (${smallPdfs.length} PDFs) ` +
      `${(corpus.small.reduce((sum, file) => sum + file.bytes, 0) / MiB).toFixed(1)} MiB`,
  );

  // pdftotext.
  const pdftotext = ensurePdftotext();
  let reference: { text: PdftotextRun; images: PdftotextRun; small: PdftotextRun } | undefined;
  if (pdftotext.available) {
    console.log(`pdftotext: ${pdftotext.version ?? 'unknown version'}`);
    reference = {
      text: timePdftotext([corpus.textPdf]),
      images: timePdftotext([corpus.imagePdf]),
      small: timePdftotext(smallPdfs),
    };
    for (const [label, run] of Object.entries(reference)) {
      console.log(
        `  ${label}: ${run.pages} pages in ${run.seconds.toFixed(3)} s → ${run.pagesPerSec} pages/s`,
      );
    }
  } else {
    console.log(`pdftotext unavailable (${pdftotext.problem}): no reference figures`);
  }

  // Quire.
  const dataDir = mkdtempSync(join(os.tmpdir(), 'quire-bench-extract-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  let textRun: ScenarioResult | undefined;
  let imageRun: ScenarioResult | undefined;
  let smallRun: ScenarioResult | undefined;
  const formatRuns: ScenarioResult[] = [];
  const formats = await otherFormatBatches(10, 3);
  cleanups.push(formats.cleanup);
  let warmUp: ScenarioResult | undefined;
  let idle: LatencyResult | undefined;
  let loaded: LoadedRun | undefined;
  let lifetimeRss: RssSummary | undefined;
  let hwmBytes: number | undefined;
  let serverLogs: string[] | undefined;
  let serverStderr: string | undefined;
  let api: Api | undefined;
  try {
    const t0 = performance.now();
    const target = await startQuire(dataDir, { QUIRE_PDF_ENGINE: PDF_ENGINE });
    console.log(
      `Quire at ${target.url} (pid ${target.pid}), ready in ${((performance.now() - t0) / 1000).toFixed(1)} s, data in ${dataDir}`,
    );
    const lifetime = new RssSampler(target.pid, RSS_INTERVAL_MS).start();
    api = new Api(target.url);
    try {
      warmUp = await runScenario(
        `warm-up: ${Math.max(1, threads)} small PDFs on cold threads`,
        smallPdfs.slice(0, Math.max(1, threads)),
        target,
        api,
        60_000,
      );
      textRun = await runScenario(corpus.textPdf.name, [corpus.textPdf], target, api, 120_000);
      imageRun = await runScenario(corpus.imagePdf.name, [corpus.imagePdf], target, api, 120_000);
      smallRun = await runScenario(
        `${corpus.small.length} small mixed documents`,
        corpus.small,
        target,
        api,
        180_000,
      );
      // One batch per format at once: e-mail, RTF, and legacy Office through LibreOffice.
      for (const batch of formats.batches) {
        formatRuns.push(await runScenario(batch.label, batch.files, target, api, 600_000));
      }

      const probe = textRun.documents[0]?.documentId;
      if (probe === undefined) throw new Error('the text PDF was not stored: nothing to GET');
      const path = `/v1/documents/${encodeURIComponent(probe)}`;
      idle = await measureLatency(target, api, path, 'API idle', latencyS, ratePerSec);
      // Enough copies that every thread stays busy through the wait for saturation, the warm-up
      // and the window, from how long one copy took alone.
      const oneCopyS = textRun.documents[0]?.serverExtractS ?? textRun.seconds;
      const copies = Math.min(
        24,
        Math.max(
          threads + 1,
          Math.ceil(((latencyS + 4) * threads) / Math.max(oneCopyS, 0.5)) + threads,
        ),
      );
      loaded = await measureUnderLoad(
        target,
        api,
        corpus.textPdf,
        copies,
        threads,
        path,
        latencyS,
        ratePerSec,
      );
    } finally {
      lifetimeRss = lifetime.stop();
      hwmBytes = processHwmBytes(target.pid);
      await stopChild(target.child, NAME);
      await waitForExit(target.child, 1_000);
      serverLogs = target.logs;
      serverStderr = target.stderr();
    }
  } finally {
    await api?.close();
    killServer();
    for (const cleanup of cleanups.splice(0).reverse()) cleanup();
  }

  // -------------------------------------------------------------------------------------------
  // Figures, ratios, targets.

  const bigBoth =
    textRun !== undefined && imageRun !== undefined
      ? {
          pages: textRun.pages + imageRun.pages,
          seconds: round(textRun.seconds + imageRun.seconds, 3),
        }
      : undefined;
  const bothPagesPerSec =
    bigBoth === undefined ? undefined : round(bigBoth.pages / bigBoth.seconds, 1);
  const referenceBoth =
    reference === undefined
      ? undefined
      : round(
          (reference.text.pages + reference.images.pages) /
            (reference.text.seconds + reference.images.seconds),
          1,
        );
  const ratios = {
    textPdf: ratio(textRun?.pagesPerSec, reference?.text.pagesPerSec),
    imagePdf: ratio(imageRun?.pagesPerSec, reference?.images.pagesPerSec),
    bothBigPdfs: ratio(bothPagesPerSec, referenceBoth),
    smallVsSmallPdfs: ratio(smallRun?.pagesPerSec, reference?.small.pagesPerSec),
    p99LoadedOverIdle: ratio(loaded?.latency?.latencyMs.p99, idle?.latencyMs.p99),
    p50LoadedOverIdle: ratio(loaded?.latency?.latencyMs.p50, idle?.latencyMs.p50),
  };
  const peakRss = Math.max(lifetimeRss?.peakBytes ?? 0, hwmBytes ?? 0) || undefined;
  const allRuns = [warmUp, textRun, imageRun, smallRun, ...formatRuns, loaded?.scenario].filter(
    (run): run is ScenarioResult => run !== undefined,
  );
  const allErrors = allRuns.flatMap((run) =>
    run.errors.map((doc) => ({ scenario: run.scenario, ...doc })),
  );

  interface ThroughputRow {
    run: ScenarioResult | undefined;
    pdf: PdftotextRun | undefined;
    ratio: number | undefined;
  }
  const throughputRows: ThroughputRow[] = [
    { run: warmUp, pdf: undefined, ratio: undefined },
    { run: textRun, pdf: reference?.text, ratio: ratios.textPdf },
    { run: imageRun, pdf: reference?.images, ratio: ratios.imagePdf },
    { run: smallRun, pdf: reference?.small, ratio: ratios.smallVsSmallPdfs },
    { run: loaded?.scenario, pdf: undefined, ratio: undefined },
  ];
  console.log('');
  printTable(
    [
      'scenario',
      'pages',
      'pdftotext s',
      'pdftotext p/s',
      'Quire s',
      'Quire p/s',
      'ratio',
      'upload s',
      'extract s',
      'extract p/s',
      'server CPU',
      'errors',
    ],
    throughputRows
      .filter((row): row is ThroughputRow & { run: ScenarioResult } => row.run !== undefined)
      .map(({ run, pdf, ratio: r }) => [
        run.scenario,
        String(run.pages),
        pdf === undefined
          ? '-'
          : `${pdf.seconds.toFixed(3)}${pdf.files > 1 ? ` (${pdf.files} PDFs)` : ''}`,
        pdf === undefined ? '-' : pdf.pagesPerSec.toFixed(0),
        run.seconds.toFixed(2),
        run.pagesPerSec.toFixed(1),
        fixed(r, 3),
        run.maxUploadS.toFixed(2),
        fixed(run.serverExtractS, 2),
        fixed(run.serverPagesPerSec, 1),
        run.serverCpuPercent === undefined ? 'n/a' : `${run.serverCpuPercent.toFixed(0)}%`,
        String(run.errors.length),
      ]),
  );
  console.log(
    '(Quire s: first upload start → last job seen settled; upload s: the longest upload; ' +
      'extract s: first job start → last job finish, server clock; the small batch ratio is ' +
      'against pdftotext on its PDFs alone and not judged; the warm-up starts the worker threads)',
  );
  if (formatRuns.length > 0) {
    console.log('');
    printTable(
      [
        'format batch',
        'documents',
        'MiB',
        'Quire s',
        'docs/s',
        'MiB/s',
        'extract s/doc',
        'pages',
        'errors',
      ],
      formatRuns.map((run) => {
        const megabytes = run.documents.reduce((sum, doc) => sum + doc.bytes, 0) / MiB;
        const perDocument = run.documents.flatMap((doc) => doc.serverExtractS ?? []);
        return [
          run.scenario,
          String(run.documents.length),
          megabytes.toFixed(2),
          run.seconds.toFixed(2),
          run.documentsPerSec.toFixed(2),
          (megabytes / run.seconds).toFixed(2),
          fixed(median(perDocument), 2),
          String(run.pages),
          String(run.errors.length),
        ];
      }),
    );
    console.log(
      '(all of a batch uploaded at once; extract s/doc: the median job start → finish, which for ' +
        '.doc/.xls/.ppt is LibreOffice plus the extraction of what it produced)',
    );
  }
  for (const note of formats.notes) console.log(note);
  if (smallRun !== undefined) {
    console.log(
      `small batch: ${smallRun.documentsPerSec} documents/s, at most ${smallRun.maxInFlight} in flight, ` +
        `at most ${smallRun.maxRunning} jobs running at once (server), peak RSS ${mb(smallRun.rss.peakBytes)}`,
    );
  }
  console.log('');
  const latencies = [idle, loaded?.latency].filter(
    (run): run is LatencyResult => run !== undefined,
  );
  printTable(
    [
      'API GET /v1/documents/{id}',
      'requests',
      'sent/s',
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'max ms',
      'non-200/errors',
      'jobs running',
      'server CPU',
    ],
    latencies.map((run) => [
      run.label,
      String(run.requests),
      run.achievedPerSec.toFixed(0),
      run.latencyMs.p50.toFixed(3),
      run.latencyMs.p90.toFixed(3),
      run.latencyMs.p99.toFixed(3),
      run.latencyMs.max.toFixed(1),
      `${run.requests - run.ok - run.errors}/${run.errors}`,
      `${run.runningJobs.min}–${run.runningJobs.max}`,
      run.serverCpuPercent === undefined ? 'n/a' : `${run.serverCpuPercent.toFixed(0)}%`,
    ]),
  );
  console.log('');
  console.log(
    `ratios: Quire / pdftotext pages/s — text PDF ${fixed(ratios.textPdf, 3)}, image PDF ${fixed(ratios.imagePdf, 3)}, ` +
      `both big PDFs ${fixed(ratios.bothBigPdfs, 3)}, small batch vs small PDFs ${fixed(ratios.smallVsSmallPdfs, 3)} (not judged); ` +
      `API loaded / idle — p50 ${fixed(ratios.p50LoadedOverIdle, 2)}, p99 ${fixed(ratios.p99LoadedOverIdle, 2)}`,
  );
  console.log(
    `server memory: peak VmRSS ${mb(lifetimeRss?.peakBytes)} (${lifetimeRss?.samples ?? 0} samples, ` +
      `longest gap ${lifetimeRss?.maxGapMs ?? 0} ms), VmHWM ${mb(hwmBytes)}`,
  );
  if (allErrors.length > 0) {
    console.log(`\nerrors (${allErrors.length}):`);
    for (const doc of allErrors) console.log(`  ${doc.scenario} / ${doc.file}: ${doc.error}`);
  }
  const warnings = serverLogs?.length ?? 0;
  if (serverLogs !== undefined && warnings > 0) {
    console.log(`\nthe server logged ${warnings} warning/error line(s); the first ones:`);
    for (const line of serverLogs.slice(0, 5)) console.log(`  ${line.slice(0, 400)}`);
  }

  const imageToReady = imageRun?.documents[0]?.toReadyS;
  const smallOk = smallRun !== undefined && smallRun.errors.length === 0;
  const targetRows: { check: TargetCheck; measured: string }[] = [
    {
      check: checkTarget(
        `50 MB PDF upload → ready < ${TARGET_BIG_PDF_SECONDS} s`,
        imageToReady,
        `< ${TARGET_BIG_PDF_SECONDS} s`,
        (value) => value < TARGET_BIG_PDF_SECONDS,
        imageRun !== undefined && imageRun.errors.length === 0,
      ),
      measured: `${fixed(imageToReady, 2)} s`,
    },
    {
      check: checkTarget(
        `small batch: ≥ ${TARGET_MIN_IN_FLIGHT} documents in flight at once, no errors`,
        smallRun?.maxInFlight,
        `≥ ${TARGET_MIN_IN_FLIGHT}, 0 errors`,
        (value) => value >= TARGET_MIN_IN_FLIGHT && smallOk,
        smallRun !== undefined,
      ),
      measured: `${smallRun?.maxInFlight ?? 'n/a'} in flight, ${smallRun?.errors.length ?? 'n/a'} errors`,
    },
    ...(
      [
        ['text PDF', ratios.textPdf, textRun],
        ['image PDF', ratios.imagePdf, imageRun],
        ['both big PDFs', ratios.bothBigPdfs, textRun !== undefined ? imageRun : undefined],
      ] as const
    ).map(([label, value, run]) => ({
      check: checkTarget(
        `${label}: Quire pages/s ≥ ${TARGET_MIN_RATIO} × pdftotext`,
        value,
        `≥ ${TARGET_MIN_RATIO}`,
        (v) => v >= TARGET_MIN_RATIO,
        run !== undefined && run.errors.length === 0 && reference !== undefined,
      ),
      measured: fixed(value, 3),
    })),
    {
      check: checkTarget(
        `API p99 under extraction load ≤ ${TARGET_MAX_P99_RATIO} × idle p99`,
        ratios.p99LoadedOverIdle,
        `≤ ${TARGET_MAX_P99_RATIO}`,
        (value) => value <= TARGET_MAX_P99_RATIO,
        idle?.valid === true && loaded?.latency?.valid === true && loaded.saturated,
      ),
      measured: `${fixed(loaded?.latency?.latencyMs.p99, 2)} / ${fixed(idle?.latencyMs.p99, 2)} ms = ${fixed(ratios.p99LoadedOverIdle, 2)}`,
    },
    {
      check: checkTarget(
        `server peak RSS < ${TARGET_MAX_RSS_BYTES / 1e9} GB`,
        peakRss,
        `< ${TARGET_MAX_RSS_BYTES / 1e6} MB`,
        (value) => value < TARGET_MAX_RSS_BYTES,
        peakRss !== undefined,
      ),
      measured: mb(peakRss),
    },
  ];
  if (loaded !== undefined && !loaded.saturated) {
    console.log(
      `\n! the pool was not saturated through the whole loaded window (jobs running ${loaded.latency?.runningJobs.min ?? 0}–${loaded.latency?.runningJobs.max ?? 0}, ${threads} threads): the p99 target is INVALID`,
    );
  }
  console.log('');
  printTable(
    ['target', 'measured', 'threshold', 'result'],
    targetRows.map(({ check, measured }) => [check.name, measured, check.threshold, check.result]),
  );

  const report = {
    benchmark: 'extract',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    environment: environmentReport(loadAverageAtStart, {
      unpdf: packageVersion('unpdf'),
      piscina: packageVersion('piscina'),
      'pdf-lib': packageVersion('pdf-lib'),
      undici: packageVersion('undici'),
      '@embedpdf/pdfium': packageVersion('@embedpdf/pdfium'),
    }),
    settings: {
      server: 'node --import tsx src/cli.ts start (embedded SQLite, fresh data dir)',
      pdfEngine: PDF_ENGINE,
      extractionThreads: threads,
      logLevel: 'warn',
      maxUploadBytes: MAX_UPLOAD_BYTES,
      rateLimits: Number(RATE_LIMIT),
      pollMs: POLL_MS,
      rssIntervalMs: RSS_INTERVAL_MS,
      latency: { durationS: latencyS, warmupS: 1, ratePerSec, connection: 'one, keep-alive' },
      pdftotext: { ...pdftotext, command: 'pdftotext <file> - > /dev/null', repetitions: 3 },
    },
    corpus: {
      dir: corpus.dir,
      generated: corpus.generated,
      generationMs: corpus.generationMs,
      files: [corpus.textPdf, corpus.imagePdf, ...corpus.small].map(
        ({ path: _path, ...file }) => file,
      ),
    },
    pdftotext: reference,
    quire: {
      warmUp,
      textPdf: textRun,
      imagePdf: imageRun,
      small: smallRun,
      formats: formatRuns,
      loaded,
    },
    latency: { idle, loaded: loaded?.latency, saturated: loaded?.saturated },
    memory: { lifetime: lifetimeRss, vmHwmBytes: hwmBytes, peakBytes: peakRss },
    ratios,
    errors: allErrors,
    serverLogs,
    serverStderr: serverStderr?.slice(0, 8_000),
    targets: targetRows.map(({ check, measured }) => ({ ...check, measured })),
  };
  // The default engine's results keep their names; another engine's sit beside them.
  const name = PDF_ENGINE === 'pdfjs' ? 'extract' : `extract-${PDF_ENGINE}`;
  writeResults(name, startedAt, report);
  const plain = join(RESULTS_DIR, `${name}.json`);
  writeFileSync(plain, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`         ${plain}`);
}

// ---------------------------------------------------------------------------------------------
// The zip-based formats alone (--formats).

const FORMAT_DOCUMENTS: { format: CorpusFormat; make: () => Promise<Buffer> }[] = [
  { format: 'pptx', make: () => office.pptxBytes(40) },
  { format: 'xlsx', make: () => office.xlsxBytes(5000) },
  { format: 'odt', make: () => office.odtBytes(100) },
  { format: 'ods', make: () => office.odsBytes(5000) },
  { format: 'odp', make: () => office.odpBytes(20) },
  { format: 'epub', make: () => office.epubBytes(30) },
];

interface FormatSet {
  label: string;
  format: string;
  bytes: number;
  files: CorpusFile[];
}

async function mainFormats(): Promise<void> {
  const startedAt = new Date();
  const loadAverageAtStart = os.loadavg();
  const copies = integerFromEnv('BENCH_FORMAT_COPIES', 20, 1, 1000);
  // OCR and LibreOffice take about a second a document: fewer copies.
  const slowCopies = integerFromEnv('BENCH_SLOW_FORMAT_COPIES', 6, 1, 1000);
  console.log(
    `${NAME} --formats — node ${process.version}, ${os.availableParallelism()} CPUs, ${copies} copies of each (${slowCopies} of images and legacy Office), QUIRE_OCR=on`,
  );
  console.log(loadAverageLine(loadAverageAtStart));
  const dataDir = mkdtempSync(join(os.tmpdir(), 'quire-bench-formats-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const filesDir = join(dataDir, 'files');
  mkdirSync(filesDir);
  const zipSets: FormatSet[] = await Promise.all(
    FORMAT_DOCUMENTS.map(async ({ format, make }) => {
      const bytes = await make();
      const files: CorpusFile[] = Array.from({ length: copies }, (_, index) => {
        const name = `${format}-${index + 1}.${format}`;
        const path = join(filesDir, name);
        writeFileSync(path, bytes);
        return {
          role: 'small',
          format,
          name,
          path,
          contentType: CONTENT_TYPES[format],
          bytes: bytes.length,
          pages: undefined,
        };
      });
      return {
        label: `${format}: ${copies} × ${(bytes.length / 1024).toFixed(0)} KiB`,
        format,
        bytes: bytes.length,
        files,
      };
    }),
  );
  // E-mail, RTF and .doc/.xls/.ppt through LibreOffice; images through OCR.
  const others = await otherFormatBatches(copies, slowCopies);
  cleanups.push(others.cleanup);
  const images = await imageBatches(slowCopies);
  cleanups.push(images.cleanup);
  const sets: FormatSet[] = [
    ...zipSets,
    ...[...others.batches, ...images.batches].map((batch) => {
      const first = batch.files[0] as CorpusFile;
      return { label: batch.label, format: first.format, bytes: first.bytes, files: batch.files };
    }),
  ];
  const runs: { format: string; bytes: number; run: ScenarioResult }[] = [];
  let api: Api | undefined;
  try {
    const target = await startQuire(dataDir, { QUIRE_OCR: 'on' });
    api = new Api(target.url);
    try {
      await runScenario(
        'warm-up: one of each',
        sets.map((set) => set.files[0] as CorpusFile),
        target,
        api,
        120_000,
      );
      for (const set of sets) {
        const run = await runScenario(set.label, set.files, target, api, 600_000);
        runs.push({ format: set.format, bytes: set.bytes, run });
      }
    } finally {
      await stopChild(target.child, NAME);
      await waitForExit(target.child, 1_000);
    }
  } finally {
    await api?.close();
    killServer();
    for (const cleanup of cleanups.splice(0).reverse()) cleanup();
  }
  const rows = runs.map(({ format, bytes, run }) => ({
    format,
    documentBytes: bytes,
    documents: run.documents.length,
    pagesPerDocument: run.documents[0]?.pageCount,
    seconds: run.seconds,
    documentsPerSec: run.documentsPerSec,
    megabytesPerSec: round(
      (bytes * (run.documents.length - run.errors.length)) / 1e6 / run.seconds,
      2,
    ),
    serverExtractS: run.serverExtractS,
    /** One document's job, start → finish (median): its cost on one thread. */
    jobSecondsMedian: median(run.documents.flatMap((document) => document.serverExtractS ?? [])),
    errors: run.errors.length,
    peakRssBytes: run.rss.peakBytes,
  }));
  console.log('');
  for (const note of [...others.notes, ...images.notes]) console.log(note);
  printTable(
    [
      'format',
      'document',
      'pages',
      'docs',
      'Quire s',
      'docs/s',
      'MB/s',
      'extract s',
      'job s (median)',
      'errors',
      'peak RSS',
    ],
    rows.map((row) => [
      row.format.toUpperCase(),
      `${(row.documentBytes / 1024).toFixed(0)} KiB`,
      String(row.pagesPerDocument ?? '-'),
      String(row.documents),
      row.seconds.toFixed(2),
      row.documentsPerSec.toFixed(2),
      row.megabytesPerSec.toFixed(2),
      fixed(row.serverExtractS, 2),
      fixed(row.jobSecondsMedian, 2),
      String(row.errors),
      mb(row.peakRssBytes),
    ]),
  );
  console.log(
    "(upload start → last job seen settled, all copies at once; MB/s of uploaded bytes; job s: one document start → finish on its thread, the LibreOffice rows' cost per document)",
  );
  const report = {
    benchmark: 'extract-formats',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    environment: environmentReport(loadAverageAtStart, { piscina: packageVersion('piscina') }),
    copies,
    rows,
    runs,
  };
  writeResults('extract-formats', startedAt, report);
}

// ---------------------------------------------------------------------------------------------
// One long PDF split across the threads, and not (--split).

interface SplitRow {
  setting: string;
  splitMinPages: string;
  runs: number;
  /** Upload start → job seen succeeded, per run. */
  toReadyS: number[];
  medianToReadyS: number;
  pagesPerSec: number;
  /** The job's started_at → finished_at (server clock), median. */
  medianExtractS: number | undefined;
  /** Quire's pages/s over pdftotext's on the same file. */
  ratio: number | undefined;
  errors: string[];
}

/**
 * `--split`: the corpus's 300-page text PDF on two servers at once, one with
 * QUIRE_EXTRACTION_SPLIT_MIN_PAGES=0 (one thread reads it) and one with the default 64 (it is cut
 * across the idle threads), BENCH_SPLIT_RUNS (default 3) times each, alternating, so the machine's
 * other load falls on both alike; each server warms every thread first (one small PDF per thread
 * at once) and never recycles idle threads during the run. Pages/s from the median upload→ready
 * time, against pdftotext's on the same file.
 */
async function mainSplit(): Promise<void> {
  const startedAt = new Date();
  const loadAverageAtStart = os.loadavg();
  const runs = integerFromEnv('BENCH_SPLIT_RUNS', 3, 1, 50);
  const threads = os.availableParallelism();
  console.log(
    `${NAME} --split — node ${process.version}, ${threads} CPUs, ${runs} runs each, QUIRE_PDF_ENGINE=${PDF_ENGINE}`,
  );
  console.log(loadAverageLine(loadAverageAtStart));
  const corpus = await loadCorpus();
  const pdf = corpus.textPdf;
  const smallPdfs = corpus.small.filter((file) => file.format === 'pdf');
  const pdftotext = ensurePdftotext();
  const reference = pdftotext.available ? timePdftotext([pdf]) : undefined;
  if (reference !== undefined) {
    console.log(
      `pdftotext (${pdftotext.version ?? '?'}): ${pdf.name}, ${reference.pages} pages in ${reference.seconds.toFixed(3)} s → ${reference.pagesPerSec} pages/s`,
    );
  }
  // The engine's own ceiling: is pdftotext's speed reachable with PDFium at all on this machine?
  const ceiling = pdfiumCeiling(pdf.path, threads);
  console.log(
    `PDFium alone (one thread, text only, no store): ${ceiling.pages} pages in ${ceiling.medianS.toFixed(3)} s → ${ceiling.pagesPerSec} pages/s; × ${threads} threads ${ceiling.splitPagesPerSec} pages/s`,
  );
  const settings = [
    { setting: 'split off', splitMinPages: '0' },
    { setting: 'split on', splitMinPages: '64' },
  ];
  const servers: {
    target: RunningServer;
    api: Api;
    times: number[];
    extracts: number[];
    errors: string[];
  }[] = [];
  try {
    for (const { splitMinPages } of settings) {
      const dataDir = mkdtempSync(join(os.tmpdir(), 'quire-bench-split-'));
      cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
      const target = await startQuire(dataDir, {
        QUIRE_EXTRACTION_SPLIT_MIN_PAGES: splitMinPages,
        QUIRE_EXTRACTION_IDLE_RECYCLE_MS: '0',
        QUIRE_PDF_ENGINE: PDF_ENGINE,
      });
      cleanups.push(() => {
        if (isRunning(target.child)) target.child.kill('SIGKILL');
      });
      const api = new Api(target.url);
      servers.push({ target, api, times: [], extracts: [], errors: [] });
      await runScenario(
        `warm-up (split min pages ${splitMinPages}): ${threads} small PDFs at once`,
        smallPdfs.slice(0, Math.max(1, threads)),
        target,
        api,
        60_000,
      );
    }
    for (let run = 1; run <= runs; run++) {
      for (const [index, server] of servers.entries()) {
        const result = await runScenario(
          `${settings[index]?.setting ?? ''} #${run}: ${pdf.name}`,
          [pdf],
          server.target,
          server.api,
          300_000,
        );
        const document = result.documents[0];
        if (document?.error !== undefined) server.errors.push(document.error);
        if (document?.toReadyS !== undefined) server.times.push(document.toReadyS);
        if (document?.serverExtractS !== undefined) server.extracts.push(document.serverExtractS);
      }
    }
  } finally {
    for (const { target, api } of servers) {
      await api.close();
      await stopChild(target.child, NAME);
    }
    for (const cleanup of cleanups.splice(0).reverse()) cleanup();
  }
  const loadAverageAtEnd = os.loadavg();
  const rows: SplitRow[] = servers.map((server, index) => {
    const medianToReadyS = median(server.times) ?? Number.NaN;
    const pagesPerSec = round((pdf.pages ?? 0) / medianToReadyS, 1);
    return {
      setting: settings[index]?.setting ?? '',
      splitMinPages: settings[index]?.splitMinPages ?? '',
      runs: server.times.length,
      toReadyS: server.times,
      medianToReadyS,
      pagesPerSec,
      medianExtractS: median(server.extracts),
      ratio: reference === undefined ? undefined : round(pagesPerSec / reference.pagesPerSec, 3),
      errors: server.errors,
    };
  });
  console.log();
  printTable(
    [
      'setting',
      'runs',
      'upload→ready s (each)',
      'median s',
      'pages/s',
      'extract s',
      'vs pdftotext',
    ],
    [
      ...rows.map((row) => [
        `${row.setting} (${row.splitMinPages})`,
        String(row.runs),
        row.toReadyS.map((seconds) => seconds.toFixed(2)).join(' '),
        row.medianToReadyS.toFixed(2),
        row.pagesPerSec.toFixed(1),
        fixed(row.medianExtractS, 2),
        fixed(row.ratio, 3),
      ]),
      ...(reference === undefined
        ? []
        : [
            [
              'pdftotext',
              '3',
              reference.repetitions.map((s) => s.toFixed(2)).join(' '),
              reference.seconds.toFixed(2),
              reference.pagesPerSec.toFixed(1),
              '-',
              '1',
            ],
          ]),
      [
        `PDFium alone, 1 thread (× ${threads})`,
        String(ceiling.runsS.length),
        ceiling.runsS.map((s) => s.toFixed(2)).join(' '),
        ceiling.medianS.toFixed(2),
        `${ceiling.pagesPerSec.toFixed(1)} (${ceiling.splitPagesPerSec.toFixed(1)})`,
        '-',
        reference === undefined
          ? '-'
          : `${fixed(ceiling.pagesPerSec / reference.pagesPerSec, 3)} (${fixed(ceiling.splitPagesPerSec / reference.pagesPerSec, 3)})`,
      ],
    ],
  );
  const [off, on] = rows;
  if (off !== undefined && on !== undefined) {
    console.log(
      `split on / off: upload→ready ${(off.medianToReadyS / on.medianToReadyS).toFixed(2)}× faster; ` +
        `load average at end: ${loadAverageAtEnd.map((load) => load.toFixed(2)).join(' ')}`,
    );
  }
  for (const row of rows) for (const error of row.errors) console.log(`! ${row.setting}: ${error}`);
  writeResults(
    PDF_ENGINE === 'pdfjs' ? 'extract-split' : `extract-split-${PDF_ENGINE}`,
    startedAt,
    {
      benchmark: 'extract-split',
      pdfEngine: PDF_ENGINE,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      environment: environmentReport(loadAverageAtStart, { unpdf: packageVersion('unpdf') }),
      loadAverageAtEnd,
      file: { name: pdf.name, pages: pdf.pages, bytes: pdf.bytes },
      pdftotext: reference,
      pdfiumCeiling: ceiling,
      rows,
    },
  );
}

const mode = process.argv.includes('--formats')
  ? mainFormats
  : process.argv.includes('--split')
    ? mainSplit
    : main;
mode().catch((error: unknown) => {
  console.error(`${NAME} failed:`, error);
  killServer();
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
  process.exitCode = 1;
});
