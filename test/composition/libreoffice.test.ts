/** QUIRE_SOFFICE: found on PATH for auto, none for off, a given path checked. */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { findLibreOffice } from '../../src/composition/libreoffice.js';

const limits = { sofficeTimeoutMs: 5000, sofficeMemoryMb: 1024 };

describe('finding soffice', { timeout: 10_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'quire-soffice-path-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const binary = join(dir, 'soffice');
  writeFileSync(binary, '#!/bin/sh\n');
  chmodSync(binary, 0o755);
  const notExecutable = join(dir, 'plain');
  writeFileSync(notExecutable, '');

  it('auto takes the soffice on PATH, or none', () => {
    assert.deepEqual(findLibreOffice({ soffice: 'auto', ...limits }, `/nonexistent:${dir}`), {
      path: binary,
      timeoutMs: 5000,
      memoryMb: 1024,
    });
    assert.equal(findLibreOffice({ soffice: 'auto', ...limits }, '/nonexistent'), null);
  });

  it('off is none, even with soffice on PATH', () => {
    assert.equal(findLibreOffice({ soffice: 'off', ...limits }, dir), null);
  });

  it('a given path must be an executable file', () => {
    assert.equal(findLibreOffice({ soffice: binary, ...limits }, '')?.path, binary);
    assert.throws(
      () => findLibreOffice({ soffice: notExecutable, ...limits }, ''),
      /QUIRE_SOFFICE: .* is not an executable file/,
    );
    assert.throws(() => findLibreOffice({ soffice: dir, ...limits }, ''), /not an executable file/);
  });
});
