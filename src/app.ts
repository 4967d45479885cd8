/**
 * The composition root, and the map of the service: it reads top to bottom as Quire is built —
 * settings → adapters → worker pools → metrics → services → background workers → HTTP (plugins,
 * then routes) — each step a named function in src/composition/. Tests build the app from here
 * without listening; src/server.ts listens and handles signals.
 */
import type { Logger } from 'pino';
import type { SqlDatabase } from './adapters/sql/database.js';
import { openAdapters, type Adapters } from './composition/adapters.js';
import { Closers } from './composition/closers.js';
import {
  exposeOperationalState,
  registerCrossCutting,
  registerRequestGates,
} from './composition/http-plugins.js';
import { createHttpServer, type App } from './composition/http-server.js';
import { openPools, type InjectedPools, type Pools } from './composition/pools.js';
import { registerRoutes } from './composition/routes.js';
import { buildServices, prepareAuthentication, type Services } from './composition/services.js';
import type { Config } from './config.js';
import { createWorkers, type Workers } from './jobs/start.js';
import {
  createJobMetrics,
  createExtractionThreadMetrics,
  createMetrics,
  createRegistry,
  createStorageMetrics,
  type Metrics,
} from './observability/metrics.js';
import { systemClock, type Clock } from './ports/clock.js';
import { bootstrapKeyNotice } from './start-banner.js';

export type { App };

export interface BuildAppOptions extends InjectedPools {
  config: Config;
  logger: Logger;
  /** A database the caller opened and will close; by default the app opens one from config. */
  database?: SqlDatabase;
  /** Shown the generated bootstrap admin key, once (default: printed on stdout). */
  revealBootstrapKey?: (key: string) => void;
}

function printBootstrapKey(key: string): void {
  process.stdout.write(bootstrapKeyNotice(key));
}

export async function buildApp(options: BuildAppOptions): Promise<App> {
  const { config, logger } = options;
  // Every time decision of the services reads this clock.
  const clock = systemClock;
  const closers = new Closers();
  try {
    const registry = createRegistry();
    const storage = createStorageMetrics(registry);
    const adapters = await openAdapters({
      config,
      logger,
      ...(options.database === undefined ? {} : { database: options.database }),
      timings: {
        statement: (operation, seconds) =>
          storage.databaseQueryDuration.observe({ operation }, seconds),
        blobCall: (operation, ok, seconds) =>
          storage.blobStoreDuration.observe({ operation, outcome: ok ? 'ok' : 'error' }, seconds),
      },
    });
    closers.add(() => adapters.close());
    const pools = await openPools(config, logger, options, closers);
    createExtractionThreadMetrics(registry, pools.extractionThreads);
    const metrics = createMetrics(
      {
        jobCounts: () => adapters.uow.stores.jobs.countByStatus(),
        breakers: () => adapters.fetcher.breakers(),
      },
      registry,
    );
    const services = buildServices({ config, logger, clock, adapters, pools, metrics });
    await prepareAuthentication(
      { config, logger, adapters },
      services.apiKeys,
      options.revealBootstrapKey ?? printBootstrapKey,
    );
    const workers = backgroundWorkers({
      config,
      logger,
      clock,
      adapters,
      pools,
      services,
      metrics,
    });
    // Workers hand unfinished jobs back before the pools and stores they use close.
    if (workers !== null) closers.add(() => workers.stop());
    return await serveHttp(
      { config, logger, clock, adapters, pools, services, metrics },
      {
        workers,
        closers,
      },
    );
  } catch (error) {
    await closers.close();
    throw error;
  }
}

interface Built {
  config: Config;
  logger: Logger;
  clock: Clock;
  adapters: Adapters;
  pools: Pools;
  services: Services;
  metrics: Metrics;
}

/** The job runners, in processes that run jobs (QUIRE_ROLE all or worker); null otherwise. */
function backgroundWorkers(built: Built): Workers | null {
  const { config, logger, clock, adapters, pools, services, metrics } = built;
  if (config.role === 'api') return null;
  return createWorkers({
    config,
    logger,
    clock,
    queue: adapters.jobs,
    fetcher: adapters.fetcher,
    extractor: pools.extractor,
    libreOffice: pools.libreOffice,
    documents: services.documents,
    content: adapters.uow.stores.content,
    embedder: services.embedder,
    webhooks: services.webhooks.deliveries,
    metrics: createJobMetrics(metrics.registry),
  });
}

/**
 * The HTTP side: the server, its plugins, then its routes. Closing the app drains HTTP first,
 * then closes everything else (onClose runs last), workers first.
 */
async function serveHttp(
  built: Built,
  { workers, closers }: { workers: Workers | null; closers: Closers },
): Promise<App> {
  const { config, logger, adapters, pools, metrics } = built;
  const app = createHttpServer(config, logger);
  app.addHook('onClose', () => closers.close());
  await registerCrossCutting(app, metrics);
  exposeOperationalState(app, adapters, [...adapters.healthChecks, ...pools.healthChecks]);
  await registerRequestGates(app, built);
  await registerRoutes(app, built);
  if (workers !== null) app.addHook('onReady', async () => workers.start());
  return app;
}
