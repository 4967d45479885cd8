/**
 * `npm run bench:ingest`: how fast a large file goes through the real upload API to disk, and
 * what it costs the server in memory, against writing the same bytes with a plain Node stream.
 *
 * Cases, for 50 MiB and 1 GiB, each repeated BENCH_INGEST_REPEAT times (default 3), all cases of
 * a repetition back to back:
 *   - reference: fs.createWriteStream (flush: true, i.e. fsync'd before close, as Quire's blob
 *     store fsyncs its files) fed by the same generator, in this process, into the directory the
 *     servers' data dirs are in (same filesystem, under os.tmpdir());
 *   - bare node:http → file, for attribution: the same client uploading to bench/sink-target.ts,
 *     a bare node:http server piping the raw body into fs.createWriteStream (fsync'd): what HTTP
 *     over loopback plus a default Node stream pipe reach on this machine, before Quire;
 *   - blob store plain / encrypted, for attribution: Quire's fs blob store alone, in this process
 *     (stage + commit: hashing, metering, encrypting, fsync, rename; no HTTP, no database);
 *   - upload plain: POST /v1/documents?dedupe=false to Quire's full app (bench/app-target.ts,
 *     its own process, SQLite in a temporary data dir), multipart/form-data with one part
 *     `file`, filename bench.txt, Content-Type text/plain, with a Content-Length;
 *   - upload encrypted: the same to a second server with QUIRE_ENCRYPTION_KEY (32 random bytes,
 *     base64): AES-256-GCM at rest.
 * Both servers run with QUIRE_MAX_UPLOAD_BYTES = 2 GiB and otherwise default settings. The body
 * is streamed from a generator of random printable ASCII lines (slices of an 8 MiB pool generated
 * once, each file starting with its own random line, so nothing is deduplicated and the server
 * detects text/plain); the bench never holds a whole file. Each upload must answer 202 with
 * media_type text/plain and size_bytes equal to what was sent, and GET /v1/documents/{id} (with
 * the bootstrap admin key) must say the same size; the document is then deleted (unmeasured) to
 * free the disk.
 *
 * Throughput is bytes sent / time from the request's start to its full response (so it includes
 * the server's fsync and commit); "tail" is the part of that after the last byte was sent. A
 * case's throughput is its median repetition's. Server memory: VmRSS of the server process from
 * /proc/<pid>/status, sampled every 50 ms; the baseline is the median of 5 samples over 250 ms
 * before the upload, the peak the highest sample from the request's start to its response, and
 * a case shows the repetition whose RSS grew most.
 *
 * Targets (PASS/FAIL, a miss does not fail the process): every upload ≥ 0.5 × the reference's
 * MiB/s; the peak RSS growth during each 1 GiB upload < 100 MiB. The 1 GiB cases are skipped,
 * with a message, when the temporary directory's filesystem has less than 10 GB free. Temporary
 * data is removed at the end, whatever the end is.
 * Results: bench/results/ingest-<timestamp>.json and bench/results/ingest-latest.json.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { request } from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import {
  envWithoutQuireSettings,
  killAllNow,
  killChildrenOnExit,
  startTarget,
  stopAll,
  stopChild,
  type Target,
} from './lib/children.js';
import { createFsBlobStore } from '../src/adapters/fs-blobs/blob-store.js';
import { requestOnce } from './lib/http-client.js';
import { processCpuMs, processRssBytes, RssSampler } from './lib/proc.js';
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
  type TargetCheck,
} from './lib/report.js';

const NAME = 'bench:ingest';
const TARGET_ENTRY = fileURLToPath(new URL('./app-target.ts', import.meta.url));
const SINK_ENTRY = fileURLToPath(new URL('./sink-target.ts', import.meta.url));
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const SIZES = [
  { label: '50 MiB', bytes: 50 * MiB },
  { label: '1 GiB', bytes: GiB },
];
const LARGE_BYTES = GiB;
const MIN_FREE_BYTES_FOR_LARGE = 10e9;
const MAX_UPLOAD_BYTES = 2 * GiB;
const TARGET_MIN_RATIO = 0.5;
const TARGET_MAX_RSS_GROWTH_BYTES = 100 * MiB;
const RSS_INTERVAL_MS = 50;
const CHUNK_BYTES = 64 * 1024;
const POOL_BYTES = 8 * MiB;

type Mode = 'plain' | 'encrypted';
type CaseKind = 'reference' | 'http-sink' | 'store-plain' | 'store-encrypted' | Mode;
const isUpload = (row: { kind: CaseKind }): boolean =>
  row.kind === 'plain' || row.kind === 'encrypted';
/** The order rows are printed in, within one size. */
const KIND_ORDER: CaseKind[] = [
  'reference',
  'http-sink',
  'store-plain',
  'store-encrypted',
  'plain',
  'encrypted',
];

// ---------------------------------------------------------------------------------------------
// Clean-up: servers are killed and temporary data removed however the process ends.

const cleanups: (() => void)[] = [];
killChildrenOnExit(NAME, () => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

// ---------------------------------------------------------------------------------------------
// The content: random printable ASCII lines, streamed.

/** 8 MiB of random lines of 20-120 printable ASCII characters (0x20-0x7e), made once. */
const POOL = ((): Buffer => {
  const pool = randomBytes(POOL_BYTES);
  let untilNewline = 80;
  for (let i = 0; i < pool.length; i++) {
    if (untilNewline === 0) {
      untilNewline = 20 + ((pool[i] ?? 0) % 101);
      pool[i] = 0x0a;
    } else {
      pool[i] = 0x20 + ((pool[i] ?? 0) % 95);
      untilNewline -= 1;
    }
  }
  return pool;
})();

/**
 * Exactly `total` bytes: a line of its own (so no two uploads are alike), then 64 KiB slices of
 * the pool at random offsets. The slices share the pool's memory, which is never written again.
 */
function* asciiContent(total: number): Generator<Buffer> {
  let left = total;
  const first = Buffer.from(`quire bench ${randomUUID()} ${new Date().toISOString()}\n`);
  const head = first.subarray(0, Math.min(first.length, left));
  left -= head.length;
  yield head;
  while (left > 0) {
    const length = Math.min(CHUNK_BYTES, left);
    const offset = Math.floor(Math.random() * (POOL.length - length));
    yield POOL.subarray(offset, offset + length);
    left -= length;
  }
}

// ---------------------------------------------------------------------------------------------
// Measuring.

/** A case over its repetitions (see summarize). */
interface CaseResult extends Row {
  repetitions: {
    repetition: number;
    seconds: number;
    mibPerSec: number;
    tailMs: number | undefined;
    rssBaselineBytes: number | undefined;
    rssPeakBytes: number | undefined;
    rssGrowthBytes: number | undefined;
    serverCpuPercent: number | undefined;
    valid: boolean;
  }[];
}

interface Row {
  case: string;
  kind: CaseKind;
  sizeLabel: string;
  bytes: number;
  seconds: number;
  mibPerSec: number;
  /** This case's MiB/s over the reference's for the same size (undefined for the reference). */
  ratioToReference: number | undefined;
  /** Upload only: from the last byte sent to the full response (fsync, commit, answer), in ms. */
  tailMs: number | undefined;
  /** Upload only: the server's VmRSS before and during the upload, in bytes. */
  rssBaselineBytes: number | undefined;
  rssPeakBytes: number | undefined;
  rssGrowthBytes: number | undefined;
  rssAfterBytes: number | undefined;
  rssSamples: number | undefined;
  rssMaxGapMs: number | undefined;
  /** Share of one core the server (uploads) used meanwhile. */
  serverCpuPercent: number | undefined;
  /** Share of one core this process used meanwhile (generating and sending, or writing). */
  benchCpuPercent: number;
  status: number | undefined;
  documentId: string | undefined;
  mediaType: string | undefined;
  sizeBytesReported: number | undefined;
  /** The upload answered 202, text/plain, and the document's size_bytes is what was sent. */
  valid: boolean;
  problems: string[];
}

async function writeReference(path: string, bytes: number, sizeLabel: string): Promise<Row> {
  console.log(`  reference fs.createWriteStream ${sizeLabel}`);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await pipeline(
    Readable.from(asciiContent(bytes)),
    createWriteStream(path, { flags: 'wx', mode: 0o600, flush: true }),
  );
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  rmSync(path, { force: true });
  return timingRow(`reference ${sizeLabel}`, 'reference', sizeLabel, bytes, ms, cpu);
}

/**
 * For attribution: Quire's blob store alone, in this process (no HTTP, no multipart, no
 * database): stage() the same generated bytes (hashing, metering, encrypting when keyed, fsync)
 * and commit() them (rename, directory fsync), into a fresh directory on the same filesystem.
 */
async function stageDirectly(
  root: string,
  mode: Mode,
  bytes: number,
  sizeLabel: string,
): Promise<Row> {
  console.log(`  blob store stage+commit ${mode} ${sizeLabel} (in process)`);
  const store = createFsBlobStore({
    root,
    ...(mode === 'encrypted' ? { encryptionKey: randomBytes(32) } : {}),
  });
  const problems: string[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    const staged = await store.stage(Readable.from(asciiContent(bytes)), {
      maxBytes: MAX_UPLOAD_BYTES,
    });
    await store.commit(staged);
    if (staged.size !== bytes) problems.push(`staged ${staged.size} bytes, sent ${bytes}`);
  } catch (error) {
    problems.push(`stage failed: ${(error as Error).message}`);
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  rmSync(root, { recursive: true, force: true });
  for (const problem of problems) console.log(`  ! blob store ${mode} ${sizeLabel}: ${problem}`);
  const kind = mode === 'plain' ? 'store-plain' : 'store-encrypted';
  return {
    ...timingRow(`blob store ${mode} ${sizeLabel}`, kind, sizeLabel, bytes, ms, cpu),
    valid: problems.length === 0,
    problems,
  };
}

/** A row with only the timing filled in (the reference and the in-process cases). */
function timingRow(
  name: string,
  kind: CaseKind,
  sizeLabel: string,
  bytes: number,
  ms: number,
  cpu: NodeJS.CpuUsage,
): Row {
  return {
    case: name,
    kind,
    sizeLabel,
    bytes,
    seconds: round(ms / 1000),
    mibPerSec: round(bytes / MiB / (ms / 1000), 1),
    ratioToReference: undefined,
    tailMs: undefined,
    rssBaselineBytes: undefined,
    rssPeakBytes: undefined,
    rssGrowthBytes: undefined,
    rssAfterBytes: undefined,
    rssSamples: undefined,
    rssMaxGapMs: undefined,
    serverCpuPercent: undefined,
    benchCpuPercent: round(((cpu.user + cpu.system) / 1000 / ms) * 100, 1),
    status: undefined,
    documentId: undefined,
    mediaType: undefined,
    sizeBytesReported: undefined,
    valid: true,
    problems: [],
  };
}

/**
 * For attribution: the same upload, by the same client, to bench/sink-target.ts (bare node:http
 * piping the raw body into fs.createWriteStream, fsync'd): the transport's own ceiling.
 */
async function uploadToSink(target: Target, bytes: number, sizeLabel: string): Promise<Row> {
  console.log(`  bare node:http → file ${sizeLabel}`);
  const problems: string[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let response: UploadResponse | undefined;
  try {
    response = await postUpload(target.url, 'none', bytes, uploadTimeoutMs(bytes));
  } catch (error) {
    problems.push(`upload failed: ${(error as Error).message}`);
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (response !== undefined) {
    const received =
      response.status === 202 ? (JSON.parse(response.body) as { bytes?: number }) : {};
    // The sink keeps the multipart envelope too: a few hundred bytes more than the file.
    if (response.status !== 202 || (received.bytes ?? 0) < bytes) {
      problems.push(`answered ${response.status} ${response.body.slice(0, 200)}`);
    }
  }
  for (const problem of problems) console.log(`  ! sink ${sizeLabel}: ${problem}`);
  return {
    ...timingRow(`bare node:http → file ${sizeLabel}`, 'http-sink', sizeLabel, bytes, ms, cpu),
    tailMs: response === undefined ? undefined : round(t0 + ms - response.sentAt, 1),
    valid: problems.length === 0,
    problems,
  };
}

const uploadTimeoutMs = (bytes: number): number => 30_000 + Math.ceil(bytes / (4 * MiB)) * 1000;

interface UploadResponse {
  status: number;
  body: string;
  /** When the last byte of the request body had been handed to the socket. */
  sentAt: number;
}

/** POSTs a multipart upload of `bytes` generated bytes, streamed; bounded by `timeoutMs`. */
function postUpload(
  url: string,
  apiKey: string,
  bytes: number,
  timeoutMs: number,
): Promise<UploadResponse> {
  const boundary = `quire-bench-${randomBytes(16).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\n` +
      'Content-Disposition: form-data; name="file"; filename="bench.txt"\r\n' +
      'Content-Type: text/plain\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  function* body(): Generator<Buffer> {
    yield head;
    yield* asciiContent(bytes);
    yield tail;
  }
  return new Promise((resolve, reject) => {
    let sentAt = 0;
    const req = request(url, {
      method: 'POST',
      agent: false,
      headers: {
        authorization: `Bearer ${apiKey}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': String(head.length + bytes + tail.length),
      },
    });
    const deadline = setTimeout(
      () => req.destroy(new Error(`upload of ${bytes} bytes took over ${timeoutMs} ms`)),
      timeoutMs,
    );
    const fail = (error: Error): void => {
      clearTimeout(deadline);
      reject(error);
    };
    req.on('error', fail);
    req.on('finish', () => (sentAt = performance.now()));
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('error', fail);
      res.on('end', () => {
        clearTimeout(deadline);
        resolve({ status: res.statusCode ?? 0, body: text, sentAt: sentAt || performance.now() });
      });
    });
    // A failure of the request is reported by its 'error' event above; a server answering
    // early (413, 401…) ends the body's pipeline too, and the response settles the promise.
    pipeline(Readable.from(body()), req).catch(() => undefined);
  });
}

function median(values: number[]): number | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

async function baselineRss(pid: number | undefined): Promise<number | undefined> {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    const rss = processRssBytes(pid);
    if (rss !== undefined) samples.push(rss);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return median(samples);
}

async function upload(
  target: Target,
  mode: Mode,
  apiKey: string,
  bytes: number,
  sizeLabel: string,
): Promise<Row> {
  console.log(`  upload ${mode} ${sizeLabel}`);
  const pid = target.child.pid;
  const problems: string[] = [];
  const rssBaselineBytes = await baselineRss(pid);
  const sampler = new RssSampler(pid, RSS_INTERVAL_MS).start();
  const serverCpu0 = processCpuMs(pid);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let response: UploadResponse | undefined;
  try {
    response = await postUpload(
      `${target.url}/v1/documents?dedupe=false`,
      apiKey,
      bytes,
      uploadTimeoutMs(bytes),
    );
  } catch (error) {
    problems.push(`upload failed: ${(error as Error).message}`);
  }
  const t1 = performance.now();
  const rss = sampler.stop();
  const serverCpu1 = processCpuMs(pid);
  const cpu = process.cpuUsage(cpu0);
  const ms = t1 - t0;

  let documentId: string | undefined;
  let mediaType: string | undefined;
  let sizeBytesReported: number | undefined;
  if (response !== undefined) {
    if (response.status !== 202) {
      problems.push(`answered ${response.status}, expected 202: ${response.body.slice(0, 300)}`);
    }
    try {
      const document = (JSON.parse(response.body) as { document?: Record<string, unknown> })
        .document;
      documentId = typeof document?.id === 'string' ? document.id : undefined;
      mediaType = typeof document?.media_type === 'string' ? document.media_type : undefined;
      sizeBytesReported =
        typeof document?.size_bytes === 'number' ? document.size_bytes : undefined;
    } catch {
      problems.push('the answer is not JSON');
    }
    if (mediaType !== 'text/plain') problems.push(`media_type is ${mediaType}, not text/plain`);
    if (sizeBytesReported !== bytes) {
      problems.push(`size_bytes in the answer is ${sizeBytesReported}, sent ${bytes}`);
    }
  }
  if (documentId !== undefined) {
    const got = await requestOnce(`${target.url}/v1/documents/${encodeURIComponent(documentId)}`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    const stored = got.status === 200 ? (JSON.parse(got.body) as { size_bytes?: unknown }) : {};
    if (got.status !== 200) problems.push(`GET /v1/documents/${documentId} answered ${got.status}`);
    else if (stored.size_bytes !== bytes) {
      problems.push(`GET /v1/documents/${documentId}: size_bytes ${String(stored.size_bytes)}`);
    }
  }
  if (documentId !== undefined) {
    // Frees the disk (the blob goes with its last document); not part of what is measured.
    const deleted = await requestOnce(
      `${target.url}/v1/documents/${encodeURIComponent(documentId)}`,
      { method: 'DELETE', headers: { authorization: `Bearer ${apiKey}` }, timeoutMs: 60_000 },
    );
    if (deleted.status !== 204) {
      console.log(
        `  (DELETE /v1/documents/${documentId} answered ${deleted.status}; kept until the end)`,
      );
    }
  }
  for (const problem of problems) console.log(`  ! ${mode} ${sizeLabel}: ${problem}`);

  const rssGrowthBytes =
    rssBaselineBytes !== undefined && rss.peakBytes !== undefined
      ? rss.peakBytes - rssBaselineBytes
      : undefined;
  return {
    case: `upload ${mode} ${sizeLabel}`,
    kind: mode,
    sizeLabel,
    bytes,
    seconds: round(ms / 1000),
    mibPerSec: round(bytes / MiB / (ms / 1000), 1),
    ratioToReference: undefined,
    tailMs: response === undefined ? undefined : round(t1 - response.sentAt, 1),
    rssBaselineBytes,
    rssPeakBytes: rss.peakBytes,
    rssGrowthBytes,
    rssAfterBytes: rss.lastBytes,
    rssSamples: rss.samples,
    rssMaxGapMs: rss.maxGapMs,
    serverCpuPercent:
      serverCpu0 !== undefined && serverCpu1 !== undefined
        ? round(((serverCpu1 - serverCpu0) / ms) * 100, 1)
        : undefined,
    benchCpuPercent: round(((cpu.user + cpu.system) / 1000 / ms) * 100, 1),
    status: response?.status,
    documentId,
    mediaType,
    sizeBytesReported,
    valid: problems.length === 0,
    problems,
  };
}

// ---------------------------------------------------------------------------------------------

function printRows(rows: CaseResult[]): void {
  const mib = (value: number | undefined): string =>
    value === undefined ? '-' : (value / MiB).toFixed(1);
  printTable(
    [
      'case',
      'MiB/s',
      'vs reference',
      'seconds',
      'tail ms',
      'RSS before MiB',
      'RSS peak MiB',
      'RSS growth MiB',
      'server CPU',
      'bench CPU',
      'valid',
    ],
    rows.map((row) => [
      row.case,
      row.mibPerSec.toFixed(1),
      row.ratioToReference === undefined ? '-' : row.ratioToReference.toFixed(3),
      row.seconds.toFixed(2),
      row.tailMs === undefined ? '-' : row.tailMs.toFixed(0),
      mib(row.rssBaselineBytes),
      mib(row.rssPeakBytes),
      mib(row.rssGrowthBytes),
      row.serverCpuPercent === undefined ? '-' : `${row.serverCpuPercent.toFixed(0)}%`,
      `${row.benchCpuPercent.toFixed(0)}%`,
      row.valid ? 'yes' : 'NO',
    ]),
  );
}

/**
 * One case over its repetitions: throughput from the median repetition by MiB/s, memory from the
 * repetition whose RSS grew most; valid only if every repetition was.
 */
function summarize(repeated: Row[]): CaseResult {
  const byThroughput = [...repeated].sort((a, b) => a.mibPerSec - b.mibPerSec);
  const median = byThroughput[Math.floor((byThroughput.length - 1) / 2)] as Row;
  const worstRss = repeated.reduce((worst, row) =>
    (row.rssGrowthBytes ?? -Infinity) > (worst.rssGrowthBytes ?? -Infinity) ? row : worst,
  );
  return {
    ...median,
    rssBaselineBytes: worstRss.rssBaselineBytes,
    rssPeakBytes: worstRss.rssPeakBytes,
    rssGrowthBytes: worstRss.rssGrowthBytes,
    rssAfterBytes: worstRss.rssAfterBytes,
    rssSamples: worstRss.rssSamples,
    rssMaxGapMs: Math.max(0, ...repeated.map((row) => row.rssMaxGapMs ?? 0)),
    valid: repeated.every((row) => row.valid),
    problems: repeated.flatMap((row) => row.problems),
    repetitions: repeated.map((row, i) => ({
      repetition: i + 1,
      seconds: row.seconds,
      mibPerSec: row.mibPerSec,
      tailMs: row.tailMs,
      rssBaselineBytes: row.rssBaselineBytes,
      rssPeakBytes: row.rssPeakBytes,
      rssGrowthBytes: row.rssGrowthBytes,
      serverCpuPercent: row.serverCpuPercent,
      valid: row.valid,
    })),
  };
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadAverageAtStart = os.loadavg();
  const repetitions = integerFromEnv('BENCH_INGEST_REPEAT', 3, 1, 10);
  const tmp = os.tmpdir();
  const fsStats = await statfs(tmp);
  const freeBytes = fsStats.bavail * fsStats.bsize;
  const sizes = SIZES.filter(
    ({ bytes }) => bytes < LARGE_BYTES || freeBytes >= MIN_FREE_BYTES_FOR_LARGE,
  );
  console.log(
    `${NAME} — node ${process.version}, ${os.availableParallelism()} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), ` +
      `${(os.totalmem() / GiB).toFixed(1)} GiB RAM; temporary data in ${tmp} ` +
      `(${(freeBytes / 1e9).toFixed(1)} GB free); ${repetitions} repetitions per case`,
  );
  console.log(loadAverageLine(loadAverageAtStart));
  const skipped = SIZES.filter((size) => !sizes.includes(size)).map((size) => size.label);
  if (skipped.length > 0) {
    console.log(
      `SKIPPED: the ${skipped.join(', ')} cases need ${MIN_FREE_BYTES_FOR_LARGE / 1e9} GB free in ` +
        `${tmp}, and only ${(freeBytes / 1e9).toFixed(1)} GB are`,
    );
  }

  const apiKey = `qk_${randomBytes(30).toString('base64url')}`;
  const root = mkdtempSync(join(tmp, 'quire-bench-ingest-'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const runs = new Map<string, Row[]>();
  const record = (row: Row): void => {
    const key = `${row.kind} ${row.bytes}`;
    runs.set(key, [...(runs.get(key) ?? []), row]);
  };
  try {
    // Both servers run at once (the idle one costs nothing), so every repetition measures each
    // case back to back and drift in the machine's load hits them alike.
    const targets = new Map<Mode, Target>();
    for (const mode of ['plain', 'encrypted'] as const) {
      const dataDir = join(root, mode);
      mkdirSync(dataDir);
      const target = await startTarget({
        name: mode,
        entry: TARGET_ENTRY,
        args: [dataDir],
        cwd: ROOT,
        env: {
          ...envWithoutQuireSettings(),
          QUIRE_BOOTSTRAP_ADMIN_KEY: apiKey,
          QUIRE_MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
          ...(mode === 'encrypted'
            ? { QUIRE_ENCRYPTION_KEY: randomBytes(32).toString('base64') }
            : {}),
        },
      });
      targets.set(mode, target);
      console.log(`Quire (${mode}) at ${target.url} (pid ${target.child.pid}), data in ${dataDir}`);
    }
    const sinkDir = join(root, 'sink');
    mkdirSync(sinkDir);
    const sink = await startTarget({ name: 'sink', entry: SINK_ENTRY, args: [sinkDir], cwd: ROOT });
    console.log(`bare node:http sink at ${sink.url} (pid ${sink.child.pid}), files in ${sinkDir}`);
    for (const { label, bytes } of sizes) {
      for (let repetition = 1; repetition <= repetitions; repetition++) {
        console.log(`${label}, repetition ${repetition}/${repetitions}`);
        record(await writeReference(join(root, 'reference'), bytes, label));
        record(await uploadToSink(sink, bytes, label));
        for (const mode of ['plain', 'encrypted'] as const) {
          record(await stageDirectly(join(root, `store-${mode}`), mode, bytes, label));
        }
        for (const [mode, target] of targets) {
          record(await upload(target, mode, apiKey, bytes, label));
        }
      }
    }
    for (const target of [...targets.values(), sink]) await stopChild(target.child, NAME);
  } finally {
    await stopAll(NAME);
    for (const cleanup of cleanups.splice(0).reverse()) cleanup();
  }

  const rows = [...runs.values()].map(summarize);
  rows.sort((a, b) => a.bytes - b.bytes || KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind));
  for (const row of rows) {
    const reference = rows.find((r) => r.kind === 'reference' && r.bytes === row.bytes);
    if (row.kind !== 'reference' && reference !== undefined && reference.mibPerSec > 0) {
      row.ratioToReference = round(row.mibPerSec / reference.mibPerSec, 3);
    }
  }
  const targets: TargetCheck[] = [
    ...rows
      .filter(isUpload)
      .map((row) =>
        checkTarget(
          `${row.case}: MiB/s ≥ ${TARGET_MIN_RATIO} × reference`,
          row.ratioToReference,
          `≥ ${TARGET_MIN_RATIO}`,
          (value) => value >= TARGET_MIN_RATIO,
          row.valid,
        ),
      ),
    ...rows
      .filter((row) => isUpload(row) && row.bytes === LARGE_BYTES)
      .map((row) =>
        checkTarget(
          `${row.case}: server peak RSS growth < ${TARGET_MAX_RSS_GROWTH_BYTES / MiB} MiB`,
          row.rssGrowthBytes === undefined ? undefined : round(row.rssGrowthBytes / MiB, 1),
          `< ${TARGET_MAX_RSS_GROWTH_BYTES / MiB} MiB`,
          (value) => value * MiB < TARGET_MAX_RSS_GROWTH_BYTES,
          row.valid,
        ),
      ),
  ];

  console.log('');
  printRows(rows);
  const gaps = rows.map((row) => row.rssMaxGapMs ?? 0);
  console.log(
    `\nRSS sampled every ${RSS_INTERVAL_MS} ms (longest gap between samples: ${Math.max(0, ...gaps)} ms); ` +
      'tail = last byte sent → response (fsync, commit, answer); MiB/s from the median ' +
      'repetition, RSS from the repetition whose RSS grew most',
  );
  if (skipped.length > 0) console.log(`SKIPPED: ${skipped.join(', ')} (not enough free disk)`);
  console.log('');
  printTargets(targets);

  writeResults('ingest', startedAt, {
    benchmark: 'ingest',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    environment: environmentReport(loadAverageAtStart, {
      fastify: packageVersion('fastify'),
      '@fastify/multipart': packageVersion('@fastify/multipart'),
      'better-sqlite3': packageVersion('better-sqlite3'),
    }),
    settings: {
      host: '127.0.0.1',
      route: 'POST /v1/documents?dedupe=false (multipart, part "file", bench.txt, text/plain)',
      sizes: SIZES.map(({ label, bytes }) => ({ label, bytes, skipped: skipped.includes(label) })),
      tmpDir: tmp,
      freeBytesAtStart: freeBytes,
      maxUploadBytes: MAX_UPLOAD_BYTES,
      database: 'sqlite',
      chunkBytes: CHUNK_BYTES,
      content: `random printable ASCII lines: slices of a ${POOL_BYTES / MiB} MiB pool, one unique first line per file`,
      reference:
        'fs.createWriteStream with flush: true (fsync before close), same generator, same filesystem',
      rssSampleIntervalMs: RSS_INTERVAL_MS,
      targets: {
        minRatioToReference: TARGET_MIN_RATIO,
        maxRssGrowthBytes1GiB: TARGET_MAX_RSS_GROWTH_BYTES,
      },
    },
    runs: rows,
    targets,
  });
}

main().catch((error: unknown) => {
  console.error(`${NAME} failed:`, error);
  killAllNow();
  process.exitCode = 1;
});
