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
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Quire API',
        version: VERSION,
        description:
          'Ingest, extract, store, search, rerank, convert and redact documents. Errors are RFC 9457 problem+json.',
      },
      tags: [
        { name: 'meta', description: 'Liveness, readiness, health, metrics and this document' },
      ],
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { docExpansion: 'list', deepLinking: true },
    staticCSP: true,
  });
}

export default fp(openapi, { name: 'quire-openapi', fastify: '5.x' });
