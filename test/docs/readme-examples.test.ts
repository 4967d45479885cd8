/**
 * The README's examples work as printed: a real `quire start` (the embedded default, a temporary
 * data directory, a known admin key) and every block marked `<!-- example -->` run in order with
 * bash, as a reader would paste them into one terminal — the variables a block sets are there
 * for the next. A block followed by `<!-- output -->` must print that output, where `…` stands
 * for any text on its line (ids, scores, times) and a line of `…` alone for any lines.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { tempDir, TEST_ADMIN_KEY } from '../helpers/app.js';
import { ROOT, spawnServer } from '../helpers/process.js';

export interface ReadmeExample {
  /** 1-based line of the code block's opening fence in README.md. */
  line: number;
  script: string;
  /** What the block must print, with `…` placeholders; undefined: only its exit code counts. */
  output?: string;
}

const FENCE = /^```[a-z]*\s*$/;

/** The code block opening at or after `from` (blank lines skipped): its body and its end. */
function blockAt(lines: string[], from: number): { start: number; body: string; end: number } {
  let start = from;
  while (start < lines.length && lines[start]?.trim() === '') start++;
  assert.match(lines[start] ?? '', FENCE, `README.md:${start + 1}: a marker must precede a block`);
  const end = lines.findIndex((text, index) => index > start && text.trim() === '```');
  assert.ok(end > start, `README.md:${start + 1}: the block is never closed`);
  return { start, body: lines.slice(start + 1, end).join('\n'), end };
}

/** Every `<!-- example -->` block of `markdown`, each with its `<!-- output -->` block if any. */
export function readmeExamples(markdown: string): ReadmeExample[] {
  const lines = markdown.split('\n');
  const examples: ReadmeExample[] = [];
  for (let index = 0; index < lines.length; index++) {
    if (lines[index]?.trim() !== '<!-- example -->') continue;
    const code = blockAt(lines, index + 1);
    let next = code.end + 1;
    while (next < lines.length && lines[next]?.trim() === '') next++;
    const example: ReadmeExample = { line: code.start + 1, script: code.body };
    if (lines[next]?.trim() === '<!-- output -->') {
      const output = blockAt(lines, next + 1);
      example.output = output.body;
      next = output.end;
    }
    examples.push(example);
    index = next;
  }
  return examples;
}

/** Trailing spaces and blank lines at the end do not count. */
const tidy = (text: string): string => text.replace(/[ \t]+$/gm, '').replace(/\n+$/, '');

/** Whether `actual` is `expected` with each `…` standing for any text (a lone `…` line: any lines). */
export function outputMatches(actual: string, expected: string): boolean {
  const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = tidy(expected)
    .split('\n')
    .map((line) =>
      line.trim() === '…'
        ? '(?:[^\\n]*(?:\\n|$))*?'
        : `${line.split('…').map(escape).join('[^\\n]*?')}(?:\\n|$)`,
    )
    .join('');
  return new RegExp(`^${pattern}$`).test(`${tidy(actual)}\n`);
}

interface BashRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runBash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<BashRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const examples = readmeExamples(readFileSync(join(ROOT, 'README.md'), 'utf8'));

describe('README examples', () => {
  it('placeholders match ids and lines, and a changed word does not match', () => {
    const expected = '{\n  "id": "doc_…",\n  "status": "ready"\n}';
    assert.ok(outputMatches('{\n  "id": "doc_7Hx2",\n  "status": "ready"\n}\n', expected));
    assert.ok(!outputMatches('{\n  "id": "doc_7Hx2",\n  "status": "failed"\n}', expected));
    assert.ok(!outputMatches('{\n  "id": "doc_7Hx2"\n}', expected));
    assert.ok(outputMatches('event: progress\nevent: progress\nevent: done', '…\nevent: done'));
    assert.ok(outputMatches('event: done', '…\nevent: done'));
    assert.ok(!outputMatches('event: failed', '…\nevent: done'));
  });

  it('cover the first steps a user takes', () => {
    const scripts = examples.map((example) => example.script).join('\n');
    for (const call of ['/v1/documents', '/v1/jobs/', '/content', '/v1/search', '/v1/rerank'])
      assert.ok(scripts.includes(call), `no README example calls ${call}`);
    assert.ok(scripts.includes('/v1/convert'), 'no README example converts a file');
  });
});

describe('README examples against a running Quire', { timeout: 300_000 }, () => {
  const workDir = tempDir('quire-readme-');
  const stateFile = join(workDir, '.readme-state.sh');
  let env: NodeJS.ProcessEnv = {};
  let baseline = new Set<string>();

  before(async () => {
    const tools = await runBash('command -v curl && command -v jq', workDir, process.env);
    assert.equal(tools.code, 0, 'the README examples need curl and jq: apt-get install curl jq');
    const server = await spawnServer(
      'src/cli.ts',
      { QUIRE_BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY, QUIRE_MAX_EVENT_LOOP_DELAY_MS: '0' },
      120_000,
    );
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('QUIRE_')),
    );
    // What the README tells a reader to export once `npm start` has printed the admin key.
    env = { ...inherited, QUIRE_URL: server.url, QUIRE_API_KEY: TEST_ADMIN_KEY };
    const names = await runBash('compgen -v', workDir, env);
    baseline = new Set(names.stdout.split('\n'));
    writeFileSync(stateFile, '');
  });

  for (const example of examples) {
    const title = example.script.split('\n').find((text) => !text.startsWith('#')) ?? '';
    it(`README.md:${example.line}: ${title.slice(0, 70)}`, async () => {
      // The variables a block sets (and no shell internals) are saved for the blocks after it.
      const keep = `for __name in $(compgen -v); do case "$__name" in __*|BASH*|PIPESTATUS|_) ;; *) printf '%s\\n' "$__name";; esac; done`;
      const script = [
        'set -euo pipefail',
        `source '${stateFile}'`,
        example.script,
        `for __name in $(${keep}); do`,
        `  [[ " ${[...baseline].join(' ')} " == *" $__name "* ]] || declare -p "$__name"`,
        `done > '${stateFile}.next'`,
        `mv '${stateFile}.next' '${stateFile}'`,
      ].join('\n');
      const run = await runBash(script, workDir, env);
      const shown = `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
      assert.equal(run.code, 0, `the example at README.md:${example.line} failed\n${shown}`);
      if (example.output !== undefined)
        assert.ok(
          outputMatches(run.stdout, example.output),
          `README.md:${example.line} printed something else than its output block\n` +
            `expected:\n${example.output}\n${shown}`,
        );
    });
  }
});
