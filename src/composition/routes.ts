/**
 * The whole API surface, in one place and in the order the OpenAPI document lists it (a user's
 * journey: documents, jobs, search, rerank, convert, pii, webhooks, admin, meta). Routes are
 * thin: each gets the services (and the few settings) it needs.
 */
import type { Config } from '../config.js';
import { PII_TYPES, redactPii } from '../domain/pii/index.js';
import { adminRoutes } from '../http/routes/admin.js';
import { CONSOLE_PREFIX, consoleRoutes } from '../http/routes/console.js';
import { convertDataRoutes } from '../http/routes/convert-data.js';
import { convertRoutes } from '../http/routes/convert.js';
import { contentRoutes } from '../http/routes/document-content.js';
import { chunkRoutes } from '../http/routes/document-chunks.js';
import { documentRoutes } from '../http/routes/documents.js';
import { jobRoutes } from '../http/routes/jobs.js';
import { metaRoutes } from '../http/routes/meta.js';
import { piiRoutes } from '../http/routes/pii.js';
import { rerankRoutes } from '../http/routes/rerank.js';
import { searchRoutes } from '../http/routes/search.js';
import { webhookRoutes } from '../http/routes/webhooks.js';
import type { Clock } from '../ports/clock.js';
import type { Adapters } from './adapters.js';
import { builtConsoleDir } from './console-dir.js';
import type { Metrics } from '../observability/metrics.js';
import type { App } from './http-server.js';
import type { Pools } from './pools.js';
import type { Services } from './services.js';

export interface RouteContext {
  config: Config;
  clock: Clock;
  adapters: Adapters;
  pools: Pools;
  services: Services;
  metrics: Pick<Metrics, 'readiness' | 'readinessChanges'>;
}

export async function registerRoutes(app: App, context: RouteContext): Promise<void> {
  const { config, clock, adapters, pools, services, metrics } = context;
  await app.register(documentRoutes, {
    documents: services.documents,
    fetcher: adapters.fetcher,
    maxTextBytes: config.maxTextBytes,
  });
  await app.register(contentRoutes, {
    documents: services.documents,
    redact: (text) => redactPii(text, PII_TYPES, 'label', clock.now()).text,
  });
  await app.register(chunkRoutes, { documents: services.documents });
  await app.register(jobRoutes, {
    jobs: services.jobs,
    eventPollMs: 250,
    maxStreams: config.sseMaxStreams,
  });
  await app.register(searchRoutes, { search: services.search });
  await app.register(rerankRoutes, { service: services.reranker });
  await app.register(convertRoutes, { conversions: services.conversions });
  await app.register(convertDataRoutes, { converter: pools.dataConverter });
  await app.register(piiRoutes, { maxTextBytes: config.maxTextBytes, clock });
  await app.register(webhookRoutes, { webhooks: services.webhooks.subscriptions });
  await app.register(adminRoutes, {
    apiKeys: services.apiKeys,
    audit: adapters.audit,
    rejections: services.rejections,
    documents: adapters.uow.stores.documents,
    jobs: adapters.uow.stores.jobs,
  });
  const consoleDir = builtConsoleDir(config);
  if (consoleDir !== null) await app.register(consoleRoutes, { dir: consoleDir });
  await app.register(metaRoutes, {
    readiness: metrics.readiness,
    readinessChanges: metrics.readinessChanges,
    ...(consoleDir !== null && { home: CONSOLE_PREFIX }),
  });
}
