/**
 * The SDK (packages/client) is used from its build: `npm run typecheck`/`build` make it, and a
 * test run without it (a fresh clone running `npm run test:only`) makes it once here.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './process.js';

export function ensureClientBuilt(): void {
  const built =
    existsSync(join(ROOT, 'packages/client/dist/index.js')) &&
    existsSync(join(ROOT, 'packages/client/dist/generated/openapi.d.ts'));
  if (built) return;
  const run = spawnSync('npm', ['run', 'client:build'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (run.status !== 0)
    throw new Error(`npm run client:build failed:\n${run.stdout}\n${run.stderr}`);
}
