import { Type } from 'typebox';

export const LivenessSchema = Type.Object({ status: Type.Literal('ok') });

/** GET /v1/whoami: who the credentials are. */
export const WhoamiSchema = Type.Object({
  tenant_id: Type.String(),
  kind: Type.Union([Type.Literal('api_key'), Type.Literal('jwt'), Type.Literal('auth_off')]),
  actor: Type.String({ description: 'What the audit log names: `key_…`, `jwt:<sub>`, `auth-off`' }),
  scopes: Type.Array(
    Type.Union([
      Type.Literal('documents:read'),
      Type.Literal('documents:write'),
      Type.Literal('search'),
      Type.Literal('admin'),
    ]),
  ),
});

const CheckSchema = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('fail')]),
  latency_ms: Type.Number(),
});

export const ReadinessSchema = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  checks: Type.Record(Type.String(), CheckSchema),
});

export const HealthSchema = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('unhealthy')]),
  version: Type.String(),
  uptime_s: Type.Number(),
  checks: Type.Record(
    Type.String(),
    Type.Object({
      status: Type.Union([Type.Literal('ok'), Type.Literal('fail')]),
      latency_ms: Type.Number(),
      error: Type.Optional(Type.String()),
    }),
  ),
  process: Type.Object({
    rss_mb: Type.Number(),
    heap_used_mb: Type.Number(),
    event_loop_delay_p99_ms: Type.Number(),
  }),
  queue: Type.Optional(
    Type.Object({
      waiting: Type.Integer(),
      active: Type.Integer(),
      failed: Type.Integer(),
      dead: Type.Integer(),
    }),
  ),
  breakers: Type.Record(
    Type.String(),
    Type.Union([Type.Literal('closed'), Type.Literal('open'), Type.Literal('half_open')]),
  ),
  degraded_reasons: Type.Array(
    Type.Object({
      reason: Type.Union([
        Type.Literal('shedding'),
        Type.Literal('breaker_open'),
        Type.Literal('queue_backlog'),
        Type.Literal('slow_dependency'),
        Type.Literal('dependency_down'),
      ]),
      detail: Type.String(),
    }),
    { description: 'Why the status is `degraded` (empty when `ok`); see docs/operations.md' },
  ),
});
