/**
 * API keys: generated with 192 bits of randomness, shown once, stored as a SHA-256 hash and
 * found by a non-secret prefix. Verification compares hashes in constant time and caches the
 * verified record briefly; a revocation clears the cache here and, through KeyRevocations, on
 * every other instance.
 */
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors.js';
import type { ApiKeyRecord, ApiKeyStore } from '../ports/api-key-store.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { KeyRevocations } from '../ports/key-revocations.js';
import type { ListOptions, Page } from '../ports/page.js';
import type { TenantStore } from '../ports/tenant-store.js';
import { newId } from '../shared/ids.js';
import type { Principal, RateTier, Scope } from '../ports/principal.js';
import { isoNow, systemClock, type Clock } from '../ports/clock.js';

export const KEY_PREFIX_LENGTH = 12;
/** `qk_` and 32–128 URL-safe characters (generated keys carry 192 random bits). */
const KEY_PATTERN = /^qk_[A-Za-z0-9_-]{32,128}$/;

export function generateApiKey(): string {
  return `qk_${randomBytes(24).toString('base64url')}`;
}

/** SHA-256 of a key as bytes; crypto.hash is ~3× cheaper than createHash for one-shot input. */
function keyDigest(key: string): Buffer {
  return hash('sha256', key, 'buffer');
}

export function looksLikeApiKey(token: string): boolean {
  return KEY_PATTERN.test(token);
}

/** The public view of a key: everything but its hash. */
export type ApiKeyView = Omit<ApiKeyRecord, 'key_hash' | 'prefix'> & {
  prefix: string;
  status: 'active' | 'revoked' | 'expired';
};

export function viewOf(record: ApiKeyRecord, now: number): ApiKeyView {
  const { key_hash: _hash, ...rest } = record;
  const status =
    record.revoked_at !== null
      ? 'revoked'
      : record.expires_at !== null && Date.parse(record.expires_at) <= now
        ? 'expired'
        : 'active';
  return { ...rest, status };
}

export interface NewApiKey {
  name: string;
  tenantId: string;
  scopes: Scope[];
  rateTier: RateTier;
  expiresAt: string | null;
}

export interface Actor {
  actor: string;
  tenantId: string;
  requestId: string | null;
  ip: string | null;
}

interface CachedKey {
  record: ApiKeyRecord;
  /** key_hash as bytes, decoded once. */
  digest: Buffer;
  /** expires_at as epoch ms (Infinity when it never expires). */
  expiresAt: number;
  principal: Principal;
  until: number;
}

export interface ApiKeyServiceOptions {
  keys: ApiKeyStore;
  tenants: TenantStore;
  audit: AuditLog;
  revocations: KeyRevocations;
  cacheTtlMs: number;
  /** Most keys cached at once. */
  cacheSize?: number;
  onPublishFailure?: (error: unknown) => void;
  /** Default: the system clock. */
  clock?: Clock;
}

export class ApiKeyService {
  private readonly cache = new Map<string, CachedKey>();
  private readonly clock: Clock;

  constructor(private readonly options: ApiKeyServiceOptions) {
    this.clock = options.clock ?? systemClock;
    options.revocations.subscribe((keyId) => this.forget(keyId));
  }

  /** The key as the API shows it, its status as of now. */
  view(record: ApiKeyRecord): ApiKeyView {
    return viewOf(record, this.clock.now());
  }

  /** Creates a key; returns it in clear text once, with its stored record. */
  async create(input: NewApiKey, by: Actor): Promise<{ key: string; record: ApiKeyRecord }> {
    if (input.expiresAt !== null && Date.parse(input.expiresAt) <= this.clock.now()) {
      throw new AppError('VALIDATION_FAILED', 'expires_at must be in the future', {
        errors: [{ path: '/body/expires_at', message: 'must be in the future' }],
      });
    }
    await this.options.tenants.ensure({ id: input.tenantId, name: input.tenantId });
    return this.insert(input, generateApiKey(), by);
  }

  /** Stores a key whose clear text the caller chose (the bootstrap admin key). */
  async adopt(input: NewApiKey, key: string, by: Actor): Promise<ApiKeyRecord> {
    if (!looksLikeApiKey(key)) throw new AppError('VALIDATION_FAILED', 'not an API key (qk_…)');
    await this.options.tenants.ensure({ id: input.tenantId, name: input.tenantId });
    return (await this.insert(input, key, by)).record;
  }

  private async insert(
    input: NewApiKey,
    key: string,
    by: Actor,
  ): Promise<{ key: string; record: ApiKeyRecord }> {
    const record: ApiKeyRecord = {
      id: newId('key', this.clock.now()),
      tenant_id: input.tenantId,
      name: input.name,
      prefix: key.slice(0, KEY_PREFIX_LENGTH),
      key_hash: keyDigest(key).toString('hex'),
      scopes: [...new Set(input.scopes)],
      rate_tier: input.rateTier,
      expires_at: input.expiresAt,
      created_at: isoNow(this.clock),
      revoked_at: null,
    };
    await this.options.keys.insert(record);
    await this.options.audit.record({
      tenant_id: record.tenant_id,
      actor: by.actor,
      action: 'api_key.created',
      target_type: 'api_key',
      target_id: record.id,
      request_id: by.requestId,
      ip: by.ip,
      details: {
        name: record.name,
        scopes: record.scopes,
        rate_tier: record.rate_tier,
        by_tenant: by.tenantId,
      },
    });
    return { key, record };
  }

  list(options: ListOptions): Promise<Page<ApiKeyRecord>> {
    return this.options.keys.list(options);
  }

  async get(id: string): Promise<ApiKeyRecord> {
    const record = await this.options.keys.get(id);
    if (record === null) throw new AppError('NOT_FOUND', `no API key ${id}`);
    return record;
  }

  /** Revokes at once here, and on every instance as soon as the notice arrives. */
  async revoke(id: string, by: Actor): Promise<void> {
    const record = await this.get(id);
    const revoked = await this.options.keys.revoke(id, isoNow(this.clock));
    this.forget(id);
    if (!revoked) return; // already revoked: DELETE is idempotent
    await this.options.audit.record({
      tenant_id: record.tenant_id,
      actor: by.actor,
      action: 'api_key.revoked',
      target_type: 'api_key',
      target_id: id,
      request_id: by.requestId,
      ip: by.ip,
      details: { name: record.name, by_tenant: by.tenantId },
    });
    try {
      await this.options.revocations.publish(id);
    } catch (error) {
      // Stored as revoked already; other instances fall back to the cache TTL.
      this.options.onPublishFailure?.(error);
    }
  }

  countActive(): Promise<number> {
    return this.options.keys.countActive(isoNow(this.clock));
  }

  /**
   * The principal for a key verified recently (in the cache), without touching the store; null
   * when the key is not cached or does not verify. Lets auth skip the brute-force check for
   * callers already known good.
   */
  cachedPrincipal(key: string): Principal | null {
    const cached = this.cache.get(key.slice(0, KEY_PREFIX_LENGTH));
    if (cached === undefined || cached.until <= this.clock.now()) return null;
    return this.verify(key, cached);
  }

  /** The principal for a presented key, or null when it is unknown, wrong, revoked or expired. */
  async authenticate(key: string): Promise<Principal | null> {
    if (!looksLikeApiKey(key)) return null;
    const found = await this.lookup(key.slice(0, KEY_PREFIX_LENGTH));
    return found === null ? null : this.verify(key, found);
  }

  /** Constant-time hash check, then revocation and expiry. */
  private verify(key: string, entry: CachedKey): Principal | null {
    const given = keyDigest(key);
    if (given.length !== entry.digest.length || !timingSafeEqual(given, entry.digest)) return null;
    const { record } = entry;
    if (record.revoked_at !== null) return null;
    if (entry.expiresAt <= this.clock.now()) return null;
    return entry.principal;
  }

  private async lookup(prefix: string): Promise<CachedKey | null> {
    const at = this.clock.now();
    const cached = this.cache.get(prefix);
    if (cached !== undefined && cached.until > at) return cached;
    const record = await this.options.keys.findByPrefix(prefix);
    if (record === null) return null;
    const entry: CachedKey = {
      record,
      digest: Buffer.from(record.key_hash, 'hex'),
      expiresAt: record.expires_at === null ? Infinity : Date.parse(record.expires_at),
      principal: {
        kind: 'api_key',
        tenantId: record.tenant_id,
        scopes: new Set(record.scopes),
        rateTier: record.rate_tier,
        actor: record.id,
      },
      until: at + this.options.cacheTtlMs,
    };
    if (this.options.cacheTtlMs > 0) {
      if (this.cache.size >= (this.options.cacheSize ?? 10_000)) this.cache.clear();
      this.cache.set(prefix, entry);
    }
    return entry;
  }

  private forget(keyId: string): void {
    for (const [prefix, cached] of this.cache)
      if (cached.record.id === keyId) this.cache.delete(prefix);
  }
}
