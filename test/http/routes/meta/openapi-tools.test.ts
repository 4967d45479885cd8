/**
 * Third-party tools on the live /openapi.json: Redocly's linter finds no error (each warning left
 * is listed below with its reason), and openapi-typescript generates types that a strict
 * TypeScript client compiles against — listing without `limit`/`sort`, uploading multipart — and
 * that client then works against this server.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildTestApp, TEST_ADMIN_KEY, type TestApp } from '../../../helpers/app.js';
import { ROOT } from '../../../helpers/process.js';

/** The warnings the document keeps, each with why. */
const ACCEPTED_WARNINGS: Record<string, string> = {
  // The probes answer 200 or 503: no credentials, no input and no rate limit to refuse.
  'operation-4xx-response #/paths/~1livez/get/responses': 'a probe has no 4xx answer',
  'operation-4xx-response #/paths/~1readyz/get/responses': 'a probe has no 4xx answer',
};

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], timeoutMs: number): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
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

const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);

describe('the OpenAPI document with third-party tools', () => {
  let t: TestApp;
  let url: string;
  // Under data/ (ignored by git, lint and prettier) so the client resolves this repo's packages.
  const work = join(ROOT, 'data', `openapi-client-${randomBytes(4).toString('hex')}`);
  before(async () => {
    t = await buildTestApp();
    url = await t.app.listen({ host: '127.0.0.1', port: 0 });
    mkdirSync(work, { recursive: true });
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('passes `redocly lint` with no error and only the listed warnings', async () => {
    const lint = await run(
      bin('redocly'),
      ['lint', `${url}/openapi.json`, '--format=json'],
      90_000,
    );
    const report = JSON.parse(lint.stdout) as {
      totals: { errors: number; warnings: number };
      problems: {
        ruleId: string;
        severity: string;
        message: string;
        location: { pointer: string }[];
      }[];
    };
    const errors = report.problems.filter((problem) => problem.severity === 'error');
    assert.deepEqual(errors, [], 'no error');
    assert.equal(report.totals.errors, 0);
    const warnings = report.problems
      .filter((problem) => problem.severity === 'warn')
      .map((problem) => `${problem.ruleId} ${problem.location[0]?.pointer ?? ''}`);
    assert.deepEqual(warnings.sort(), Object.keys(ACCEPTED_WARNINGS).sort());
    assert.equal(lint.code, 0, lint.stderr);
  });

  it('generates types with openapi-typescript that a strict client compiles against and uses', async () => {
    const generated = await run(
      bin('openapi-typescript'),
      [`${url}/openapi.json`, '--output', join(work, 'quire.ts')],
      90_000,
    );
    assert.equal(generated.code, 0, generated.stderr);
    copyFileSync(join(ROOT, 'test/fixtures/openapi-client/exercise.ts'), join(work, 'exercise.ts'));
    writeFileSync(
      join(work, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2023', 'DOM'],
          types: ['node'],
          strict: true,
          noUncheckedIndexedAccess: true,
          noEmit: true,
          skipLibCheck: true,
        },
        files: ['exercise.ts', 'quire.ts'],
      }),
    );
    const compiled = await run(bin('tsc'), ['-p', join(work, 'tsconfig.json')], 120_000);
    assert.equal(compiled.code, 0, `the client does not compile:\n${compiled.stdout}`);

    const used = await run(
      process.execPath,
      ['--import', 'tsx', join(work, 'exercise.ts'), url, TEST_ADMIN_KEY],
      60_000,
    );
    assert.equal(used.code, 0, used.stderr);
    const result = JSON.parse(used.stdout) as {
      created: { status: number; title?: string };
      listed: string[];
      converted: { status: number; text?: string };
    };
    assert.deepEqual(result.created, { status: 202, title: 'Generated notes' });
    assert.deepEqual(result.listed, ['Generated notes']);
    assert.equal(result.converted.status, 200);
    assert.match(result.converted.text ?? '', /# Title/);
  });
});
