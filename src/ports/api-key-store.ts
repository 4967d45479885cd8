import type { RateTier, Scope } from './principal.js';
import type { ListOptions, Page } from './page.js';

/** An API key as stored: never the key itself, only its non-secret prefix and its hash. */
export interface ApiKeyRecord {
  id: string;
  tenant_id: string;
  name: string;
  /** The key's first characters, unique: how a presented key is found without scanning. */
  prefix: string;
  /** SHA-256 of the whole key, hex. */
  key_hash: string;
  scopes: Scope[];
  rate_tier: RateTier;
  expires_at: string | null;
  created_at: string;
  revoked_at: string | null;
}

export interface ApiKeyStore {
  /** Stores a new key; throws AppError CONFLICT when its id or prefix is taken. */
  insert(record: ApiKeyRecord): Promise<void>;
  findByPrefix(prefix: string): Promise<ApiKeyRecord | null>;
  get(id: string): Promise<ApiKeyRecord | null>;
  /** Newest first. */
  list(options: ListOptions): Promise<Page<ApiKeyRecord>>;
  /** Marks the key revoked; false when it does not exist or was already revoked. */
  revoke(id: string, at: string): Promise<boolean>;
  /** Keys that are neither revoked nor expired at `now`. */
  countActive(now: string): Promise<number>;
}
