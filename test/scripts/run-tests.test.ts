/**
 * The test runner never hangs: a test that waits forever fails with a timeout message and the run
 * goes on; a file that leaves a handle open still ends; a test file whose Redis or PostgreSQL is
 * missing fails at once, naming the service. It never passes with results missing: a file whose
 * process exits before all its tests reported fails the run. All go through the real runner
 * (scripts/run-tests.mjs) in a child process, on the fixtures in test/fixtures/runner.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { requirePostgres } from '../helpers/databases.js';
import { ROOT, runScript } from '../helpers/process.js';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address !== null && typeof address === 'object');
  return address.port;
}

/** The real runner on the files of test/fixtures/runner whose paths contain one of `args`. */
function runFixtures(args: string[], env: Record<string, string> = {}) {
  return runScript(
    'scripts/run-tests.mjs',
    args,
    { QUIRE_TEST_DIR: 'test/fixtures/runner', ...env },
    60_000,
  );
}

describe('scripts/run-tests.mjs', () => {
  it('fails a test that never ends with a timeout message, and runs the next one', async () => {
    const started = Date.now();
    const run = await runFixtures(['sleeps-forever'], { QUIRE_TEST_TIMEOUT_MS: '1500' });
    assert.notEqual(run.code, 0, run.stdout);
    assert.match(run.stdout, /✖ waits forever[\s\S]*'test timed out after 1500ms'/);
    assert.match(run.stdout, /✔ runs after the one that hung/);
    assert.match(run.stdout, /ℹ pass 1\b/);
    assert.match(run.stderr, /a test timed out \(default 1500 ms per test and hook/);
    assert.ok(Date.now() - started < 45_000, 'the run ended well before the test would have');
  });

  it('ends a file that leaves a server open soon after its last test, keeping its results', async () => {
    const run = await runFixtures(['leaves-a-server-open']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /✔ opens a server and never closes it/);
    assert.match(run.stdout, /✔ runs after the server was opened/);
    assert.match(run.stdout, /ℹ pass 2\b/);
    assert.match(
      run.stdout + run.stderr,
      /leaves-a-server-open\.test\.ts left handles open 2000 ms after its last test \([^)]*TCPServerWrap/,
    );
  });

  it('fails the run when a file exits before its later tests reported, naming them', async () => {
    const run = await runFixtures(['exits-midway']);
    // node:test itself counts this file as passed, with one test.
    assert.match(run.stdout, /✔ passes before the exit/);
    assert.match(run.stdout, /ℹ fail 0\b/);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(
      run.stderr,
      /results were lost[\s\S]*2 test\(s\) queued but never reported a result: exits the process; never runs/,
    );
  });

  it('fails the run when a file exits before any of its tests reported', async () => {
    const run = await runFixtures(['exits-at-once']);
    assert.match(run.stdout, /ℹ fail 0\b/);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(
      run.stderr,
      /exits-at-once\.test\.ts: no test in it reported a result \(did its process exit early\?\)/,
    );
  });

  it('leaves out the files an argument starting with ! names', async () => {
    const run = await runFixtures(['sleeps', '!sleeps-forever'], { QUIRE_TEST_TIMEOUT_MS: '1500' });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /no test files found/);
    assert.doesNotMatch(run.stdout, /waits forever/);
  });

  it('fails a Redis test file at once when Redis is not there, saying which and how to start it', async () => {
    const port = await closedPort();
    const started = Date.now();
    const run = await runScript(
      'scripts/run-tests.mjs',
      ['test/contracts/rate-limit-store.test.ts'],
      { QUIRE_TEST_REDIS_URL: `redis://127.0.0.1:${port}` },
      60_000,
    );
    assert.notEqual(run.code, 0, run.stdout);
    assert.match(
      run.stdout,
      new RegExp(
        `Redis is not reachable at 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)[^\\n]*redis-server[^\\n]*QUIRE_TEST_REDIS_URL`,
      ),
    );
    assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms`);
  });
});

describe('the PostgreSQL test helper', () => {
  it('rejects within the probe time when no PostgreSQL listens, naming it and how to start it', async () => {
    const port = await closedPort();
    const started = Date.now();
    const run = await runScript(
      '--eval',
      [
        `import('${ROOT}test/helpers/databases.ts').then((m) => m.createPostgresSchema())` +
          `.catch((e) => { console.log(e.message); process.exit(3); })`,
      ],
      { QUIRE_TEST_DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/test` },
      30_000,
    );
    assert.equal(run.code, 3, run.stderr);
    assert.match(
      run.stdout,
      new RegExp(
        `PostgreSQL is not reachable at 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)[^\\n]*service postgresql start[^\\n]*QUIRE_TEST_DATABASE_URL`,
      ),
    );
    assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
  });

  it('passes when PostgreSQL answers', async () => {
    await requirePostgres();
  });
});
