/** Helmet's security headers on every response; a strict CSP suits a JSON API. */
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

async function securityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    global: true,
    // The API serves JSON; only /docs renders HTML, and swagger-ui sets its own CSP there.
    contentSecurityPolicy: {
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    },
    crossOriginResourcePolicy: { policy: 'same-site' },
  });
}

export default fp(securityHeaders, { name: 'quire-security-headers', fastify: '5.x' });
