/**
 * Runs the hostile files (test/fixtures/hostile-files.ts) against a real server process: starts
 * `quire start` on a free port, uploads each file through HTTP, waits for its outcome within the
 * file's bound, samples the server's RSS (/proc, so worker threads count) meanwhile, and checks
 * that /livez still answers. Used by test/system/hostile-files.test.ts and `npm run hostile`;
 * it needs no node:test context.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openAsBlob, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { HostileExpectation, HostileFile } from '../fixtures/hostile-files.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ADMIN_KEY = 'qk_hostile-admin-key-0000000000000000000000';
const MB = 1024 * 1024;

export interface HostileServer {
  url: string;
  pid: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** `quire start` (tsx, embedded SQLite) on a fresh data dir, `env` over fast test settings. */
export async function startHostileServer(env: Record<string, string> = {}): Promise<HostileServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'quire-hostile-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start'], {
    cwd: ROOT,
    env: {
      ...process.env,
      QUIRE_HOST: '127.0.0.1',
      QUIRE_PORT: '0',
      QUIRE_DATA_DIR: dataDir,
      QUIRE_LOG_LEVEL: 'info',
      QUIRE_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
      QUIRE_RATE_LIMIT_READ: '1000000',
      QUIRE_RATE_LIMIT_WRITE: '1000000',
      QUIRE_RATE_LIMIT_UPLOAD: '1000000',
      QUIRE_WORKER_POLL_MS: '20',
      QUIRE_JOB_RETRY_BASE_MS: '100',
      QUIRE_EXTRACTION_WORKERS: '2',
      // Images go to their processor (and its size bounds) rather than being refused at upload.
      QUIRE_OCR: 'on',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no listening line in 30 s: ${stderr}`)),
      30_000,
    );
    const read = (chunk: Buffer): void => {
      stdout += chunk.toString();
      const lines = stdout.split('\n');
      stdout = lines.pop() ?? '';
      for (const line of lines) {
        const match = /"msg":"quire listening"/.test(line) ? /"url":"([^"]+)"/.exec(line) : null;
        if (match?.[1] !== undefined) {
          clearTimeout(timer);
          // Later lines (a request log per poll) are drained unread.
          child.stdout?.off('data', read);
          child.stdout?.resume();
          resolve(match[1]);
        }
      }
    };
    child.stdout?.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) before listening: ${stderr}`));
    });
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { url, pid: child.pid ?? 0, child, stop };
}

/** The process's resident set, in bytes (threads included). */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
  return Number(kib ?? 0) * 1024;
}

export interface HostileRow {
  name: string;
  expected: string;
  outcome: string;
  ms: number;
  /** Highest RSS seen while the file was handled, and RSS once it was. */
  peakRssMb: number;
  afterRssMb: number;
  livez: boolean;
  /** Empty when the outcome is the expected one within the bound; else why not. */
  problems: string[];
}

export function describeExpectation(expected: HostileExpectation): string {
  if ('upload' in expected) return `${expected.upload} ${expected.code}`;
  return expected.job === 'ready' ? 'ready' : `failed ${expected.code}`;
}

const auth = { authorization: `Bearer ${ADMIN_KEY}` };

interface JobBody {
  status: string;
  error?: { code: string };
}

const SETTLED = new Set(['succeeded', 'failed', 'cancelled', 'dead']);

async function json<T>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

/** Uploads, then follows the job; the outcome as `describeExpectation` writes expectations. */
async function outcomeOf(
  server: HostileServer,
  file: HostileFile,
  path: string,
  deadline: number,
): Promise<{ outcome: string; text?: string }> {
  const form = new FormData();
  form.append('file', await openAsBlob(path), file.filename);
  const upload = await fetch(`${server.url}/v1/documents?dedupe=false`, {
    method: 'POST',
    headers: auth,
    body: form,
    signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
  });
  if (upload.status !== 202) {
    const problem = await json<{ code?: string }>(upload).catch(() => ({ code: '?' }));
    return { outcome: `${upload.status} ${problem.code ?? '?'}` };
  }
  const { job, document } = await json<{ job: { id: string }; document: { id: string } }>(upload);
  for (;;) {
    const current = await json<JobBody>(
      await fetch(`${server.url}/v1/jobs/${job.id}`, { headers: auth }),
    );
    if (SETTLED.has(current.status)) {
      if (current.status !== 'succeeded')
        return { outcome: `${current.status} ${current.error?.code ?? '?'}` };
      const content = await fetch(`${server.url}/v1/documents/${document.id}/content`, {
        headers: auth,
      });
      return { outcome: 'ready', text: await content.text() };
    }
    if (Date.now() > deadline) return { outcome: `still ${current.status}` };
    await sleep(25);
  }
}

async function livez(server: HostileServer): Promise<boolean> {
  try {
    const response = await fetch(`${server.url}/livez`, { signal: AbortSignal.timeout(2_000) });
    return response.status === 200;
  } catch {
    return false;
  }
}

/** Handles one file end to end and says whether it met its expectation. */
export async function runHostileFile(
  server: HostileServer,
  file: HostileFile,
  path: string,
): Promise<HostileRow> {
  let peak = rssOf(server.pid);
  const sampler = setInterval(() => {
    try {
      peak = Math.max(peak, rssOf(server.pid));
    } catch {
      // The process is gone: the row's livez says so.
    }
  }, 20);
  const started = Date.now();
  let result: { outcome: string; text?: string };
  try {
    result = await outcomeOf(server, file, path, started + file.boundMs);
  } catch (error) {
    result = { outcome: `error: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    clearInterval(sampler);
  }
  const ms = Date.now() - started;
  const alive = await livez(server);
  let after = 0;
  try {
    after = rssOf(server.pid);
  } catch {
    // Reported through livez.
  }
  const expected = describeExpectation(file.expected);
  const problems: string[] = [];
  if (result.outcome !== expected) problems.push(`outcome ${result.outcome}`);
  if (ms > file.boundMs) problems.push(`took ${ms} ms, bound ${file.boundMs}`);
  if (!alive) problems.push('/livez did not answer');
  if ('job' in file.expected && file.expected.job === 'ready' && result.text !== undefined) {
    const { text: wanted, notText } = file.expected;
    if (wanted !== undefined && !wanted.test(result.text))
      problems.push(`text does not match ${String(wanted)}: ${result.text.slice(0, 120)}`);
    if (notText !== undefined && notText.test(result.text))
      problems.push(`text matches ${String(notText)}`);
  }
  return {
    name: file.name,
    expected,
    outcome: result.outcome,
    ms,
    peakRssMb: Math.round(peak / MB),
    afterRssMb: Math.round(after / MB),
    livez: alive,
    problems,
  };
}

/** The rows as a Markdown table (what `npm run hostile` prints). */
export function hostileTable(rows: HostileRow[], baselineRssMb: number): string {
  const lines = [
    `Server RSS at start: ${baselineRssMb} MB`,
    '',
    '| file | expected | outcome | time (ms) | peak RSS (MB) | RSS after (MB) | ok |',
    '| --- | --- | --- | ---: | ---: | ---: | --- |',
  ];
  for (const row of rows) {
    const ok = row.problems.length === 0 ? 'yes' : `NO: ${row.problems.join('; ')}`;
    lines.push(
      `| ${row.name} | ${row.expected} | ${row.outcome} | ${row.ms} | ${row.peakRssMb} | ${row.afterRssMb} | ${ok} |`,
    );
  }
  return lines.join('\n');
}
