/**
 * The Fastify instance with Quire's server settings: one request log line instead of two, lazy
 * child loggers, validated request ids, body and time limits, the slowloris sweep, the
 * validator that compiles every schema once, and the JSON body parser.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type RawServerDefault,
} from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { handleClientError, handleFrameworkError } from '../http/plugins/error-handler.js';
import { requestIdFrom } from '../http/plugins/request-id.js';
import { useJsonBodyParser } from '../http/json-body-parser.js';
import { lazyChild } from '../http/lazy-logger.js';
import { buildSerializers } from '../http/serializers.js';
import { buildValidators } from '../http/validators.js';
import '../http/types.js';

export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** Fastify takes a hop count as a function; addresses, lists and booleans as they are. */
function trustProxySetting(
  trust: Config['trustProxy'],
): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address, hop) => hop < trust : trust;
}

export function createHttpServer(config: Config, logger: Logger): App {
  const baseLogger: FastifyBaseLogger = logger;
  const app: App = Fastify({
    loggerInstance: baseLogger,
    // request-log writes one line per request instead of Fastify's two.
    logController: new LogController({
      disableRequestLogging: true,
      requestIdLogLabel: 'request_id',
    }),
    // Most requests never log through their child logger: build it on first use.
    childLoggerFactory: (parent, bindings, childOptions) =>
      lazyChild(parent, bindings, childOptions),
    requestIdHeader: false, // requestIdFrom validates the client's header itself
    genReqId: requestIdFrom,
    bodyLimit: config.bodyLimitBytes,
    trustProxy: trustProxySetting(config.trustProxy),
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    return503OnClosing: false, // lifecycle answers 503 SHUTTING_DOWN as problem+json instead
    clientErrorHandler: handleClientError,
    frameworkErrors: handleFrameworkError,
    routerOptions: { maxParamLength: 200 },
    schemaController: {
      compilersFactory: { buildValidator: buildValidators(), buildSerializer: buildSerializers() },
    },
    http: {
      // Node lets a request run past requestTimeout until headersTimeout when the latter is the
      // larger (a 4 s request limit with the 20 s default header limit answered nothing for 20
      // s): the header limit is never more than the whole request's.
      headersTimeout: Math.min(config.headersTimeoutMs, config.requestTimeoutMs),
      // Node enforces the header and request timeouts only when it sweeps connections (every
      // 30 s by default), which would let a slowloris client hold a socket 30 s past the limit.
      connectionsCheckingInterval: Math.min(
        2000,
        Math.max(100, Math.floor(config.headersTimeoutMs / 4)),
      ),
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  useJsonBodyParser(app);
  app.decorate('config', config);
  app.decorate('healthChecks', []);
  return app;
}
