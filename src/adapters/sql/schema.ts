/**
 * The tables as Kysely sees them. Both dialects hand back the same JS shapes: times are
 * RFC 3339 strings (PostgreSQL's timestamptz is converted by the pg type parsers).
 */
export interface TenantsTable {
  id: string;
  name: string;
  created_at: string;
}

export interface DatabaseSchema {
  tenants: TenantsTable;
}
