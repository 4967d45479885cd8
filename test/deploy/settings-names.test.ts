/** The list of settings awaited from parallel branches empties itself as they are merged. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  definedSettings,
  SETTINGS_FROM_PARALLEL_BRANCHES,
  unknownSettings,
} from './settings-names.js';

describe('deploy files’ setting names', { timeout: 10_000 }, () => {
  it('awaits only settings that are not defined yet (remove merged ones from the list)', () => {
    const defined = definedSettings();
    const merged = SETTINGS_FROM_PARALLEL_BRANCHES.filter((name) => defined.has(name));
    assert.deepEqual(merged, [], 'defined now: take them out of SETTINGS_FROM_PARALLEL_BRANCHES');
  });

  it('reports a name no setting defines, and only QUIRE_* names', () => {
    assert.deepEqual(unknownSettings(['QUIRE_PORT', 'QUIRE_PROT', 'AWS_ACCESS_KEY_ID']), [
      'QUIRE_PROT',
    ]);
  });
});
