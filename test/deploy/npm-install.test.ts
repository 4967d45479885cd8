/**
 * `npm ci` stays quiet and offline-safe: onnxruntime-node's install script (which would download
 * CUDA libraries from outside the registry) is skipped by package.json's allowScripts denial —
 * npm's own install-script policy — not by an `.npmrc` key npm does not know (which it warns will
 * stop working in its next major).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { ROOT } from '../helpers/process.js';

function npm(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // Without ONNXRUNTIME_NODE_INSTALL (which CI also sets): the policy alone must skip it.
    const { ONNXRUNTIME_NODE_INSTALL: _ci, ...env } = process.env;
    execFile('npm', args, { cwd: ROOT, env, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr }),
    );
  });
}

describe('npm install configuration', () => {
  it('npm finds no unknown project config', async () => {
    const result = await npm(['config', 'get', 'engine-strict']);
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /Unknown project config/);
  });

  it("skips onnxruntime-node's install script", async () => {
    const result = await npm(['rebuild', 'onnxruntime-node', '--foreground-scripts']);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.doesNotMatch(`${result.stdout}${result.stderr}`, /script\/install/);
  });
});
