/**
 * The layer check (`npm run layers`, .dependency-cruiser.cjs) must fail a wrong arrow, or it
 * proves nothing by passing. Each case builds a tiny tree with one import that runs back up and
 * runs the real check on it with the project's rules; the project's own tree must pass.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from './helpers/app.js';
import { ROOT } from './helpers/process.js';

const DEPCRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');

/** Runs the check in `cwd` (on its src/) and answers its exit status and report. */
function depcruise(cwd: string): { status: number | null; report: string } {
  const run = spawnSync(DEPCRUISE, ['src', '--config', CONFIG, '--output-type', 'err'], {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: run.status, report: `${run.stdout}${run.stderr}` };
}

/** Runs the check on `files` (path → source) and answers its exit status and report. */
function check(files: Record<string, string>): { status: number | null; report: string } {
  const root = tempDir('quire-layers-');
  writeFileSync(
    join(root, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' } }),
  );
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), source);
  }
  return depcruise(root);
}

const importing = (target: string): string =>
  `import { x } from '${target}';\nexport const y = x;\n`;
const LEAF = 'export const x = 1;\n';

describe('the layer check', { timeout: 120_000 }, () => {
  const wrongArrows: [string, Record<string, string>, string][] = [
    [
      'a port that imports the domain',
      { 'src/ports/a.ts': importing('../domain/b.js'), 'src/domain/b.ts': LEAF },
      'ports-depend-on-nothing',
    ],
    [
      'a domain service that imports an adapter',
      { 'src/domain/a.ts': importing('../adapters/b.js'), 'src/adapters/b.ts': LEAF },
      'domain-sees-only-ports',
    ],
    [
      'a domain service that reads the settings',
      { 'src/domain/a.ts': importing('../config.js'), 'src/config.ts': LEAF },
      'domain-sees-only-ports',
    ],
    [
      'an adapter that imports the domain',
      { 'src/adapters/a.ts': importing('../domain/b.js'), 'src/domain/b.ts': LEAF },
      'adapters-implement-ports',
    ],
    [
      'a route that imports an adapter',
      { 'src/http/a.ts': importing('../adapters/b.js'), 'src/adapters/b.ts': LEAF },
      'http-calls-the-domain',
    ],
    [
      'a job handler that imports HTTP',
      { 'src/jobs/a.ts': importing('../http/b.js'), 'src/http/b.ts': LEAF },
      'jobs-call-the-domain',
    ],
    [
      'a file in no layer',
      { 'src/stray/a.ts': importing('../ports/b.js'), 'src/ports/b.ts': LEAF },
      'every-file-has-a-layer',
    ],
    [
      'a client command that reaches into the server instead of the SDK',
      { 'src/client-cli/a.ts': importing('../domain/b.js'), 'src/domain/b.ts': LEAF },
      'client-cli-speaks-through-the-sdk',
    ],
    [
      'server code that imports a client command',
      { 'src/http/a.ts': importing('../client-cli/b.js'), 'src/client-cli/b.ts': LEAF },
      'nothing-imports-the-client-cli',
    ],
    [
      'an import cycle',
      { 'src/domain/a.ts': importing('./b.js'), 'src/domain/b.ts': importing('./a.js') },
      'no-circular',
    ],
  ];
  for (const [name, files, rule] of wrongArrows) {
    it(`fails ${name} (${rule})`, () => {
      const { status, report } = check(files);
      assert.notEqual(status, 0, report);
      assert.match(report, new RegExp(`error ${rule}:`), report);
    });
  }

  it('passes the arrows that run the right way', () => {
    const { status, report } = check({
      'src/http/a.ts': importing('../domain/b.js'),
      'src/domain/b.ts': importing('../ports/c.js'),
      'src/adapters/d.ts': importing('../ports/c.js'),
      'src/ports/c.ts': LEAF,
    });
    assert.equal(status, 0, report);
  });

  it('passes the project', () => {
    const { status, report } = depcruise(ROOT);
    assert.equal(status, 0, report);
  });
});
