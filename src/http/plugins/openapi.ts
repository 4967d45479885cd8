/**
 * The OpenAPI 3.1 document, generated from the same TypeBox schemas that validate requests
 * (served at /openapi.json), and an interactive reference at /docs (swagger-ui, served from the
 * package: no CDN, works offline).
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ProblemSchema } from '../schemas/problem.js';
import { VERSION } from '../../version.js';

async function openapi(app: FastifyInstance): Promise<void> {
  app.addSchema(ProblemSchema);
  await app.register(swagger, {
    // Shared schemas keep their $id as their component name (Problem, not def-0).
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
    // Routes that declare a scope need credentials; say so, with their scope and rate class.
    transform: ({ schema, url, route }) => {
      const config = (route?.config ?? {}) as { scope?: string; rateClass?: string };
      const none: { [scheme: string]: string[] }[] = [];
      if (config.scope === undefined) return { schema: { ...schema, security: none }, url };
      const note = `Needs scope \`${config.scope}\`; rate class \`${config.rateClass ?? 'meta'}\`.`;
      const given = (schema as { description?: string } | undefined)?.description;
      const description = given === undefined ? note : `${given}\n\n${note}`;
      return {
        schema: { ...schema, description, security: [{ bearer: [] }, { apiKey: [] }] },
        url,
      };
    },
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Quire API',
        version: VERSION,
        description:
          'Ingest, extract, store, search, rerank, convert and redact documents. Errors are RFC 9457 ' +
          'problem+json with a stable `code`. Scopes: documents:read, documents:write, search, admin. ' +
          'Rate limits per key (per IP unauthenticated) and route class, per minute by default: meta 600, ' +
          'read 600, write 120, upload 60, search 300, admin 120; limited responses carry RateLimit-Limit, ' +
          'RateLimit-Remaining and RateLimit-Reset, and a 429 also Retry-After.',
      },
      tags: [
        { name: 'meta', description: 'Liveness, readiness, health, metrics and this document' },
        { name: 'admin', description: 'API keys, stats, audit log (scope admin)' },
        {
          name: 'documents',
          description: 'Ingest, list, read, update, delete and download documents',
        },
      ],
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API key (qk_…) or a JWT with sub, tid (tenant) and scope claims.',
          },
          apiKey: {
            type: 'apiKey',
            in: 'header',
            name: 'X-API-Key',
            description: 'An API key (qk_…).',
          },
        },
      },
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { docExpansion: 'list', deepLinking: true },
    staticCSP: true,
  });
}

export default fp(openapi, { name: 'quire-openapi', fastify: '5.x' });
