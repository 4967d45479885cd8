/** The authenticated caller of a route that declares a scope (auth has set the principal). */
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../domain/api-keys.js';
import type { Principal } from '../ports/principal.js';

export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === null) throw new Error('principalOf() on a route without a scope');
  return request.principal;
}

export const tenantOf = (request: FastifyRequest): string => principalOf(request).tenantId;

/** Who is acting, as the audit log records it. */
export function actorOf(request: FastifyRequest): Actor {
  const principal = principalOf(request);
  return {
    actor: principal.actor,
    tenantId: principal.tenantId,
    requestId: request.id,
    ip: request.ip,
  };
}
