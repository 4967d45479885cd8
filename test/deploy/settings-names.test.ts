/** Deploy files' QUIRE_* names are checked against the settings tables. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unknownSettings } from './settings-names.js';

describe('deploy files’ setting names', { timeout: 10_000 }, () => {
  it('reports a name no setting defines, and only QUIRE_* names', () => {
    assert.deepEqual(unknownSettings(['QUIRE_PORT', 'QUIRE_PROT', 'AWS_ACCESS_KEY_ID']), [
      'QUIRE_PROT',
    ]);
  });
});
