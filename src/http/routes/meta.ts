/**
 * Meta endpoints (outside /v1): liveness, readiness, health, metrics and the OpenAPI document;
 * and GET /v1/whoami, which any valid credentials may call.
 */
import { Type } from 'typebox';
import { ProblemSchema } from '../schemas/problem.js';
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Counter, Gauge } from 'prom-client';
import { degradations, runHealthChecks, type CheckResult } from '../../domain/health.js';
import { AppError } from '../../errors.js';
import { VERSION } from '../../version.js';
import { SERVED_WHILE_DRAINING } from '../plugins/lifecycle.js';
import { EXEMPT_FROM_SHEDDING } from '../plugins/load-shedding.js';
import { SCOPES } from '../../ports/principal.js';
import { principalOf } from '../caller.js';
import { AUTHENTICATED_ERRORS, problemResponse } from '../schemas/common.js';
import { HealthSchema, LivenessSchema, ReadinessSchema, WhoamiSchema } from '../schemas/meta.js';

function bearerTokenMatches(request: FastifyRequest, expected: string): boolean {
  const header = request.headers.authorization ?? '';
  const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
  const wanted = Buffer.from(expected);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/** The public answer says which check failed, never why (that is on the admin /health). */
function publicChecks(
  checks: Record<string, CheckResult>,
): Record<string, Pick<CheckResult, 'status' | 'latency_ms'>> {
  return Object.fromEntries(
    Object.entries(checks).map(([name, { status, latency_ms }]) => [name, { status, latency_ms }]),
  );
}

/** GET /livez: the process answers (no dependency touched). */
function livez(app: FastifyInstance): void {
  app.get(
    '/livez',
    {
      config: { ...EXEMPT_FROM_SHEDDING, ...SERVED_WHILE_DRAINING, rateClass: 'none' },
      schema: {
        operationId: 'meta.livez',
        tags: ['meta'],
        summary: 'The process answers (touches no dependency)',
        response: { 200: LivenessSchema },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
}

/** What /readyz reports its answers to (readiness_status, readiness_changes_total). */
export interface MetaRoutesOptions {
  readiness: Pick<Gauge, 'set'>;
  readinessChanges: Pick<Counter, 'inc'>;
  /** Where `GET /` sends a browser: the web console when it is built, else HOME_PATH. */
  home?: string;
}

/** GET /readyz: every critical dependency answers and no shutdown is under way. */
function readyz(app: FastifyInstance, options: MetaRoutesOptions): void {
  const { config } = app;
  let lastReady = true;
  const answered = (ready: boolean): void => {
    options.readiness.set(ready ? 1 : 0);
    if (ready !== lastReady) options.readinessChanges.inc();
    lastReady = ready;
  };
  app.get(
    '/readyz',
    {
      config: { ...SERVED_WHILE_DRAINING, rateClass: 'none' },
      schema: {
        operationId: 'meta.readyz',
        tags: ['meta'],
        summary: 'Ready for traffic: every dependency answers and no shutdown is under way',
        // 503 is either the readiness body or, when load shedding answers first, OVERLOADED.
        response: { 200: ReadinessSchema, 503: Type.Union([ReadinessSchema, ProblemSchema]) },
      },
    },
    async (_request, reply) => {
      if (app.lifecycle.shuttingDown) {
        answered(false);
        return reply.code(503).send({
          status: 'not_ready' as const,
          checks: { shutdown: { status: 'fail' as const, latency_ms: 0 } },
        });
      }
      const { checks, ready } = await runHealthChecks(app.healthChecks, config.readyCheckTimeoutMs);
      answered(ready);
      return reply
        .code(ready ? 200 : 503)
        .send({ status: ready ? 'ready' : 'not_ready', checks: publicChecks(checks) });
    },
  );
}

/** GET /health (scope `admin`): dependencies with their errors, process figures, breakers. */
function health(app: FastifyInstance): void {
  const { config } = app;
  app.get(
    '/health',
    {
      config: { ...EXEMPT_FROM_SHEDDING, scope: 'admin', rateClass: 'meta' },
      schema: {
        operationId: 'meta.health',
        tags: ['meta'],
        summary: 'Detailed health: dependencies, process figures, circuit breakers',
        // 503 is the health body, or a problem when the caller's key cannot be checked (the
        // database is down) or load shedding answers first.
        response: {
          200: HealthSchema,
          401: problemResponse('Missing or invalid credentials (UNAUTHENTICATED)'),
          403: problemResponse('The scope admin is missing (FORBIDDEN)'),
          429: problemResponse('Rate limit reached (RATE_LIMITED)'),
          503: Type.Union([HealthSchema, ProblemSchema]),
        },
      },
    },
    async (_request, reply) => {
      const report = await runHealthChecks(app.healthChecks, config.readyCheckTimeoutMs);
      const queue = await app.queueDepth().catch(() => undefined);
      const breakers = app.breakers();
      const reasons = degradations({
        checks: app.healthChecks,
        report,
        shedding: app.sheddingReason(),
        breakers,
        queued: queue?.waiting,
        maxQueued: config.healthMaxQueuedJobs,
        slowCheckMs: config.healthSlowCheckMs,
      });
      return reply.code(report.ready ? 200 : 503).send({
        status: !report.ready ? 'unhealthy' : reasons.length > 0 ? 'degraded' : 'ok',
        version: VERSION,
        uptime_s: Math.round((Date.now() - app.lifecycle.startedAt) / 1000),
        checks: report.checks,
        process: app.processStats(),
        queue,
        breakers,
        degraded_reasons: reasons,
      });
    },
  );
}

/** GET /metrics: Prometheus text, behind the metrics token when one is set. */
function metrics(app: FastifyInstance): void {
  const { config } = app;
  app.get(
    '/metrics',
    {
      config: EXEMPT_FROM_SHEDDING,
      schema: {
        operationId: 'meta.metrics',
        tags: ['meta'],
        summary: 'Prometheus metrics (Bearer QUIRE_METRICS_TOKEN when one is set)',
        response: {
          200: {
            description: 'Prometheus text exposition format',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
          401: problemResponse('Metrics token missing or wrong'),
        },
      },
    },
    async (request, reply) => {
      const token = config.metricsToken;
      if (token !== undefined && !bearerTokenMatches(request, token)) {
        throw new AppError(
          'UNAUTHENTICATED',
          'GET /metrics needs Authorization: Bearer <metrics token>',
          {
            headers: { 'www-authenticate': 'Bearer realm="metrics"' },
          },
        );
      }
      const body = await app.metricsExposition.metrics();
      return reply.type(app.metricsExposition.contentType).send(body);
    },
  );
}

/** GET /openapi.json: this API's OpenAPI document (not listed in itself). */
function openapiDocument(app: FastifyInstance): void {
  app.get(
    '/openapi.json',
    {
      schema: {
        operationId: 'meta.openapi',
        tags: ['meta'],
        summary: 'This API’s OpenAPI 3.1 document',
        hide: true,
      },
    },
    async () => app.swagger(),
  );
}

/** Where `GET /` sends a browser when there is no web console: the API reference. */
export const HOME_PATH = '/docs';

/** GET /: a redirect to the console, or HOME_PATH (not listed in the OpenAPI document). */
function home(app: FastifyInstance, target: string): void {
  app.get(
    '/',
    {
      config: { rateClass: 'none' },
      schema: {
        operationId: 'meta.home',
        tags: ['meta'],
        summary: 'Redirects to the web console (/console/), or to /docs without one',
        hide: true,
      },
    },
    async (_request, reply) => reply.redirect(target, 302),
  );
}

/** GET /v1/whoami: the caller's tenant and scopes (what the web console shows and hides). */
function whoami(app: FastifyInstance): void {
  app.get(
    '/v1/whoami',
    {
      config: { scope: 'any', rateClass: 'read' },
      schema: {
        operationId: 'meta.whoami',
        tags: ['meta'],
        summary: 'Who the credentials are: tenant, scopes and kind (any valid key or token)',
        response: { 200: WhoamiSchema, ...AUTHENTICATED_ERRORS },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return {
        tenant_id: principal.tenantId,
        kind: principal.kind,
        actor: principal.actor,
        scopes: SCOPES.filter((scope) => principal.scopes.has(scope)),
      };
    },
  );
}

export async function metaRoutes(app: FastifyInstance, options: MetaRoutesOptions): Promise<void> {
  home(app, options.home ?? HOME_PATH);
  whoami(app);
  livez(app);
  readyz(app, options);
  health(app);
  metrics(app);
  openapiDocument(app);
}
