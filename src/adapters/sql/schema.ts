/**
 * The tables as Kysely sees them. Both dialects hand back the same JS shapes: times are
 * RFC 3339 strings (PostgreSQL's timestamptz is converted by the pg type parsers).
 */
export interface TenantsTable {
  id: string;
  name: string;
  created_at: string;
}

export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  name: string;
  prefix: string;
  key_hash: string;
  /** JSON array of scopes. */
  scopes: string;
  rate_tier: string;
  expires_at: string | null;
  created_at: string;
  revoked_at: string | null;
}

export interface AuditLogTable {
  id: string;
  tenant_id: string;
  actor: string;
  action: string;
  target_type: string;
  target_id: string | null;
  request_id: string | null;
  ip: string | null;
  /** JSON object. */
  details: string;
  created_at: string;
}

export interface DatabaseSchema {
  tenants: TenantsTable;
  api_keys: ApiKeysTable;
  audit_log: AuditLogTable;
}
