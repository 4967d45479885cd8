/**
 * The process logger's stdout writer (src/observability/log-destination.ts) hands a turn's lines
 * over at once: with a real process, every line arrives, whole and in order, including the one
 * logged right before process.exit.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runScript } from './helpers/process.js';

describe('log lines written a turn at a time', () => {
  it('writes every line, in order, and the last one before process.exit', async () => {
    const run = await runScript('test/fixtures/log-burst.ts', [], { QUIRE_LOG_LEVEL: 'info' });
    assert.equal(run.code, 3, run.stderr);
    const lines = run.stdout.trimEnd().split('\n');
    const parsed = lines.map(
      (line) => JSON.parse(line) as { n: number; msg: string; text?: string },
    );
    assert.equal(parsed.length, 501);
    parsed.forEach((line, index) => assert.equal(line.n, index));
    assert.equal(parsed[499]?.text, 'é'.repeat(499 % 7));
    assert.equal(parsed[500]?.msg, 'last words');
  });
});
