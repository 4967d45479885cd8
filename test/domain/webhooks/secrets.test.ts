/** Webhook secrets sealed at rest with the encryption key, bound to their webhook. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { openSecret, sealSecret } from '../../../src/domain/webhooks/secrets.js';
import type { WebhookRecord } from '../../../src/ports/webhook-store.js';

describe('webhook secrets', () => {
  it('seals a secret with the encryption key, bound to its webhook', () => {
    const key = randomBytes(32);
    const sealed = sealSecret('whsec_abc', 'whk_1', key);
    assert.equal(sealed.secret_scheme, 'aes-256-gcm');
    assert.ok(!sealed.secret.includes('whsec_abc'));
    const record = (id: string): WebhookRecord => ({
      id,
      tenant_id: 'acme',
      url: 'https://example.com',
      events: ['job.dead'],
      ...sealed,
      created_at: new Date().toISOString(),
    });
    assert.equal(openSecret(record('whk_1'), key), 'whsec_abc');
    assert.throws(() => openSecret(record('whk_2'), key), 'moved to another row');
    assert.throws(() => openSecret(record('whk_1'), randomBytes(32)), 'another key');
    assert.throws(() => openSecret(record('whk_1'), undefined), /QUIRE_ENCRYPTION_KEY/);
    assert.deepEqual(sealSecret('whsec_abc', 'whk_1', undefined), {
      secret: 'whsec_abc',
      secret_scheme: 'plain',
    });
  });
});
