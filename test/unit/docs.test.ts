/** The docs must say what the code does: settings and error codes are checked here. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { settingsTableRows } from '../../src/config.js';
import { ERROR_CATALOGUE } from '../../src/ports/failures.js';
import { ROOT } from '../helpers/process.js';

const read = (path: string): string => readFileSync(`${ROOT}/${path}`, 'utf8');

describe('docs match the code', () => {
  it('README lists every setting exactly as src/config.ts defines it', () => {
    // Whitespace is folded: the formatter pads table cells.
    const fold = (text: string): string => text.replace(/[ \t]+/g, ' ');
    const readme = fold(read('README.md'));
    for (const row of settingsTableRows())
      assert.ok(readme.includes(fold(row)), `README lacks: ${row}`);
  });

  it('docs/errors.md lists every error code with its status', () => {
    const errors = read('docs/errors.md').replace(/[ \t]+/g, ' ');
    for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
      assert.ok(
        errors.includes(`| \`${code}\` | ${entry.status} |`),
        `docs/errors.md lacks ${code} ${entry.status}`,
      );
    }
  });

  it('README gives the two commands', () => {
    const readme = read('README.md');
    assert.ok(readme.includes('npm ci && npm start'));
    assert.ok(readme.includes('npm ci && npm test'));
  });
});
