/** The Quire-Signature header a receiver verifies. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signatureHeader } from '../../../src/domain/webhooks/signing.js';

describe('webhook signing', () => {
  it('signs "<t>.<body>" with HMAC-SHA256, hex', () => {
    assert.equal(
      signatureHeader('whsec_test', 1_700_000_000, '{"id":"dlv_1"}'),
      't=1700000000,v1=2a0722e4ac505ea617f66864cfe969f1a52b2eb51aa59f3addb27def47a81236',
    );
  });
});
