/**
 * Tiered rate limits on every route but the probes: per caller (API key or JWT subject; client
 * IP when unauthenticated or with auth off) and per route class. Every limited response carries
 * RateLimit-Limit/-Remaining/-Reset; past the limit, 429 RATE_LIMITED with Retry-After.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RouteClass } from '../../ports/principal.js';
import { appendRouteHook } from '../route-hooks.js';
import fp from 'fastify-plugin';
import type { Counter } from 'prom-client';
import type { RateLimiter } from '../../domain/rate-limits.js';
import { AppError } from '../../errors.js';

export interface RateLimitPluginOptions {
  limiter: RateLimiter;
  /** `rate_limit_rejections_total{tier}`. */
  rejections: Counter<'tier'>;
}

async function rateLimit(
  app: FastifyInstance,
  { limiter, rejections }: RateLimitPluginOptions,
): Promise<void> {
  /** The route's hook: its class is read once, when the route is added, not on every request. */
  function rateLimitFor(routeClass: RouteClass) {
    return async function applyRateLimit(request: FastifyRequest, reply: FastifyReply) {
      const principal = request.principal;
      const caller =
        principal === null || principal.kind === 'auth_off' ? `ip:${request.ip}` : principal.actor;
      const decision = await limiter.check(caller, routeClass, principal?.rateTier ?? 'standard');
      if (decision === null) return;
      reply.header('ratelimit-limit', String(decision.limit));
      reply.header('ratelimit-remaining', String(decision.remaining));
      reply.header('ratelimit-reset', String(decision.resetSeconds));
      if (!decision.allowed) {
        rejections.inc({ tier: routeClass });
        throw new AppError(
          'RATE_LIMITED',
          `Rate limit of ${decision.limit} ${routeClass} requests per minute reached`,
          {
            retryAfterSeconds: decision.resetSeconds,
          },
        );
      }
    };
  }

  // After auth's route hook (registered earlier), so the principal decides the caller.
  app.addHook('onRoute', function attachRateLimit(route) {
    const routeClass = route.config?.rateClass;
    if (routeClass !== 'none') {
      appendRouteHook(route, 'onRequest', rateLimitFor((routeClass ?? 'meta') as RouteClass));
    }
  });
}

export default fp(rateLimit, {
  name: 'quire-rate-limit',
  fastify: '5.x',
  dependencies: ['quire-auth'],
});
