/**
 * `quire keys create|list|revoke`: manage API keys offline, straight against the configured
 * database (for the first key of a tenant, or when the admin key is lost).
 */
import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import { openAdapters, type Adapters } from './composition/adapters.js';
import type { Config } from './config.js';
import { ApiKeyService, viewOf, type Actor } from './domain/api-keys.js';
import { isScope, RATE_TIERS, SCOPES, type RateTier, type Scope } from './ports/principal.js';

export const KEYS_USAGE = `usage:
  quire keys create --name NAME --scopes a,b [--tenant ID] [--tier standard|elevated|unlimited] [--expires RFC3339]
  quire keys create --admin [--name NAME] [--tenant ID]   (every scope: a lost admin key's recovery)
  quire keys list [--tenant ID]
  quire keys revoke KEY_ID`;

class UsageError extends Error {}

function scopesFrom(raw: string | undefined): Scope[] {
  const names = (raw ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const bad = names.filter((name) => !isScope(name));
  if (names.length === 0 || bad.length > 0)
    throw new UsageError(
      `--scopes must list scopes among documents:read, documents:write, search, admin`,
    );
  return names as Scope[];
}

/** The flags of every sub-command (each reads the ones it needs). */
interface KeysFlags {
  admin?: boolean | undefined;
  name?: string | undefined;
  scopes?: string | undefined;
  tenant?: string | undefined;
  tier?: string | undefined;
  expires?: string | undefined;
}

interface KeysArgs {
  values: KeysFlags;
  positionals: string[];
}

/** The arguments after the action, or null (with the usage printed) when they do not parse. */
function parseKeysArgs(args: string[]): KeysArgs | null {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: {
        admin: { type: 'boolean' },
        name: { type: 'string' },
        scopes: { type: 'string' },
        tenant: { type: 'string' },
        tier: { type: 'string' },
        expires: { type: 'string' },
      },
    });
  } catch (error) {
    console.error(`quire keys: ${(error as Error).message}\n${KEYS_USAGE}`);
    return null;
  }
}

/** The key service over the database alone: no cache, so every change is seen at once. */
function keyService(adapters: Adapters): ApiKeyService {
  return new ApiKeyService({
    keys: adapters.apiKeys,
    tenants: adapters.tenants,
    audit: adapters.audit,
    revocations: adapters.revocations,
    cacheTtlMs: 0,
  });
}

/** `keys create`: prints the new key's view and the key itself (shown this once). */
async function createKey(service: ApiKeyService, values: KeysFlags, by: Actor): Promise<number> {
  if (values.admin === true && values.scopes !== undefined)
    throw new UsageError('--admin gives every scope: leave out --scopes');
  const name = values.name ?? (values.admin === true ? 'admin' : undefined);
  if (name === undefined) throw new UsageError('--name is required');
  const tier = (values.tier ?? 'standard') as RateTier;
  if (!RATE_TIERS.includes(tier))
    throw new UsageError(`--tier must be one of ${RATE_TIERS.join(', ')}`);
  const expires = values.expires === undefined ? null : new Date(values.expires);
  if (expires !== null && Number.isNaN(expires.getTime()))
    throw new UsageError('--expires must be an RFC 3339 time');
  const { key, record } = await service.create(
    {
      name,
      tenantId: values.tenant ?? 'default',
      scopes: values.admin === true ? [...SCOPES] : scopesFrom(values.scopes),
      rateTier: tier,
      expiresAt: expires === null ? null : expires.toISOString(),
    },
    by,
  );
  console.log(JSON.stringify({ ...viewOf(record, Date.now()), key }));
  return 0;
}

/** `keys list`: one JSON line per key, of one tenant or all, every page. */
async function listKeys(service: ApiKeyService, values: KeysFlags): Promise<number> {
  let after: string | undefined;
  do {
    const page = await service.list({
      limit: 200,
      ...(values.tenant ? { tenantId: values.tenant } : {}),
      ...(after ? { after } : {}),
    });
    for (const record of page.data) console.log(JSON.stringify(viewOf(record, Date.now())));
    after = page.next_cursor ?? undefined;
  } while (after !== undefined);
  return 0;
}

/** `keys revoke KEY_ID`. */
async function revokeKey(
  service: ApiKeyService,
  positionals: string[],
  by: Actor,
): Promise<number> {
  const id = positionals[0];
  if (id === undefined) throw new UsageError('the key id to revoke is required');
  await service.revoke(id, by);
  console.log(JSON.stringify({ id, revoked: true }));
  return 0;
}

/** Runs one sub-command; the exit code is 0, or 2 for a usage error (with the usage printed). */
export async function keysCommand(argv: string[], config: Config, logger: Logger): Promise<number> {
  const [action, ...rest] = argv;
  const parsed = parseKeysArgs(rest);
  if (parsed === null) return 2;
  const { values, positionals } = parsed;
  const adapters = await openAdapters({ config, logger, writeBlobSentinel: false });
  const service = keyService(adapters);
  const by = { actor: 'cli', tenantId: values.tenant ?? 'default', requestId: null, ip: null };
  try {
    switch (action) {
      case 'create':
        return await createKey(service, values, by);
      case 'list':
        return await listKeys(service, values);
      case 'revoke':
        return await revokeKey(service, positionals, by);
      default:
        throw new UsageError(
          action === undefined ? 'an action is required' : `unknown action "${action}"`,
        );
    }
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`quire keys: ${error.message}\n${KEYS_USAGE}`);
      return 2;
    }
    throw error;
  } finally {
    await adapters.close();
  }
}
