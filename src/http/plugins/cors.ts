/** CORS from QUIRE_CORS_ORIGINS; with none configured no cross-origin request is allowed. */
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

const EXPOSED_HEADERS = [
  'X-Request-ID',
  'Server-Timing',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'Retry-After',
  'Location',
  'ETag',
  'Content-Disposition',
];

async function corsPolicy(app: FastifyInstance): Promise<void> {
  const origins = app.config.corsOrigins;
  await app.register(cors, {
    origin: origins.length === 0 ? false : origins.includes('*') ? '*' : origins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    exposedHeaders: EXPOSED_HEADERS,
    credentials: false,
    maxAge: 600,
    strictPreflight: true,
  });
}

export default fp(corsPolicy, {
  name: 'quire-cors',
  fastify: '5.x',
  decorators: { fastify: ['config'] },
});
