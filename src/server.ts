/**
 * The process around the app: listen, then shut down in order on SIGTERM/SIGINT —
 * readiness off at once → (optional delay for load balancers) → stop accepting → drain in-flight
 * requests → close stores → exit 0. Past QUIRE_SHUTDOWN_TIMEOUT_MS, or on a second signal, the
 * process exits 1 without waiting further.
 */
import type { Logger } from 'pino';
import { buildApp, type App } from './app.js';
import { activeTracing } from './composition/tracing.js';
import type { Config } from './config.js';
import { bootstrapKeyNotice } from './start-banner.js';

export interface RunningServer {
  app: App;
  /** The address actually bound (port 0 picks a free one). */
  url: string;
  /** The admin key this start created (API roles only; a worker printed it), shown once. */
  adminKey?: string;
  /** Starts the ordered shutdown; resolves when the app is closed. Idempotent. */
  shutdown(reason: string): Promise<void>;
}

export interface StartOptions {
  config: Config;
  logger: Logger;
  /** Called with the built app before it listens (tests and benchmarks add routes here). */
  extend?: (app: App) => Promise<void> | void;
  /** Install SIGTERM/SIGINT handlers that shut down and exit the process. Default true. */
  handleSignals?: boolean;
  /** The signals that shut down (default SIGTERM and SIGINT), and ones to ignore instead. */
  signals?: readonly NodeJS.Signals[];
  ignoredSignals?: readonly NodeJS.Signals[];
  /** The extraction worker-thread module (tests inject faults with their own). */
  extractionWorkerFile?: string;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

export async function startServer({
  config,
  logger,
  extend,
  handleSignals = true,
  signals = SIGNALS,
  ignoredSignals = [],
  extractionWorkerFile,
}: StartOptions): Promise<RunningServer> {
  // The API roles hand a created admin key to the start banner (printed by the CLI once the
  // address is known); a worker prints it at once.
  const servesApi = config.role !== 'worker';
  let adminKey: string | undefined;
  const app = await buildApp({
    config,
    logger,
    ...(extractionWorkerFile === undefined ? {} : { extractionWorkerFile }),
    revealBootstrapKey: (key) => {
      if (servesApi) adminKey = key;
      else process.stdout.write(bootstrapKeyNotice(key));
    },
  });
  await extend?.(app);
  const url = await app.listen({ host: config.host, port: config.port });
  logger.info({ url, role: config.role, pid: process.pid }, 'quire listening');

  let closing: Promise<void> | undefined;
  function shutdown(reason: string): Promise<void> {
    closing ??= (async () => {
      logger.info({ reason }, 'shutdown started: readiness off');
      app.lifecycle.shuttingDown = true;
      if (config.shutdownDelayMs > 0) {
        await new Promise((resolve) => setTimeout(resolve, config.shutdownDelayMs));
      }
      await app.close();
      // The spans of the last requests and jobs leave before the process does.
      await activeTracing()
        ?.shutdown()
        .catch((error: unknown) => logger.warn({ err: error }, 'flushing traces failed'));
      logger.info('shutdown complete');
    })();
    return closing;
  }

  if (handleSignals) {
    const onSignal = (signal: NodeJS.Signals): void => {
      if (closing !== undefined) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      const deadline = setTimeout(() => {
        logger.error({ timeout_ms: config.shutdownTimeoutMs }, 'shutdown timed out: exiting now');
        process.exit(1);
      }, config.shutdownTimeoutMs);
      deadline.unref();
      shutdown(signal).then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    for (const signal of signals) process.on(signal, onSignal);
    for (const signal of ignoredSignals) process.on(signal, () => undefined);
    process.on('unhandledRejection', (error) => {
      logger.fatal({ err: error }, 'unhandled rejection: shutting down');
      onSignal('SIGTERM');
    });
  }

  return { app, url, shutdown, ...(adminKey === undefined ? {} : { adminKey }) };
}
