/**
 * The composition root: builds the adapters and registers every plugin and route, explicitly and
 * in order, so the whole HTTP surface and its hardening can be read in this one file. Tests build
 * the app from here without listening; src/server.ts listens and handles signals.
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
import type { SqlDatabase } from './adapters/sql/database.js';
import { migrateToLatest } from './adapters/sql/migrate.js';
import { openDatabase } from './adapters/sql/open.js';
import type { Config } from './config.js';
import compression from './http/plugins/compression.js';
import corsPolicy from './http/plugins/cors.js';
import errorHandler, { handleClientError } from './http/plugins/error-handler.js';
import lifecycle from './http/plugins/lifecycle.js';
import loadShedding from './http/plugins/load-shedding.js';
import metrics from './http/plugins/metrics.js';
import openapi from './http/plugins/openapi.js';
import processStats from './http/plugins/process-stats.js';
import requestId, { requestIdFrom } from './http/plugins/request-id.js';
import requestLog from './http/plugins/request-log.js';
import securityHeaders from './http/plugins/security-headers.js';
import serverTiming from './http/plugins/server-timing.js';
import traceContext from './http/plugins/trace-context.js';
import { metaRoutes } from './http/routes/meta.js';
import './http/types.js';

export interface BuildAppOptions {
  config: Config;
  logger: Logger;
  /** A database the caller opened and will close; by default the app opens one from config. */
  database?: SqlDatabase;
}

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

export async function buildApp({ config, logger, database: given }: BuildAppOptions): Promise<App> {
  const baseLogger: FastifyBaseLogger = logger;
  const app: App = Fastify({
    loggerInstance: baseLogger,
    // request-log writes one line per request instead of Fastify's two.
    logController: new LogController({
      disableRequestLogging: true,
      requestIdLogLabel: 'request_id',
    }),
    requestIdHeader: false, // requestIdFrom validates the client's header itself
    genReqId: requestIdFrom,
    bodyLimit: config.bodyLimitBytes,
    trustProxy: trustProxySetting(config.trustProxy),
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    return503OnClosing: false, // lifecycle answers 503 SHUTTING_DOWN as problem+json instead
    clientErrorHandler: handleClientError,
    routerOptions: { maxParamLength: 200 },
    http: {
      headersTimeout: config.headersTimeoutMs,
      // Node enforces the header and request timeouts only when it sweeps connections (every
      // 30 s by default), which would let a slowloris client hold a socket 30 s past the limit.
      connectionsCheckingInterval: Math.min(
        2000,
        Math.max(100, Math.floor(config.headersTimeoutMs / 4)),
      ),
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('config', config);
  app.decorate('healthChecks', []);

  // Cross-cutting plugins, outermost first. Each is one concern in src/http/plugins/.
  // onRequest hooks run in this order, so everything a response must carry (id, security and
  // CORS headers) is set before the first hook that can reject the request.
  await app.register(requestId);
  await app.register(traceContext);
  await app.register(serverTiming);
  await app.register(requestLog);
  await app.register(metrics);
  await app.register(processStats);
  await app.register(securityHeaders);
  await app.register(corsPolicy);
  await app.register(errorHandler);
  await app.register(lifecycle);
  await app.register(compression);
  await app.register(loadShedding);
  await app.register(openapi);

  // Stores. The app closes what it opened, after HTTP has drained (onClose runs last).
  const database = given ?? openDatabase(config, logger);
  if (given === undefined) app.addHook('onClose', () => database.close());
  if (config.autoMigrate) {
    try {
      const { applied } = await migrateToLatest(database);
      if (applied.length > 0)
        logger.info({ applied, dialect: database.dialect }, 'migrations applied');
    } catch (error) {
      if (given === undefined) await database.close();
      throw error;
    }
  }
  app.healthChecks.push({ name: 'database', check: (signal) => database.ping(signal) });

  // Routes: the whole API surface, in one place.
  await app.register(metaRoutes);

  return app;
}
