/**
 * The end-user commands of the real `quire` binary (src/cli.ts) run as child processes against a
 * live Quire: an upload of several PDFs with --wait and its summary, --json for scripts, the
 * other commands, the exit code of each failure kind, the config file, and the progress bars —
 * drawn in a pseudo-terminal (`script`), absent (no escape code at all) when not on a terminal.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { writeGarbagePdf, textPdfBytes } from '../fixtures/documents.js';
import { buildTestApp, tempDir, TEST_ADMIN_KEY, type TestApp } from '../helpers/app.js';
import { ensureClientBuilt } from '../helpers/client.js';
import { FAULT_WORKER } from '../helpers/extraction.js';
import { ROOT } from '../helpers/process.js';

const CLOSED_PORT = 27498;
const ESCAPE = '\x1b';

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `quire <args>` (node --import tsx src/cli.ts) with the given environment. */
function quire(
  args: string[],
  env: Record<string, string>,
  options: { stdin?: string; timeoutMs?: number } = {},
): Promise<Ran> {
  return run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], env, options);
}

function run(
  command: string,
  args: string[],
  env: Record<string, string>,
  { stdin, timeoutMs = 90_000 }: { stdin?: string; timeoutMs?: number } = {},
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const { QUIRE_URL: _url, QUIRE_API_KEY: _key, ...inherited } = process.env;
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { ...inherited, XDG_CONFIG_HOME: tempDir('quire-cli-config-'), ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end(stdin ?? '');
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const quote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;

describe('quire client commands against a live Quire', { timeout: 400_000 }, () => {
  let t: TestApp;
  let env: Record<string, string>;
  let dir: string;
  let pdfs: string[];

  before(async () => {
    ensureClientBuilt();
    // The fault worker extracts every file as the real one does, but lets a test file report
    // slow page progress: the pseudo-terminal test must see pages counted, however fast the PDFs go.
    t = await buildTestApp({}, { extractionWorkerFile: FAULT_WORKER });
    const url = await t.app.listen({ host: '127.0.0.1', port: 0 });
    env = { QUIRE_URL: url, QUIRE_API_KEY: TEST_ADMIN_KEY };
    dir = tempDir('quire-cli-files-');
    pdfs = [];
    for (const [name, pages] of [
      ['a.pdf', 2],
      ['b.pdf', 3],
      ['c.pdf', 5],
    ] as const) {
      const path = join(dir, name);
      writeFileSync(path, await textPdfBytes(pages));
      pdfs.push(path);
    }
  });

  it('uploads three PDFs with --wait: a summary table, no escape codes off a terminal', async () => {
    const result = await quire(['upload', ...pdfs, '--wait', '--tag', 'cli'], env);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^FILE\s+DOCUMENT\s+STATUS\s+PAGES\s+SIZE$/);
    for (const [index, pages] of [2, 3, 5].entries()) {
      const row = lines[index + 1] ?? '';
      assert.match(row, new RegExp(`${pdfs[index]}\\s+doc_\\w+\\s+ready\\s+${pages}\\s+\\d`));
    }
    assert.equal(lines.at(-1), '3 of 3 uploaded and extracted');
    assert.ok(
      !result.stdout.includes(ESCAPE) && !result.stderr.includes(ESCAPE),
      'no escape codes',
    );
  });

  it('draws a progress bar per file in a pseudo-terminal', async () => {
    // 5 pages reported over 4 s, then extracted as text.
    const slow = join(dir, 'slow.txt');
    writeFileSync(slow, 'QUIRE-FAULT:slow 4000 5\nA document that takes its time.\n');
    const files = [...pdfs, slow];
    const command = [process.execPath, '--import', 'tsx', 'src/cli.ts', 'upload', ...files]
      .concat(['--wait', '--no-dedupe'])
      .map(quote)
      .join(' ');
    const result = await run('script', ['-qfec', command, '/dev/null'], env);
    assert.equal(result.code, 0, result.stdout);
    assert.ok(result.stdout.includes(ESCAPE), 'the terminal gets escape codes');
    for (const path of files) {
      const name = path.split('/').at(-1) ?? '';
      assert.match(
        result.stdout,
        new RegExp(`${name}\\s*\\|[█░=-]+\\| 100%`),
        `a full bar for ${name}`,
      );
    }
    assert.match(
      result.stdout,
      /slow\.txt[^\n]*extract [1-4]\/5 pages/,
      'extraction pages from the event stream, while they go',
    );
    assert.match(result.stdout, /4 of 4 uploaded and extracted/);
  });

  it('answers --json for scripts, and lists, reads, searches, reranks and removes', async () => {
    const uploaded = await quire(
      ['upload', pdfs[0] as string, '--json', '--no-dedupe', '--wait'],
      env,
    );
    assert.equal(uploaded.code, 0, uploaded.stderr);
    const [entry] = JSON.parse(uploaded.stdout) as { document: { id: string; status: string } }[];
    assert.equal(entry?.document.status, 'ready');
    const id = entry?.document.id ?? '';

    const listed = await quire(['ls', '--json', '--tag', 'cli'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal((JSON.parse(listed.stdout) as { data: unknown[] }).data.length, 3);

    const content = await quire(['get', id, '--pages', '2'], env);
    assert.equal(content.code, 0, content.stderr);
    assert.match(content.stdout, /page two/);

    const found = await quire(['search', 'zephyr', '--json', '--limit', '2'], env);
    assert.equal(found.code, 0, found.stderr);
    assert.equal((JSON.parse(found.stdout) as { results: unknown[] }).results.length, 2);

    const reranked = await quire(['rerank', 'sailing ships'], env, {
      stdin: 'bread recipes\nships sailing at dawn\n',
    });
    assert.equal(reranked.code, 0, reranked.stderr);
    assert.match(reranked.stdout.split('\n')[1] ?? '', /^1\s+\S+\s+1\s+ships sailing at dawn$/);

    const jobs = await quire(['jobs', 'ls', '--json', '--document', id], env);
    assert.equal(jobs.code, 0, jobs.stderr);
    const [job] = (JSON.parse(jobs.stdout) as { data: { id: string; status: string }[] }).data;
    assert.equal(job?.status, 'succeeded');
    const watched = await quire(['jobs', 'watch', job?.id ?? ''], env);
    assert.equal(watched.code, 0, watched.stderr);
    assert.match(watched.stdout, /succeeded/);

    const markdown = join(dir, 'notes.md');
    writeFileSync(markdown, '# Notes\n\nconverted by the CLI\n');
    const converted = await quire(['convert', markdown, '--to', 'text'], env);
    assert.equal(converted.code, 0, converted.stderr);
    assert.match(converted.stdout, /converted by the CLI/);

    const removed = await quire(['rm', id], env);
    assert.equal(removed.code, 0, removed.stderr);
    const gone = await quire(['get', id], env);
    assert.equal(gone.code, 4, 'not found');
    assert.match(gone.stderr, /NOT_FOUND/);
  });

  it('exits by failure kind: usage 2, auth 3, not found 4, refused 5, network 7, extraction 8', async () => {
    const usage = await quire(['ls', '--bogus'], env);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /usage: quire/);
    assert.equal((await quire(['upload'], env)).code, 2);

    const auth = await quire(['ls'], {
      ...env,
      QUIRE_API_KEY: 'qk_wrong-key-00000000000000000000000000000',
    });
    assert.equal(auth.code, 3);
    assert.match(auth.stderr, /UNAUTHENTICATED/);

    assert.equal((await quire(['get', 'doc_missing'], env)).code, 4);
    assert.equal((await quire(['jobs', 'retry', 'job_missing'], env)).code, 4);

    const refused = await quire(['rerank', 'q', 'a', '--method', 'psychic'], env);
    assert.equal(refused.code, 5, refused.stderr);
    assert.match(refused.stderr, /VALIDATION_FAILED/);

    const network = await quire(['ls'], { ...env, QUIRE_URL: `http://127.0.0.1:${CLOSED_PORT}` });
    assert.equal(network.code, 7, network.stderr);
    assert.match(network.stderr, /NETWORK_ERROR/);

    const garbage = await writeGarbagePdf(tempDir());
    const failed = await quire(['upload', garbage, '--wait'], env);
    assert.equal(failed.code, 8, failed.stdout + failed.stderr);
    assert.match(failed.stdout, /failed/);
    assert.match(failed.stdout, /0 of 1 uploaded and extracted/);
  });

  it('reads the server and key from the config file when the environment has none', async () => {
    const config = tempDir('quire-cli-xdg-');
    mkdirSync(join(config, 'quire'));
    writeFileSync(
      join(config, 'quire', 'config.json'),
      JSON.stringify({ url: env.QUIRE_URL, api_key: TEST_ADMIN_KEY }),
    );
    const listed = await quire(['ls'], { XDG_CONFIG_HOME: config });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^ID\s+TITLE\s+STATUS/);
    assert.match(listed.stdout, /a\.pdf/);
    // A directory stands for the files under it (the same bytes again: stored already).
    const again = await quire(['upload', dir, '--json'], { XDG_CONFIG_HOME: config });
    assert.equal(again.code, 0, again.stderr);
    const entries = JSON.parse(again.stdout) as { file: string; deduplicated: boolean }[];
    assert.deepEqual(
      entries.filter((entry) => entry.file.endsWith('.pdf')).map((entry) => entry.deduplicated),
      [true, true, true],
    );
  });

  it('keeps the server commands working beside the client ones', async () => {
    const help = await quire(['--help'], {});
    assert.equal(help.code, 0);
    assert.match(help.stdout, /start\|serve\|worker\|migrate\|keys/);
    assert.match(help.stdout, /upload\|ls\|get/);
    const keys = await quire(['keys'], { QUIRE_DATA_DIR: tempDir() });
    assert.notEqual(keys.code, null);
    assert.match(keys.stdout + keys.stderr, /keys/);
  });
});
