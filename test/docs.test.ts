/** The docs must say what the code does: settings and error codes are checked here. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { settingsTableRows } from '../src/config.js';
import { ERROR_CATALOGUE, JOB_FAILURE_CATALOGUE } from '../src/ports/failures.js';
import { ROOT } from './helpers/process.js';

const read = (path: string): string => readFileSync(`${ROOT}/${path}`, 'utf8');

describe('docs match the code', () => {
  it('README lists every setting exactly as src/config.ts defines it', () => {
    // Whitespace is folded: the formatter pads table cells.
    const fold = (text: string): string => text.replace(/[ \t]+/g, ' ');
    const readme = fold(read('README.md'));
    for (const row of settingsTableRows())
      assert.ok(readme.includes(fold(row)), `README lacks: ${row}`);
  });

  it('docs/errors.md lists every error code with its status and retry', () => {
    const errors = read('docs/errors.md').replace(/[ \t]+/g, ' ');
    const retry = (retryable: boolean): string => (retryable ? 'yes' : 'no');
    for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
      const row = `| \`${code}\` | ${entry.status} | ${retry(entry.retryable)} |`;
      assert.ok(errors.includes(row), `docs/errors.md lacks ${row}`);
    }
  });

  it('docs/errors.md lists every job failure code with its retry', () => {
    const errors = read('docs/errors.md').replace(/[ \t]+/g, ' ');
    for (const [code, entry] of Object.entries(JOB_FAILURE_CATALOGUE)) {
      const row = new RegExp(
        `\\| \`${code}\` \\| [a-z]+ \\| ${entry.retryable ? 'yes' : 'no'} \\|`,
      );
      assert.match(errors, row, `docs/errors.md lacks ${code} with retry`);
    }
  });

  it('README gives the two commands', () => {
    const readme = read('README.md');
    assert.ok(readme.includes('npm ci && npm start'));
    assert.ok(readme.includes('npm ci && npm test'));
  });
});
