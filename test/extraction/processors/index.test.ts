/** Picks the processor for a media type; refusals and crashes as the caller sees them. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { PROCESSORS, runProcessor } from '../../../src/extraction/processors/index.js';
import { SUPPORTED_MEDIA_TYPES } from '../../../src/ports/extractor.js';
import * as fixtures from '../../fixtures/documents.js';
import { dir, failure, task } from './setup.js';

describe('runProcessor', () => {
  test('has a processor for every supported media type', () => {
    assert.deepEqual(Object.keys(PROCESSORS).sort(), [...SUPPORTED_MEDIA_TYPES].sort());
  });

  test('answers UNSUPPORTED_FORMAT for an unknown media type', async () => {
    const path = await fixtures.writeEmptyFile(dir, 'unknown.bin');
    await failure(path, 'application/x-unknown', 'UNSUPPORTED_FORMAT');
  });

  test('rethrows what is not a Failure with an extraction code (a crash, for the caller)', async () => {
    await assert.rejects(
      runProcessor(task(join(dir, 'missing.txt'), 'text/plain'), () => undefined),
      (error: NodeJS.ErrnoException) => error.code === 'ENOENT',
    );
  });
});
