/**
 * Log format by where stdout goes, with real processes: on a terminal (a pseudo-terminal made by
 * util-linux `script`) people get one coloured line per entry; piped, every line is JSON.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { tempDir } from './helpers/app.js';
import { ROOT, runScript } from './helpers/process.js';

/** Escape sequences of colours, stripped so assertions read the text. */
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

describe('log format follows stdout', { timeout: 120_000 }, () => {
  it('on a terminal: pretty, coloured lines (not JSON)', () => {
    const command = `${process.execPath} --import tsx src/cli.ts migrate`;
    const run = spawnSync('script', ['-qec', command, '/dev/null'], {
      cwd: ROOT,
      env: { ...process.env, QUIRE_DATA_DIR: tempDir(), QUIRE_LOG_LEVEL: 'info' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (run.error !== undefined)
      assert.fail(`util-linux script is needed for a pseudo-terminal: ${run.error.message}`);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, ANSI, 'coloured');
    const text = run.stdout.replace(ANSI, '');
    assert.match(text, /^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO: migrations applied\r?$/m);
    assert.match(text, /^ {4}dialect: "sqlite"\r?$/m);
    assert.doesNotMatch(text, /^\{"level"/m, 'no JSON lines');
  });

  it('piped: JSON lines', async () => {
    const run = await runScript('src/cli.ts', ['migrate'], {
      QUIRE_DATA_DIR: tempDir(),
      QUIRE_LOG_LEVEL: 'info',
    });
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    const parsed = lines.map((line) => JSON.parse(line) as { level: string; msg: string });
    assert.deepEqual(
      parsed.map(({ level, msg }) => [level, msg]),
      [['info', 'migrations applied']],
    );
  });
});
