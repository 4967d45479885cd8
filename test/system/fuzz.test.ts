/**
 * The bounded fuzz run (`npm run fuzz`): 2,000 seeded requests from the live /openapi.json against
 * a fresh server process must find nothing — no 5xx, non-problem error, missing request id, hang
 * or crash.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runScript } from '../helpers/process.js';

describe('fuzz (bounded)', { timeout: 150_000 }, () => {
  it('2,000 seeded requests find nothing', async () => {
    const run = await runScript(
      'scripts/fuzz.ts',
      ['--requests', '2000', '--seed', '1', '--timeout-ms', '30000'],
      {},
      140_000,
    );
    assert.match(run.stdout, /^fuzz: 2000 requests, seed 1/m, run.stderr);
    assert.match(run.stdout, /^findings: 0$/m, run.stdout);
    assert.equal(run.code, 0, run.stdout + run.stderr);
  });
});
