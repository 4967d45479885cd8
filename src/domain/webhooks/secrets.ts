/**
 * Webhook secrets: generated as `whsec_…`, stored sealed with AES-256-GCM under
 * QUIRE_ENCRYPTION_KEY when it is set, opened to sign each delivery.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SecretScheme, WebhookRecord } from '../../ports/webhook-store.js';

const SECRET_PREFIX = 'whsec_';

/** A fresh secret: 32 random bytes, `whsec_<base64url>`. */
export function generateSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
}

const aadFor = (webhookId: string): Buffer => Buffer.from(`quire:webhook-secret:${webhookId}`);

/**
 * The secret as stored: sealed with AES-256-GCM under the encryption key when one is set (bound
 * to the webhook id, so a sealed secret cannot be moved to another row), else as is — it is
 * needed in clear to sign, so it cannot be hashed like an API key.
 */
export function sealSecret(
  secret: string,
  webhookId: string,
  key: Buffer | undefined,
): { secret: string; secret_scheme: SecretScheme } {
  if (key === undefined) return { secret, secret_scheme: 'plain' };
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aadFor(webhookId));
  const sealed = Buffer.concat([
    iv,
    cipher.update(secret, 'utf8'),
    cipher.final(),
    cipher.getAuthTag(),
  ]);
  return { secret: sealed.toString('base64url'), secret_scheme: 'aes-256-gcm' };
}

export function openSecret(webhook: WebhookRecord, key: Buffer | undefined): string {
  if (webhook.secret_scheme === 'plain') return webhook.secret;
  if (key === undefined) {
    throw new Error(
      `the secret of webhook ${webhook.id} is encrypted, but QUIRE_ENCRYPTION_KEY is not set`,
    );
  }
  const sealed = Buffer.from(webhook.secret, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
  decipher.setAAD(aadFor(webhook.id));
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([
    decipher.update(sealed.subarray(12, sealed.length - 16)),
    decipher.final(),
  ]).toString('utf8');
}
