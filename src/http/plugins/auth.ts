/**
 * Authentication and scopes. A route that declares `config.scope` needs credentials —
 * `Authorization: Bearer <API key or JWT>` or `X-API-Key: <API key>` — carrying that scope:
 * 401 UNAUTHENTICATED without valid ones, 403 FORBIDDEN naming the missing scope (`any` takes
 * any valid credentials). Routes without a scope are public (meta endpoints); every /v1 route
 * must declare one, or the app refuses to start. Failed attempts are counted per client address (brute-force guard), and failures on
 * admin routes are written to the audit log.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Counter } from 'prom-client';
import type { ApiKeyService } from '../../domain/api-keys.js';
import type { JwtAuthenticator } from '../../domain/jwt.js';
import type { Principal, Scope } from '../../ports/principal.js';
import { SCOPES } from '../../ports/principal.js';
import type { AuthFailureGuard } from '../../domain/rate-limits.js';
import { AppError } from '../../errors.js';
import type { AuditLog } from '../../ports/audit-log.js';
import { appendRouteHook } from '../route-hooks.js';

const MAX_TOKEN_LENGTH = 8192;

export const AUTH_OFF_PRINCIPAL: Principal = {
  kind: 'auth_off',
  tenantId: 'default',
  scopes: new Set(SCOPES),
  rateTier: 'standard',
  actor: 'auth-off',
};

export interface AuthOptions {
  enabled: boolean;
  apiKeys: ApiKeyService;
  jwt: JwtAuthenticator | null;
  guard: AuthFailureGuard;
  audit: AuditLog;
  /** `auth_failures_total{reason}`. */
  failures: Counter<'reason'>;
}

function unauthenticated(detail: string): AppError {
  return new AppError('UNAUTHENTICATED', detail, {
    headers: { 'www-authenticate': 'Bearer realm="quire"' },
  });
}

/** The presented token, or an error saying what is wrong with the headers. */
function presentedToken(request: FastifyRequest): string {
  const authorization = request.headers.authorization;
  const apiKeyHeader = request.headers['x-api-key'];
  if (authorization !== undefined) {
    const match = /^Bearer[ ]+(\S*)\s*$/i.exec(authorization);
    if (match === null) throw unauthenticated('Authorization must be "Bearer <API key or JWT>"');
    const token = match[1] ?? '';
    if (token === '') throw unauthenticated('Authorization: Bearer carries no token');
    return token;
  }
  if (typeof apiKeyHeader === 'string' && apiKeyHeader !== '') return apiKeyHeader;
  throw unauthenticated(
    'Credentials are required: Authorization: Bearer <API key or JWT>, or X-API-Key',
  );
}

/** What the hooks share: the plugin's options and its failure counter. */
interface AuthContext {
  options: AuthOptions;
  failures: Counter<'reason'>;
}

/** The token checked in full: the key store for an API key, the signature for a JWT. */
async function authenticate(
  { apiKeys, jwt }: AuthOptions,
  token: string,
): Promise<Principal | null> {
  if (token.length > MAX_TOKEN_LENGTH) return null;
  if (token.startsWith('qk_')) return apiKeys.authenticate(token);
  return jwt?.verify(token) ?? null; // verify refuses what is not JWT-shaped
}

/** A caller verified recently: no store lookup, no signature check, no brute-force check. */
function knownGood({ apiKeys, jwt }: AuthOptions, token: string): Principal | null {
  if (token.startsWith('qk_')) return apiKeys.cachedPrincipal(token);
  return jwt?.cached(token) ?? null;
}

/** Counts the refusal, writes it to the audit log on admin routes, and throws `error`. */
async function refuse(
  { options, failures }: AuthContext,
  request: FastifyRequest,
  scope: Scope | 'any',
  error: AppError,
  reason: string,
): Promise<never> {
  failures.inc({ reason });
  if (scope === 'admin') {
    await options.audit.record({
      tenant_id: request.principal?.tenantId ?? 'unauthenticated',
      actor: request.principal?.actor ?? `ip:${request.ip}`,
      action: 'admin.auth_failed',
      target_type: 'route',
      target_id: `${request.method} ${request.routeOptions.url ?? request.url}`,
      request_id: request.id,
      ip: request.ip,
      details: { reason, status: error.status },
    });
  }
  throw error;
}

/** Who the request's credentials say it is; throws 401, or 429 for a blocked address. */
async function principalOf(
  context: AuthContext,
  request: FastifyRequest,
  scope: Scope | 'any',
): Promise<Principal> {
  const { options, failures } = context;
  let token: string;
  try {
    token = presentedToken(request);
  } catch (error) {
    await options.guard.recordFailure(request.ip);
    return refuse(context, request, scope, error as AppError, 'unauthenticated');
  }
  const known = knownGood(options, token);
  if (known !== null) return known;
  // Someone new (or guessing): the address must not be over its failed attempts.
  const blockedFor = await options.guard.blockedFor(request.ip);
  if (blockedFor > 0) {
    failures.inc({ reason: 'blocked' });
    throw new AppError(
      'RATE_LIMITED',
      'Too many failed authentications from this address; wait and retry',
      {
        retryAfterSeconds: blockedFor,
      },
    );
  }
  const found = await authenticate(options, token);
  if (found === null) {
    await options.guard.recordFailure(request.ip);
    return refuse(
      context,
      request,
      scope,
      unauthenticated('The API key or token is invalid, expired or revoked'),
      'unauthenticated',
    );
  }
  return found;
}

/**
 * The onRequest hook of a route with a scope: a principal carrying it, or 401/403/429. The scope is
 * the route's, read once when the route is added rather than on every request.
 */
function credentialsCheck(
  context: AuthContext,
  scope: Scope | 'any',
): (request: FastifyRequest) => Promise<void> {
  return async function checkCredentials(request) {
    if (!context.options.enabled) {
      request.principal = AUTH_OFF_PRINCIPAL;
      return;
    }
    const principal = await principalOf(context, request, scope);
    request.principal = principal;
    request.trace.span?.setAttribute('quire.tenant_id', principal.tenantId);
    if (scope !== 'any' && !principal.scopes.has(scope)) {
      return refuse(
        context,
        request,
        scope,
        new AppError('FORBIDDEN', `This route needs the scope "${scope}"`),
        'forbidden',
      );
    }
  };
}

async function auth(app: FastifyInstance, options: AuthOptions): Promise<void> {
  const context: AuthContext = { options, failures: options.failures };
  app.decorateRequest('principal', null);

  // Every business route must say which scope it needs (a route that forgot would be public);
  // routes with a scope get the credentials check, the others do not pay for it.
  app.addHook('onRoute', function attachCredentialsCheck(route) {
    if (route.config?.scope === undefined) {
      if (route.url.startsWith('/v1/'))
        throw new Error(`route ${String(route.method)} ${route.url} declares no scope`);
      return;
    }
    appendRouteHook(route, 'onRequest', credentialsCheck(context, route.config.scope));
  });
}

export default fp(auth, { name: 'quire-auth', fastify: '5.x' });
