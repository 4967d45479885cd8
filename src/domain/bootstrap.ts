/**
 * The first admin key. On a start with no API keys at all (and auth on), QUIRE_BOOTSTRAP_ADMIN_KEY
 * becomes the admin key of tenant `default`, or one is generated and handed to `reveal` once.
 */
import { AppError } from '../errors.js';
import type { ApiKeyStore } from '../ports/api-key-store.js';
import type { ApiKeyService } from './api-keys.js';
import { SCOPES } from '../ports/principal.js';

export const BOOTSTRAP_TENANT = 'default';

export async function ensureBootstrapAdminKey(
  store: ApiKeyStore,
  service: ApiKeyService,
  configuredKey: string | undefined,
  reveal: (key: string) => void,
): Promise<'created' | 'adopted' | 'exists'> {
  const existing = await store.list({ limit: 1 });
  if (existing.data.length > 0) return 'exists';
  const input = {
    name: 'bootstrap admin',
    tenantId: BOOTSTRAP_TENANT,
    scopes: [...SCOPES],
    rateTier: 'standard' as const,
    expiresAt: null,
  };
  const by = { actor: 'system:bootstrap', tenantId: BOOTSTRAP_TENANT, requestId: null, ip: null };
  try {
    if (configuredKey !== undefined) {
      await service.adopt(input, configuredKey, by);
      return 'adopted';
    }
    const { key } = await service.create(input, by);
    reveal(key);
    return 'created';
  } catch (error) {
    // Another instance bootstrapped at the same moment: its key stands.
    if (error instanceof AppError && error.code === 'CONFLICT') return 'exists';
    throw error;
  }
}
