import { Type } from 'typebox';
import { RATE_TIERS, SCOPES } from '../../ports/principal.js';
import { PageQuery, TenantId } from './common.js';

const Scope = Type.Union(SCOPES.map((scope) => Type.Literal(scope)));
const RateTier = Type.Union(RATE_TIERS.map((tier) => Type.Literal(tier)));

export const CreateApiKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    tenant_id: Type.Optional(TenantId),
    scopes: Type.Array(Scope, { minItems: 1, maxItems: SCOPES.length, uniqueItems: true }),
    rate_tier: Type.Optional(RateTier),
    expires_at: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

export const ApiKeyView = Type.Object({
  id: Type.String(),
  tenant_id: Type.String(),
  name: Type.String(),
  prefix: Type.String({
    description: 'The key’s first characters, to recognise it; not a secret.',
  }),
  scopes: Type.Array(Scope),
  rate_tier: RateTier,
  status: Type.Union([Type.Literal('active'), Type.Literal('revoked'), Type.Literal('expired')]),
  expires_at: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String(),
  revoked_at: Type.Union([Type.String(), Type.Null()]),
});

export const CreatedApiKey = Type.Intersect([
  ApiKeyView,
  Type.Object({
    key: Type.String({ description: 'The key itself. Shown once; only its hash is stored.' }),
  }),
]);

export const ApiKeyList = Type.Object({
  data: Type.Array(ApiKeyView),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});

export const AdminListQuery = Type.Object(
  { ...PageQuery, tenant_id: Type.Optional(TenantId) },
  { additionalProperties: false },
);

export const KeyIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const AuditEntryView = Type.Object({
  id: Type.String(),
  tenant_id: Type.String(),
  actor: Type.String(),
  action: Type.String(),
  target_type: Type.String(),
  target_id: Type.Union([Type.String(), Type.Null()]),
  request_id: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  details: Type.Record(Type.String(), Type.Unknown()),
  created_at: Type.String(),
});

export const AuditList = Type.Object({
  data: Type.Array(AuditEntryView),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});

export const Stats = Type.Object({
  api_keys: Type.Object({ active: Type.Integer() }),
  documents: Type.Object({
    by_status: Type.Record(Type.String(), Type.Integer()),
    pages_extracted: Type.Integer({ description: 'Pages of every ready document' }),
  }),
  jobs: Type.Object({ by_status: Type.Record(Type.String(), Type.Integer()) }),
  rejections: Type.Object(
    {
      window_s: Type.Integer({ description: 'Counts are for the current window of this length.' }),
      by_reason: Type.Record(Type.String(), Type.Integer()),
    },
    { description: 'Requests refused, counted across every instance (in Redis when configured).' },
  ),
});
