#!/usr/bin/env node
// Runs every test file with node:test + tsx. Files are listed explicitly because node:test with
// tsx on Node 20 finds no .ts files by itself and would exit 0 having run nothing; for the same
// reason the run fails when no test ran at all.
//
// No test hangs the run: every test and hook gets a default timeout (QUIRE_TEST_TIMEOUT_MS,
// see scripts/lib/test-timeout/), and a file whose tests are done exits soon even if a handle is
// left open (not --test-force-exit, which loses results: see timed-node-test.mjs). No result is
// lost silently either: a second reporter lists files whose tests did not all report, and the
// run fails if it lists any. QUIRE_TEST_DIR runs the test files of another folder (the runner's own
// tests use it); test/fixtures is never searched.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DEFAULT_TEST_TIMEOUT_MS } from './lib/test-timeout/default-timeout.mjs';

const root = new URL('..', import.meta.url).pathname;
const testDir = join(root, process.env.QUIRE_TEST_DIR ?? 'test');
const fixturesDir = join(root, 'test', 'fixtures');

function findTests(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return path === fixturesDir ? [] : findTests(path);
    return name.endsWith('.test.ts') ? [relative(root, path)] : [];
  });
}

// Arguments pick files whose path contains one of them; `!part` leaves out files containing it.
const args = process.argv.slice(2);
const include = args.filter((arg) => !arg.startsWith('!'));
const exclude = args.filter((arg) => arg.startsWith('!')).map((arg) => arg.slice(1));
const files = findTests(testDir)
  .filter((file) => include.length === 0 || include.some((part) => file.includes(part)))
  .filter((file) => !exclude.some((part) => file.includes(part)))
  .sort();
if (files.length === 0) {
  console.error('run-tests: no test files found');
  process.exit(1);
}

const lostResultsDir = mkdtempSync(join(tmpdir(), 'quire-run-tests-'));
const lostResults = join(lostResultsDir, 'lost-results.txt');

// A run started from inside a test (the runner's own tests) is a run of its own, not a subtest.
const { NODE_TEST_CONTEXT: _parentRun, ...testEnv } = process.env;
const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--import',
    './scripts/lib/test-timeout/register.mjs',
    '--test',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=./scripts/lib/verdict-check-reporter.mjs',
    `--test-reporter-destination=${lostResults}`,
    '--test-concurrency=2',
    ...files,
  ],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...testEnv, NO_COLOR: '1' } },
);
let output = '';
child.stdout.on('data', (chunk) => {
  output += chunk;
  process.stdout.write(chunk);
});
child.on('close', (code) => {
  const lost = readLostResults();
  const ran = /^ℹ tests (\d+)/m.exec(output);
  if (ran === null || Number(ran[1]) === 0) {
    console.error('run-tests: no test ran');
    process.exit(1);
  }
  if (/^\s*'test timed out after \d+ms'/m.test(output)) {
    console.error(
      `run-tests: a test timed out (default ${DEFAULT_TEST_TIMEOUT_MS} ms per test and hook; ` +
        'a test can set its own { timeout }, or set QUIRE_TEST_TIMEOUT_MS for the whole run)',
    );
  }
  if (lost !== '') {
    console.error(`run-tests: results were lost, so the counts above are short:\n${lost}`);
    process.exit(1);
  }
  process.exit(code ?? 1);
});

function readLostResults() {
  try {
    return readFileSync(lostResults, 'utf8').trim();
  } catch {
    return 'the result check wrote nothing (it did not run)';
  } finally {
    rmSync(lostResultsDir, { recursive: true, force: true });
  }
}
