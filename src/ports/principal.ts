/** Who is calling: the tenant they act for, what they may do and how they are rate limited. */
export const SCOPES = ['documents:read', 'documents:write', 'search', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export const RATE_TIERS = ['standard', 'elevated', 'unlimited'] as const;
/** A key's rate plan: the configured limits, those limits times a factor, or none. */
export type RateTier = (typeof RATE_TIERS)[number];

export const ROUTE_CLASSES = ['meta', 'read', 'write', 'upload', 'search', 'admin'] as const;
/** The kind of route a limit applies to (API.md's "tiers"). */
export type RouteClass = (typeof ROUTE_CLASSES)[number];

export interface Principal {
  kind: 'api_key' | 'jwt' | 'auth_off';
  tenantId: string;
  scopes: ReadonlySet<Scope>;
  rateTier: RateTier;
  /** What rate limits and the audit log name: `key_…`, `jwt:<sub>`, or `auth-off`. */
  actor: string;
}

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}
