/**
 * The OpenAPI 3.1 document, generated from the same TypeBox schemas that validate requests
 * (served at /openapi.json), and an interactive reference at /docs (swagger-ui, served from the
 * package: no CDN, works offline), branded as Quire.
 *
 * Route schemas are the source. The transform below adds only what no single route schema can
 * say: who may call (the auth plugin's scopes), the headers other plugins put on every answer
 * (request id, rate limits, idempotent replays), and which parameters a caller may leave out.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ProblemSchema } from '../schemas/problem.js';
import { VERSION } from '../../version.js';

type JsonObject = Record<string, unknown>;
interface HeaderSchema {
  type: string;
  description: string;
}

/** The tags, in the order a user meets them. */
export const OPENAPI_TAGS = [
  {
    name: 'documents',
    description:
      'Upload files, or create documents from a URL or text; list, read, update, delete, download; their extracted content',
  },
  {
    name: 'jobs',
    description:
      'The background jobs that fetch and extract documents: state, live progress (SSE), cancel, retry',
  },
  { name: 'search', description: 'Full-text search over the extracted content of your documents' },
  {
    name: 'rerank',
    description:
      'Rerank passages by relevance to a query (Cohere/Jina-compatible), and text similarity',
  },
  { name: 'convert', description: 'Convert a file or a data document without storing anything' },
  { name: 'pii', description: 'Find or redact personal data in text' },
  { name: 'webhooks', description: 'Be called when a document is ready or fails' },
  { name: 'admin', description: 'API keys, usage stats and the audit log (scope admin)' },
  { name: 'meta', description: 'Liveness, readiness, health and metrics' },
];

const REQUEST_ID: HeaderSchema = {
  type: 'string',
  description:
    'The request id (yours from X-Request-ID, or one made up); problem bodies carry it too',
};
const RATE_LIMIT_HEADERS: Record<string, HeaderSchema> = {
  'RateLimit-Limit': {
    type: 'integer',
    description: 'Requests allowed per window for this route class',
  },
  'RateLimit-Remaining': { type: 'integer', description: 'Requests left in the current window' },
  'RateLimit-Reset': { type: 'integer', description: 'Seconds until the window resets' },
};
const RETRY_AFTER: HeaderSchema = {
  type: 'integer',
  description: 'Seconds to wait before retrying',
};
const IDEMPOTENT_REPLAYED: HeaderSchema = {
  type: 'string',
  description:
    '`true` when this is the stored answer to an earlier request with the same Idempotency-Key',
};

interface RouteConfig {
  scope?: string;
  rateClass?: string;
  idempotent?: boolean;
}

/** The headers plugins add to a response with this status, on a route with this config. */
function pluginHeaders(status: string, config: RouteConfig): Record<string, HeaderSchema> {
  const limited = config.rateClass !== 'none';
  return {
    'X-Request-ID': REQUEST_ID,
    ...(limited ? RATE_LIMIT_HEADERS : {}),
    ...(status === '429' || status === '503' ? { 'Retry-After': RETRY_AFTER } : {}),
    ...(config.idempotent === true && status.startsWith('2')
      ? { 'Idempotent-Replayed': IDEMPOTENT_REPLAYED }
      : {}),
  };
}

function withPluginHeaders(response: unknown, config: RouteConfig): unknown {
  if (typeof response !== 'object' || response === null) return response;
  return Object.fromEntries(
    Object.entries(response as JsonObject).map(([status, answer]) => {
      const given = ((answer as JsonObject).headers ?? {}) as JsonObject;
      return [
        status,
        { ...(answer as JsonObject), headers: { ...pluginHeaders(status, config), ...given } },
      ];
    }),
  );
}

/**
 * A property with a default is one the caller may leave out: Ajv fills it in before the handler
 * runs, so the route schema keeps it required — that is what the handler's type must say (a
 * TypeBox `Optional` would make every handler see `undefined`). The caller's view drops it from
 * `required`; one schema cannot say both.
 */
function defaultsOptional(schema: unknown): unknown {
  if (typeof schema !== 'object' || schema === null) return schema;
  const { required, properties } = schema as { required?: string[]; properties?: JsonObject };
  if (!Array.isArray(required) || properties === undefined) return schema;
  const hasDefault = (name: string) =>
    (properties[name] as { default?: unknown } | undefined)?.default !== undefined;
  const left = required.filter((name) => !hasDefault(name));
  if (left.length === required.length) return schema;
  const copy: JsonObject = { ...(schema as JsonObject), required: left };
  if (left.length === 0) delete copy.required;
  return copy;
}

function defaultsOptionalInBody(body: unknown): unknown {
  const content = (body as { content?: JsonObject } | undefined)?.content;
  if (content === undefined) return defaultsOptional(body);
  return {
    ...(body as JsonObject),
    content: Object.fromEntries(
      Object.entries(content).map(([type, media]) => [
        type,
        { ...(media as JsonObject), schema: defaultsOptional((media as JsonObject).schema) },
      ]),
    ),
  };
}

function transformSchema(schema: JsonObject, config: RouteConfig): JsonObject {
  const out: JsonObject = { ...schema };
  if (schema.querystring !== undefined) out.querystring = defaultsOptional(schema.querystring);
  if (schema.body !== undefined) out.body = defaultsOptionalInBody(schema.body);
  if (schema.response !== undefined) out.response = withPluginHeaders(schema.response, config);
  // Routes that declare a scope need credentials; say so, with their scope and rate class.
  if (config.scope === undefined) return { ...out, security: [] };
  const needs =
    config.scope === 'any' ? 'Needs any valid credentials' : `Needs scope \`${config.scope}\``;
  const note = `${needs}; rate class \`${config.rateClass ?? 'meta'}\`.`;
  const given = schema.description as string | undefined;
  return {
    ...out,
    description: given === undefined ? note : `${given}\n\n${note}`,
    security: [{ bearer: [] }, { apiKey: [] }],
  };
}

const LOGO = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40">' +
    '<text x="0" y="30" font-family="system-ui, sans-serif" font-size="28" font-weight="700" fill="#ffffff">Quire</text></svg>',
);

async function openapi(app: FastifyInstance): Promise<void> {
  app.addSchema(ProblemSchema);
  await app.register(swagger, {
    // Shared schemas keep their $id as their component name (Problem, not def-0).
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
    transform: ({ schema, url, route }) => ({
      schema: transformSchema((schema ?? {}) as JsonObject, (route?.config ?? {}) as RouteConfig),
      url,
    }),
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Quire API',
        version: VERSION,
        summary: 'A self-hostable document API',
        description:
          'Ingest, extract, store, search, rerank, convert and redact documents. Errors are RFC 9457 ' +
          'problem+json with a stable `code`. Scopes: documents:read, documents:write, search, admin. ' +
          'Rate limits per key (per IP unauthenticated) and route class, per minute by default: meta 600, ' +
          'read 600, write 120, upload 60, search 300, admin 120; limited responses carry RateLimit-Limit, ' +
          'RateLimit-Remaining and RateLimit-Reset, and a 429 also Retry-After.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      servers: [
        { url: '/', description: 'The server that serves this document' },
        {
          url: 'http://{host}:{port}',
          description: 'A Quire started with `npm start` (the embedded default)',
          variables: { host: { default: '127.0.0.1' }, port: { default: '8080' } },
        },
      ],
      tags: OPENAPI_TAGS,
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
    logo: { type: 'image/svg+xml', content: LOGO, href: '/docs', target: '_self' },
    theme: { title: 'Quire API reference' },
  });
}

export default fp(openapi, { name: 'quire-openapi', fastify: '5.x' });
