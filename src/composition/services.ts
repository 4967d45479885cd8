/**
 * The domain services, built from the adapters, pools and settings, each handed the metric it
 * feeds and the one clock. Nothing here serves HTTP or runs jobs: routes and job runners receive
 * these services.
 */
import { passageChunking } from './chunking.js';
import type { Logger } from 'pino';
import { scratchWriter } from '../adapters/fs-scratch/scratch-writer.js';
import { extractionLimits, type Config } from '../config.js';
import { ApiKeyService } from '../domain/api-keys.js';
import { ensureBootstrapAdminKey } from '../domain/bootstrap.js';
import { ConversionService } from '../domain/conversions.js';
import { createDocumentServices, type DocumentServices } from '../domain/documents/index.js';
import { JobService } from '../domain/jobs.js';
import { createJwtAuthenticator, type JwtAuthenticator } from '../domain/jwt.js';
import { AuthFailureGuard, RateLimiter } from '../domain/rate-limits.js';
import { RejectionStats } from '../domain/rejection-stats.js';
import { RerankService } from '../domain/rerank.js';
import { calibratedLexicalCost } from '../domain/lexical-cost.js';
import { rerankWith, SearchService } from '../domain/search.js';
import { PassageEmbedder } from '../domain/passage-embeddings.js';
import { createWebhookServices, type WebhookServices } from '../domain/webhooks/index.js';
import { createMessageAttachments } from '../extraction/message-attachments.js';
import type { Metrics } from '../observability/metrics.js';
import type { Clock } from '../ports/clock.js';
import type { Adapters } from './adapters.js';
import { loadJwtMaterial } from './jwt-keys.js';
import type { Pools } from './pools.js';
import { join } from 'node:path';

export interface Services {
  apiKeys: ApiKeyService;
  /** Null when no JWT secret or key is configured (JWTs are refused). */
  jwt: JwtAuthenticator | null;
  limiter: RateLimiter;
  authFailures: AuthFailureGuard;
  rejections: RejectionStats;
  webhooks: WebhookServices;
  documents: DocumentServices;
  jobs: JobService;
  conversions: ConversionService;
  reranker: RerankService;
  search: SearchService;
  /** Embeds passages at indexing and queries at search (a no-op without a bi-encoder). */
  embedder: PassageEmbedder;
}

export interface ServiceContext {
  config: Config;
  logger: Logger;
  clock: Clock;
  adapters: Adapters;
  pools: Pools;
  metrics: Metrics;
}

export function buildServices(context: ServiceContext): Services {
  const access = accessServices(context);
  // Webhooks listen to documents and jobs: built first, handed to both as their event publisher.
  const webhooks = webhookServices(context);
  const embedder = passageEmbedder(context);
  const documents = documentServices(context, webhooks, embedder);
  const reranker = rerankService(context);
  const { adapters, pools, config, metrics } = context;
  return {
    ...access,
    webhooks,
    documents,
    jobs: new JobService({
      queue: adapters.jobs,
      jobs: adapters.uow.stores.jobs,
      documents: documents.status,
    }),
    conversions: new ConversionService({
      extractor: pools.extractor,
      scratch: scratchWriter(join(config.dataDir, 'tmp')),
      limits: extractionLimits(config),
      ocr: config.ocr,
      pdfEngine: config.pdfEngine,
      ...(pools.libreOffice === null ? {} : { libreOffice: pools.libreOffice }),
      capabilities: { ocr: config.ocr, libreOffice: pools.libreOffice !== null },
      maxBytes: config.maxUploadBytes,
    }),
    reranker,
    search: new SearchService({
      index: adapters.search,
      rerank: rerankWith(reranker),
      embedder,
      onDegraded: (reason) => metrics.searchDegraded.inc({ reason }),
    }),
    embedder,
  };
}

/** Passage and query embeddings for hybrid search, when the configured model is a bi-encoder. */
function passageEmbedder({ config, logger, adapters, pools, metrics }: ServiceContext) {
  return new PassageEmbedder({
    model: pools.semanticModel,
    vectors: adapters.vectors,
    content: adapters.uow.stores.content,
    queryDeadlineMs: config.rerankDeadlineMs,
    onEmbedded(passages, seconds) {
      metrics.passageEmbeddings.inc({ outcome: 'embedded' }, passages);
      metrics.passageEmbeddingSeconds.inc(seconds);
    },
    onMissing(passages, reason) {
      metrics.passageEmbeddings.inc({ outcome: 'missing' }, passages);
      logger.warn(
        { passages, reason },
        'passages stored without vectors: the semantic model is unavailable (searchable lexically; the re-index at the next start embeds them)',
      );
    },
  });
}

/** Who may call and how often: keys, JWTs, rate limits and the brute-force guard. */
function accessServices({ config, logger, clock, adapters, metrics }: ServiceContext) {
  const reportStoreFailure = (error: unknown): void => {
    metrics.rateLimitStoreErrors.inc();
    logger.warn({ err: error }, 'rate-limit store failed');
  };
  const jwtMaterial = loadJwtMaterial(config);
  return {
    apiKeys: new ApiKeyService({
      clock,
      keys: adapters.apiKeys,
      tenants: adapters.tenants,
      audit: adapters.audit,
      revocations: adapters.revocations,
      cacheTtlMs: config.authCacheTtlMs,
      onPublishFailure: (error) => logger.warn({ err: error }, 'revocation notice not published'),
    }),
    jwt:
      jwtMaterial === null
        ? null
        : createJwtAuthenticator({
            clock,
            material: jwtMaterial,
            algorithms: config.jwtAlgorithms,
            ...(config.jwtIssuer === undefined ? {} : { issuer: config.jwtIssuer }),
            ...(config.jwtAudience === undefined ? {} : { audience: config.jwtAudience }),
          }),
    limiter: new RateLimiter({
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
    }),
    authFailures: new AuthFailureGuard(
      adapters.rateLimits,
      config.authFailureLimit,
      config.authFailureWindowS * 1000,
      reportStoreFailure,
    ),
    rejections: new RejectionStats(adapters.rateLimits, reportStoreFailure),
  };
}

function webhookServices({ config, logger, clock, adapters, metrics }: ServiceContext) {
  return createWebhookServices({
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
      metrics.webhookPublishErrors.inc();
      logger.error(
        { err: error, event: event.type, request_id: event.request_id },
        'webhook deliveries not queued',
      );
    },
  });
}

function documentServices(
  { config, clock, adapters, pools }: ServiceContext,
  webhooks: WebhookServices,
  embedder: PassageEmbedder,
): DocumentServices {
  return createDocumentServices({
    embedder,
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
    chunking: passageChunking(config),
    capabilities: { ocr: config.ocr, libreOffice: pools.libreOffice !== null },
    messageAttachments: createMessageAttachments(),
    emailMaxAttachments: config.emailMaxAttachments,
    emailAttachmentDepth: config.emailAttachmentDepth,
  });
}

/**
 * Rerank and similarity: BM25 inline when its estimated cost (rates measured at start-up) is within
 * the inline budget, on the scoring pool otherwise; the optional model.
 */
function rerankService({ config, pools, metrics }: ServiceContext): RerankService {
  return new RerankService({
    model: pools.semanticModel,
    deadlineMs: config.rerankDeadlineMs,
    bm25: { k1: config.bm25K1, b: config.bm25B },
    offload: pools.lexicalScorer,
    cost: calibratedLexicalCost(),
    inlineBudgetUs: config.rerankInlineBudgetUs,
    onLexical: (placement) => metrics.rerankLexicalTasks.inc({ where: placement.where }),
    onDegraded: (reason) => metrics.rerankDegraded.inc({ reason }),
  });
}

/**
 * With auth on, the first start creates (or adopts QUIRE_BOOTSTRAP_ADMIN_KEY as) the admin key of
 * tenant `default`; with auth off, every start warns.
 */
export async function prepareAuthentication(
  { config, logger, adapters }: Pick<ServiceContext, 'config' | 'logger' | 'adapters'>,
  apiKeys: ApiKeyService,
  revealBootstrapKey: (key: string) => void,
): Promise<void> {
  if (!config.auth) {
    logger.warn(
      'QUIRE_AUTH=off: every request is served as tenant "default" with every scope. Never expose this.',
    );
    return;
  }
  await ensureBootstrapAdminKey(
    adapters.apiKeys,
    apiKeys,
    config.bootstrapAdminKey,
    revealBootstrapKey,
  );
}
