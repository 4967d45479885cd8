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
import { openAdapters, type Adapters } from './composition/adapters.js';
import { loadJwtMaterial } from './composition/jwt-keys.js';
import type { SqlDatabase } from './adapters/sql/database.js';
import type { Config } from './config.js';
import compression from './http/plugins/compression.js';
import corsPolicy from './http/plugins/cors.js';
import errorHandler, { handleClientError } from './http/plugins/error-handler.js';
import { isDependencyFailure } from './adapters/dependency-failures.js';
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
import { lazyChild } from './http/lazy-logger.js';
import { buildValidators } from './http/validators.js';
import { adminRoutes } from './http/routes/admin.js';
import { documentRoutes } from './http/routes/documents.js';
import { piiRoutes } from './http/routes/pii.js';
import { convertDataRoutes } from './http/routes/convert-data.js';
import idempotency from './http/plugins/idempotency.js';
import multipart from '@fastify/multipart';
import { createDocumentServices } from './domain/documents/index.js';
import auth from './http/plugins/auth.js';
import rateLimit from './http/plugins/rate-limit.js';
import rejectionStats from './http/plugins/rejection-stats.js';
import { ApiKeyService } from './domain/api-keys.js';
import { ensureBootstrapAdminKey } from './domain/bootstrap.js';
import { createJwtAuthenticator } from './domain/jwt.js';
import { AuthFailureGuard, RateLimiter } from './domain/rate-limits.js';
import { RejectionStats } from './domain/rejection-stats.js';
import { Counter, Gauge } from 'prom-client';
import { JobService } from './domain/jobs.js';
import { PII_TYPES, redactPii } from './domain/pii.js';
import { systemClock } from './ports/clock.js';
import { contentRoutes } from './http/routes/document-content.js';
import { jobRoutes } from './http/routes/jobs.js';
import { createWorkers, extractionLimits } from './jobs/start.js';
import { ExtractionPool } from './extraction/pool.js';
import { scratchWriter } from './adapters/fs-scratch/scratch-writer.js';
import { ConversionService } from './domain/conversions.js';
import { convertRoutes } from './http/routes/convert.js';
import { join } from 'node:path';
import { createWebhookServices } from './domain/webhooks/index.js';
import { webhookRoutes } from './http/routes/webhooks.js';
import { SearchService } from './domain/search.js';
import { searchRoutes } from './http/routes/search.js';
import { rerankRoutes } from './http/routes/rerank.js';
import { RerankService } from './domain/rerank.js';
import { openSemanticModel } from './adapters/onnx/semantic-model.js';
import type { SemanticModel } from './ports/semantic-model.js';
import type { LexicalScorer } from './ports/lexical-scorer.js';
import { LexicalScoringPool } from './adapters/pools/lexical-scoring-pool.js';
import { DataConversionPool } from './adapters/pools/data-conversion-pool.js';
import { THREAD_ENTRIES } from './threads/entry-files.js';
import './http/types.js';

export interface BuildAppOptions {
  config: Config;
  logger: Logger;
  /** A database the caller opened and will close; by default the app opens one from config. */
  database?: SqlDatabase;
  /** Shown the generated bootstrap admin key, once (default: printed on stdout). */
  revealBootstrapKey?: (key: string) => void;
  /** The extraction worker-thread module; tests inject faults with their own. */
  extractionWorkerFile?: string;
  /** A semantic model the caller opened and will close; by default one from QUIRE_RERANK_MODEL_DIR. */
  semanticModel?: SemanticModel;
  /**
   * Scores big lexical rerank and similarity requests off the event loop; one the caller made and
   * will close. By default a worker pool from the QUIRE_RERANK_POOL_* settings.
   */
  lexicalScorer?: LexicalScorer;
}

function printBootstrapKey(key: string): void {
  process.stdout.write(
    `\nQuire: no API keys existed, so an admin key for tenant "default" was created.\n` +
      `It is shown this once and stored only as a hash:\n\n    ${key}\n\n`,
  );
}

export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** The worker pool big lexical rerank and similarity requests are scored in. */
function lexicalScoringPool(config: Config): LexicalScoringPool {
  return new LexicalScoringPool({
    workerFile: THREAD_ENTRIES.lexicalScoring(),
    threads: config.rerankPoolThreads,
    timeoutMs: config.rerankPoolTimeoutMs,
    heapMb: config.rerankPoolHeapMb,
    maxQueue: config.rerankPoolMaxQueue,
  });
}

/** The worker pool /v1/convert/data runs its conversions in. */
function dataConversionPool(config: Config): DataConversionPool {
  return new DataConversionPool({
    workerFile: THREAD_ENTRIES.dataConvert(),
    threads: config.convertDataThreads,
    timeoutMs: config.convertDataTimeoutMs,
    heapMb: config.convertDataHeapMb,
    maxQueue: config.convertDataMaxQueue,
  });
}

/** Fastify takes a hop count as a function; addresses, lists and booleans as they are. */
function trustProxySetting(
  trust: Config['trustProxy'],
): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address, hop) => hop < trust : trust;
}

export async function buildApp(options: BuildAppOptions): Promise<App> {
  const { config, logger } = options;
  const adapters = await openAdapters({
    config,
    logger,
    ...(options.database === undefined ? {} : { database: options.database }),
  });
  try {
    return await assemble(options, adapters);
  } catch (error) {
    await adapters.close();
    throw error;
  }
}

async function assemble(
  {
    config,
    logger,
    revealBootstrapKey,
    extractionWorkerFile,
    semanticModel: injectedSemanticModel,
    lexicalScorer: injectedLexicalScorer,
  }: BuildAppOptions,
  adapters: Adapters,
): Promise<App> {
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
    routerOptions: { maxParamLength: 200 },
    schemaController: { compilersFactory: { buildValidator: buildValidators() } },
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
  await app.register(errorHandler, { isDependencyFailure });
  await app.register(lifecycle);
  await app.register(compression);
  await app.register(loadShedding);

  // Stores (opened by buildApp) close after HTTP has drained: onClose runs last.
  // Workers stop (handing unfinished jobs back) before the stores they use close.
  const workers: { stop(): Promise<void> }[] = [];
  app.addHook('onClose', async () => {
    for (const worker of workers) await worker.stop();
    await adapters.close();
  });
  app.healthChecks.push(...adapters.healthChecks);

  // Services.
  const storeFailures = new Counter({
    name: 'rate_limit_store_errors_total',
    help: 'Failed calls to the rate-limit store (Redis); requests then pass (fail open) or get 503.',
    registers: [app.metricsRegistry],
  });
  const reportStoreFailure = (error: unknown): void => {
    storeFailures.inc();
    logger.warn({ err: error }, 'rate-limit store failed');
  };
  // Every time decision of the services reads this clock.
  const clock = systemClock;
  const apiKeys = new ApiKeyService({
    clock,
    keys: adapters.apiKeys,
    tenants: adapters.tenants,
    audit: adapters.audit,
    revocations: adapters.revocations,
    cacheTtlMs: config.authCacheTtlMs,
    onPublishFailure: (error) => logger.warn({ err: error }, 'revocation notice not published'),
  });
  const jwtMaterial = loadJwtMaterial(config);
  const jwt =
    jwtMaterial === null
      ? null
      : createJwtAuthenticator({
          clock,
          material: jwtMaterial,
          algorithms: config.jwtAlgorithms,
          ...(config.jwtIssuer === undefined ? {} : { issuer: config.jwtIssuer }),
          ...(config.jwtAudience === undefined ? {} : { audience: config.jwtAudience }),
        });
  const limiter = new RateLimiter({
    store: adapters.rateLimits,
    limits: {
      meta: config.rateLimitMeta,
      read: config.rateLimitRead,
      write: config.rateLimitWrite,
      upload: config.rateLimitUpload,
      search: config.rateLimitSearch,
      admin: config.rateLimitAdmin,
    },
    elevatedFactor: config.rateLimitElevatedFactor,
    onStoreFailure: config.rateLimitOnStoreFailure,
    reportStoreFailure,
  });
  const guard = new AuthFailureGuard(
    adapters.rateLimits,
    config.authFailureLimit,
    config.authFailureWindowS * 1000,
    reportStoreFailure,
  );
  const rejections = new RejectionStats(adapters.rateLimits, reportStoreFailure);

  if (config.auth) {
    await ensureBootstrapAdminKey(
      adapters.apiKeys,
      apiKeys,
      config.bootstrapAdminKey,
      revealBootstrapKey ?? printBootstrapKey,
    );
  } else {
    logger.warn(
      'QUIRE_AUTH=off: every request is served as tenant "default" with every scope. Never expose this.',
    );
  }

  // Webhooks listen to documents and jobs: built first, handed to both as their event publisher.
  const webhookPublishErrors = new Counter({
    name: 'webhook_publish_errors_total',
    help: 'Events that could not be turned into webhook deliveries (logged; nothing was sent).',
    registers: [app.metricsRegistry],
  });
  const webhooks = createWebhookServices({
    clock,
    uow: adapters.uow,
    queue: adapters.jobs,
    tenants: adapters.tenants,
    audit: adapters.audit,
    guard: adapters.fetcher,
    ...(config.encryptionKey === undefined ? {} : { encryptionKey: config.encryptionKey }),
    retryBaseMs: config.webhookRetryBaseMs,
    retryWindowMs: config.webhookRetryWindowS * 1000,
    onPublishError(error, event) {
      webhookPublishErrors.inc();
      logger.error(
        { err: error, event: event.type, request_id: event.request_id },
        'webhook deliveries not queued',
      );
    },
  });

  const documents = createDocumentServices({
    clock,
    events: webhooks.deliveries,
    uow: adapters.uow,
    blobs: adapters.blobs,
    tenants: adapters.tenants,
    audit: adapters.audit,
    queue: adapters.jobs,
    maxUploadBytes: config.maxUploadBytes,
    maxJobAttempts: config.jobMaxAttempts,
    largeDocumentBytes: config.largeDocumentBytes,
  });

  const jobs = new JobService({
    queue: adapters.jobs,
    jobs: adapters.uow.stores.jobs,
    documents: documents.status,
  });
  // Worker threads start on first use: an API-only process starts them only for conversions.
  const extractionPool = new ExtractionPool({
    threads: config.extractionWorkers,
    timeoutMs: config.extractionTimeoutMs,
    heapMb: config.extractionHeapMb,
    recycleAfter: config.extractionRecycleAfter,
    niceIncrement: config.extractionNice,
    ...(extractionWorkerFile === undefined ? {} : { workerFile: extractionWorkerFile }),
  });
  workers.push({ stop: () => extractionPool.close() });
  const conversions = new ConversionService({
    extractor: extractionPool,
    scratch: scratchWriter(join(config.dataDir, 'tmp')),
    limits: extractionLimits(config),
    ocr: config.ocr,
    maxBytes: config.maxUploadBytes,
  });

  // The optional semantic model (rerank, similarity), for the API only. One that fails to load is
  // logged and left out: hybrid rerank degrades to lexical, semantic answers 503 MODEL_UNAVAILABLE.
  let semanticModel: SemanticModel | null = injectedSemanticModel ?? null;
  if (semanticModel === null && config.rerankModelDir !== undefined && config.role !== 'worker') {
    try {
      const opened = await openSemanticModel({
        dir: config.rerankModelDir,
        maxLength: config.rerankMaxLength,
        threads: config.rerankThreads,
        logger,
      });
      workers.push({ stop: () => opened.close() });
      semanticModel = opened;
    } catch (error) {
      logger.error(
        { err: error, dir: config.rerankModelDir },
        'semantic model not loaded: rerank and similarity run without it',
      );
    }
  }
  if (semanticModel !== null || (config.rerankModelDir !== undefined && config.role !== 'worker')) {
    const model = semanticModel;
    app.healthChecks.push({
      name: 'semantic_model',
      critical: false,
      async check() {
        if (model === null) throw new Error('the configured semantic model did not load');
        if (model.breakerState?.() === 'open') {
          throw new Error('the semantic model circuit breaker is open');
        }
      },
    });
  }

  // Rerank and similarity: BM25 inline, big requests in a small worker pool started on first use.
  let lexicalScorer = injectedLexicalScorer;
  if (lexicalScorer === undefined) {
    const pool = lexicalScoringPool(config);
    workers.push({ stop: () => pool.close() });
    lexicalScorer = pool;
  }
  const rerankDegraded = new Counter({
    name: 'rerank_degraded_total',
    help: 'Hybrid rerank and similarity answers that fell back to lexical, by why the model was not used.',
    labelNames: ['reason'] as const,
    registers: [app.metricsRegistry],
  });
  const reranker = new RerankService({
    model: semanticModel,
    deadlineMs: config.rerankDeadlineMs,
    bm25: { k1: config.bm25K1, b: config.bm25B },
    offload: lexicalScorer,
    offloadAboveChars: config.rerankOffloadAboveChars,
    onDegraded: (reason) => rerankDegraded.inc({ reason }),
  });

  if (config.role !== 'api') {
    const background = createWorkers({
      clock,
      config,
      logger,
      queue: adapters.jobs,
      fetcher: adapters.fetcher,
      documents,
      registry: app.metricsRegistry,
      events: webhooks.deliveries,
      webhooks: webhooks.deliveries,
      extractor: extractionPool,
    });
    // Before the pool closes: runners hand their jobs back, then the threads stop.
    workers.unshift(background);
    app.addHook('onReady', async () => background.start());
  }
  new Gauge({
    name: 'queue_depth',
    help: 'Jobs by state (queued, running, failed, dead, …), across every process.',
    labelNames: ['state'] as const,
    registers: [app.metricsRegistry],
    async collect() {
      const counts = await adapters.uow.stores.jobs.countByStatus();
      for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
    },
  });
  app.decorate('queueDepth', async () => {
    const counts = await adapters.uow.stores.jobs.countByStatus();
    return {
      waiting: counts.queued,
      active: counts.running,
      failed: counts.failed,
      dead: counts.dead,
    };
  });
  new Gauge({
    name: 'circuit_breaker_state',
    help: 'Circuit breakers per upstream host: 0 closed, 1 half open, 2 open.',
    labelNames: ['name'] as const,
    registers: [app.metricsRegistry],
    collect() {
      this.reset();
      for (const [name, state] of Object.entries(adapters.fetcher.breakers())) {
        this.set({ name }, state === 'open' ? 2 : state === 'half_open' ? 1 : 0);
      }
    },
  });
  app.decorate('breakers', () => adapters.fetcher.breakers());

  // Who may call, then how often: the principal decides which limit applies.
  await app.register(auth, { enabled: config.auth, apiKeys, jwt, guard, audit: adapters.audit });
  await app.register(rateLimit, { limiter });
  await app.register(rejectionStats, { stats: rejections });
  await app.register(idempotency, {
    store: adapters.idempotency,
    ttlMs: config.idempotencyTtlS * 1000,
  });
  // Uploads are streamed part by part; these limits stop a request before it costs anything.
  await app.register(multipart, {
    limits: {
      fileSize: config.maxUploadBytes + 1, // the blob store answers 413 past the real limit
      files: 1,
      fields: 10,
      fieldSize: config.multipartFieldBytes,
      parts: 20,
      headerPairs: 200,
    },
    throwFileSizeLimit: true,
  });
  // After the request decorators above (child contexts see only those made before them), before
  // the routes it documents.
  await app.register(openapi);

  // Routes: the whole API surface, in one place.
  await app.register(metaRoutes);
  await app.register(adminRoutes, {
    apiKeys,
    audit: adapters.audit,
    rejections,
    documents: adapters.uow.stores.documents,
    jobs: adapters.uow.stores.jobs,
  });
  await app.register(documentRoutes, {
    documents,
    fetcher: adapters.fetcher,
    maxTextBytes: config.maxTextBytes,
  });
  await app.register(piiRoutes, { maxTextBytes: config.maxTextBytes, clock });
  // Conversion threads start on first use.
  const dataConverter = dataConversionPool(config);
  workers.push({ stop: () => dataConverter.close() });
  await app.register(convertDataRoutes, { converter: dataConverter });
  await app.register(contentRoutes, {
    documents,
    redact: (text) => redactPii(text, PII_TYPES, 'label', clock.now()).text,
  });
  await app.register(convertRoutes, { conversions });
  await app.register(rerankRoutes, { service: reranker });
  await app.register(searchRoutes, {
    search: new SearchService({
      index: adapters.search,
      // Search's optional rerank step uses the same service as /v1/rerank.
      rerank: async (query, texts, method, topN) => {
        const outcome = await reranker.rerank({
          query,
          documents: texts,
          topN,
          method,
          returnDocuments: false,
        });
        return {
          order: outcome.results.map((result) => result.index),
          scores: outcome.results.map((result) => result.relevance_score),
          degraded: outcome.meta.degraded,
          method: outcome.meta.method,
        };
      },
    }),
  });
  await app.register(jobRoutes, {
    jobs,
    eventPollMs: 250,
    maxStreams: config.sseMaxStreams,
  });
  await app.register(webhookRoutes, { webhooks: webhooks.subscriptions });

  return app;
}
