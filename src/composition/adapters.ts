/**
 * Builds one adapter per port for the configured mode: SQLite and in-process stores by default,
 * PostgreSQL when QUIRE_DATABASE_URL is set, Redis-backed limits and notices when QUIRE_REDIS_URL
 * is set. The composition root (app.ts) and the CLI both start here.
 */
import { SEARCH_INDEX_FORMAT } from '../adapters/sql/query-plan.js';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { ApiKeyStore } from '../ports/api-key-store.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { HealthCheck } from '../ports/health.js';
import type { KeyRevocations } from '../ports/key-revocations.js';
import type { RateLimitStore } from '../ports/rate-limit-store.js';
import type { TenantStore } from '../ports/tenant-store.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { Fetcher } from '../ports/fetcher.js';
import type { IdempotencyStore } from '../ports/idempotency-store.js';
import type { UnitOfWork } from '../ports/unit-of-work.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { SearchIndex } from '../ports/search-index.js';
import type { PassageVectorStore } from '../ports/passage-vectors.js';
import { createSqlPassageVectorStore } from '../adapters/sql/passage-vector-store.js';
import { createBullmqJobQueue } from '../adapters/bullmq/job-queue.js';
import { createSqlJobQueue } from '../adapters/sql/job-queue.js';
import { sweepStaleTempFiles } from '../adapters/fs-temp/temp-files.js';
import { createHttpFetcher } from '../adapters/http-fetcher/fetcher.js';
import { createRedisIdempotencyStore } from '../adapters/redis/idempotency-store.js';
import { createSqlIdempotencyStore } from '../adapters/sql/idempotency-store.js';
import { createSqlUnitOfWork } from '../adapters/sql/unit-of-work.js';
import { createMemoryKeyRevocations } from '../adapters/memory/key-revocations.js';
import { createMemoryRateLimitStore } from '../adapters/memory/rate-limit-store.js';
import { createRedis, whenRedisReady } from '../adapters/redis/client.js';
import type { Redis } from 'ioredis';
import { createRedisKeyRevocations } from '../adapters/redis/key-revocations.js';
import { redisNamespace } from '../adapters/redis/namespace.js';
import { createRedisRateLimitStore } from '../adapters/redis/rate-limit-store.js';
import { createSqlApiKeyStore } from '../adapters/sql/api-key-store.js';
import { createSqlAuditLog } from '../adapters/sql/audit-log.js';
import type { SqlDatabase, StatementObserver } from '../adapters/sql/database.js';
import { timedBlobStore, type BlobCallObserver } from '../adapters/timing/blob-store.js';
import { migrateToLatest } from '../adapters/sql/migrate.js';
import { openBlobStore } from './blob-store.js';
import { openDatabase } from './database.js';
import { createSqlDeploymentStore } from '../adapters/sql/deployment-store.js';
import { blobStoreCheck, ensureBlobSentinel } from '../domain/blob-sentinel.js';
import { createSqlTenantStore } from '../adapters/sql/tenant-store.js';
import { clearSqlSearchIndex, createSqlSearchIndex } from '../adapters/sql/search-index.js';
import {
  createContentCipher,
  PLAINTEXT,
  type ContentCipher,
  type ContentPolicy,
} from '../adapters/sql/content-cipher.js';
import { Closers } from './closers.js';

export interface Adapters {
  database: SqlDatabase;
  tenants: TenantStore;
  apiKeys: ApiKeyStore;
  audit: AuditLog;
  rateLimits: RateLimitStore;
  revocations: KeyRevocations;
  idempotency: IdempotencyStore;
  blobs: BlobStore;
  uow: UnitOfWork;
  jobs: JobQueue;
  /** Passage search, in the same database as the passages. */
  search: SearchIndex;
  /** Passage embeddings for hybrid search, beside the passages. */
  vectors: PassageVectorStore;
  fetcher: Fetcher;
  healthChecks: HealthCheck[];
  /** Closes everything opened here, in reverse order. Idempotent. */
  close(): Promise<void>;
}

export interface OpenAdaptersOptions {
  config: Config;
  logger: Logger;
  /** Use this database instead of opening one (the caller closes it). */
  database?: SqlDatabase;
  migrate?: boolean;
  /**
   * Write the blob sentinel when the deployment has none (default true); false for offline tools
   * (`quire keys`), whose blob store may not be the servers'.
   */
  writeBlobSentinel?: boolean;
  /** Told the duration of every database statement and blob store call (metrics). */
  timings?: { statement: StatementObserver; blobCall: BlobCallObserver };
}

export async function openAdapters({
  config,
  logger,
  database: given,
  migrate,
  writeBlobSentinel = true,
  timings,
}: OpenAdaptersOptions): Promise<Adapters> {
  const closers = new Closers();
  try {
    const database = given ?? openDatabase(config, logger, timings?.statement);
    if (given === undefined) closers.add(() => database.close());
    if (migrate ?? config.autoMigrate) await applyMigrations(database, logger);
    const content = await contentPolicy(config, database, logger);
    const healthChecks: HealthCheck[] = [
      { name: 'database', check: (signal) => database.ping(signal) },
    ];
    const opened = openBlobStore(config, logger);
    const blobs =
      timings === undefined ? opened.blobs : timedBlobStore(opened.blobs, timings.blobCall);
    const closeBlobs = opened.close;
    closers.add(async () => closeBlobs());
    // Readiness fails when this store does not hold the sentinel the deployment recorded.
    const deployment = createSqlDeploymentStore(database);
    const sentinel = writeBlobSentinel
      ? await ensureBlobSentinel(blobs, deployment, () => new Date())
      : null;
    healthChecks.push(blobStoreCheck(blobs, deployment, sentinel));
    // Temporary files a killed process left (a staged upload mid-way, a plaintext copy).
    const swept = await sweepStaleTempFiles(join(config.dataDir, 'tmp'), {
      maxAgeMs: config.tmpMaxAgeS * 1000,
    });
    if (swept.length > 0) logger.info({ files: swept }, 'removed stale temporary files');
    const fetcher = openFetcher(config, logger);
    closers.add(() => fetcher.close());
    const redisState =
      config.redisUrl === undefined
        ? null
        : openRedisState(
            config.redisUrl,
            config,
            logger,
            database,
            content.cipher,
            closers,
            healthChecks,
          );
    const shared = redisState?.state ?? inProcessState(database, content.cipher);
    // Servers only (offline tools such as `quire keys` write no sentinel and need no wait).
    const serving = writeBlobSentinel && redisState !== null;
    if (serving && !(await whenRedisReady(redisState.commands, REDIS_START_WAIT_MS)))
      logger.warn('redis: not connected at start; rate limits and idempotency keys wait for it');
    const queue = shared.jobs;
    healthChecks.push({
      name: 'queue',
      // A worker that cannot take jobs is not ready. An API instance keeps serving while Redis is
      // away (job rows commit in SQL; a worker's sweep hands them out later), so there a BullMQ
      // that cannot be reached only degrades /health rather than pulling every instance at once.
      critical: config.redisUrl === undefined || config.role === 'worker',
      check: (signal) => queue.check(signal),
    });
    return {
      database,
      tenants: createSqlTenantStore(database),
      apiKeys: createSqlApiKeyStore(database),
      audit: createSqlAuditLog(database),
      ...shared,
      blobs,
      uow: createSqlUnitOfWork(database, content),
      search: createSqlSearchIndex(database, content),
      vectors: createSqlPassageVectorStore(database, content),
      fetcher,
      healthChecks,
      close: () => closers.close(),
    };
  } catch (error) {
    await closers.close();
    throw error;
  }
}

/**
 * How extracted content is stored: sealed under QUIRE_ENCRYPTION_KEY when it is set; indexed for
 * search unless QUIRE_SEARCH_INDEX=off, which also empties an index left from before, so that no
 * plaintext term stays in the database.
 */
async function contentPolicy(
  config: Config,
  database: SqlDatabase,
  logger: Logger,
): Promise<ContentPolicy> {
  const cipher =
    config.encryptionKey === undefined ? PLAINTEXT : createContentCipher(config.encryptionKey);
  if (!config.searchIndex) await clearSqlSearchIndex(database);
  else if (config.encryptionKey !== undefined)
    logger.info(
      'content is encrypted at rest, but the search index keeps its words in plaintext (QUIRE_SEARCH_INDEX=off to drop it)',
    );
  return {
    cipher,
    searchIndex: config.searchIndex,
    analyzer: config.searchRanking,
    scheme: passageScheme(config),
  };
}

/**
 * What a passage records of how it was cut and indexed: a change of any re-indexes, and so does a
 * new index format (SEARCH_INDEX_FORMAT: the title and heading fields of migration 0015).
 */
export function passageScheme(config: Config): string {
  return [
    config.passageStrategy,
    config.passageMaxTokens,
    config.passageOverlap,
    config.searchRanking,
    SEARCH_INDEX_FORMAT,
  ].join('/');
}

async function applyMigrations(database: SqlDatabase, logger: Logger): Promise<void> {
  const { applied } = await migrateToLatest(database);
  if (applied.length > 0) logger.info({ applied, dialect: database.dialect }, 'migrations applied');
}

/** Outbound HTTP for URL ingestion and webhooks, from the QUIRE_FETCH_* settings. */
function openFetcher(config: Config, logger: Logger): Fetcher {
  return createHttpFetcher({
    allowHosts: config.fetchAllowHosts,
    connectTimeoutMs: config.fetchConnectTimeoutMs,
    headersTimeoutMs: config.fetchConnectTimeoutMs * 2,
    totalTimeoutMs: config.fetchTotalTimeoutMs,
    retries: config.fetchRetries,
    onBreakerChange: (host, state, tenant) =>
      logger.warn({ host, state, tenant_id: tenant }, 'circuit breaker changed state'),
  });
}

/** State every instance must share: in process for the embedded default (one process). */
/** How long a starting instance waits for its Redis connection before serving without it. */
const REDIS_START_WAIT_MS = 2_000;

type SharedState = Pick<Adapters, 'rateLimits' | 'revocations' | 'idempotency' | 'jobs'>;

function inProcessState(database: SqlDatabase, cipher: ContentCipher): SharedState {
  return {
    rateLimits: createMemoryRateLimitStore(),
    revocations: createMemoryKeyRevocations(),
    idempotency: createSqlIdempotencyStore(database),
    jobs: createSqlJobQueue(database, Date.now, cipher),
  };
}

/** The same state on Redis, shared by every instance; workers take jobs from BullMQ. */
function openRedisState(
  url: string,
  config: Config,
  logger: Logger,
  database: SqlDatabase,
  cipher: ContentCipher,
  closers: Closers,
  healthChecks: HealthCheck[],
): { state: SharedState; commands: Redis } {
  const redisOptions = { url, commandTimeoutMs: config.redisCommandTimeoutMs, logger };
  const redis = createRedis({ ...redisOptions, role: 'commands' });
  const subscriber = createRedis({ ...redisOptions, role: 'revocations-subscriber' });
  // Every key and channel under QUIRE_REDIS_PREFIX: deployments sharing this Redis stay apart.
  const names = redisNamespace(config.redisPrefix);
  const rateLimits = createRedisRateLimitStore(redis, names.rateLimitKeys);
  const revocations = createRedisKeyRevocations(redis, subscriber, names.revocationChannel);
  // The job records stay in SQL; BullMQ only hands them out.
  const jobs = createBullmqJobQueue({
    database,
    connection: { url },
    prefix: names.bullmqPrefix,
    cipher,
    leaseMs: config.jobLeaseMs,
    onError: (error, context) => logger.warn({ err: error }, `job queue: ${context}`),
  });
  closers.add(() => jobs.close());
  closers.add(async () => {
    await revocations.close();
    await rateLimits.close();
  });
  healthChecks.push({
    name: 'redis',
    // Rate limits fail open or closed without it; the job queue's own check (`queue`) is critical.
    critical: false,
    check: async () => {
      await redis.ping();
    },
  });
  const idempotency = createRedisIdempotencyStore(redis, { prefix: names.idempotencyKeys });
  return { state: { rateLimits, revocations, idempotency, jobs }, commands: redis };
}
