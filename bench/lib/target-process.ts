/**
 * The server side of a benchmark, inside its child process: builds Quire's whole app (or any
 * server), prints its URL as the first stdout line, and exits on SIGTERM/SIGINT, when its stdin
 * closes (the parent went away), or past a maximum lifetime, so it can never outlive the benchmark
 * for long.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig, type Environment } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';

export const HOST = '127.0.0.1';
const CLOSE_TIMEOUT_MS = 5_000;
const MAX_LIFETIME_MS = ((): number => {
  const value = Number(process.env.BENCH_TARGET_MAX_LIFETIME_MS);
  return Number.isFinite(value) && value > 0 ? value : 30 * 60 * 1000;
})();

export interface RunningTarget {
  url: string;
  close(): Promise<void>;
}

/**
 * Quire's full stack from buildApp, logging at info to /dev/null, listening on 127.0.0.1 at a
 * free port. `env` is the whole environment its config is read from (data dir, host, port and
 * log level are set here). `addRoutes` adds the benchmark's own routes before it listens. Without
 * `givenDataDir` a temporary one is made and removed on close.
 */
export async function startQuire(
  env: Environment,
  givenDataDir: string | undefined,
  addRoutes: (app: App) => void,
): Promise<RunningTarget> {
  const dataDir = givenDataDir ?? mkdtempSync(join(tmpdir(), 'quire-bench-'));
  const removeDataDir = (): void => {
    if (givenDataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
  };
  let app: App | undefined;
  try {
    const config = loadConfig({
      ...env,
      QUIRE_DATA_DIR: dataDir,
      QUIRE_LOG_LEVEL: 'info',
      QUIRE_PORT: '0',
      QUIRE_HOST: HOST,
    });
    const destination = pino.destination('/dev/null');
    await once(destination, 'ready'); // an exit before the file is open would throw in pino's flush
    const logger = createLogger(config.logLevel, destination);
    const built = await buildApp({ config, logger });
    app = built;
    addRoutes(built);
    const url = await built.listen({ host: config.host, port: config.port });
    return {
      url,
      close: async () => {
        try {
          await built.close();
        } finally {
          removeDataDir();
        }
      },
    };
  } catch (error) {
    await app?.close().catch(() => undefined);
    removeDataDir();
    throw error;
  }
}

/** Prints the URL, then serves until told to stop (`name` prefixes messages on stderr). */
export function serveUntilStopped(name: string, target: RunningTarget): void {
  let closing = false;
  const stop = (reason: string): void => {
    if (closing) return;
    closing = true;
    const deadline = setTimeout(() => {
      console.error(`${name}: close timed out after ${reason}; exiting`);
      process.exit(1);
    }, CLOSE_TIMEOUT_MS);
    deadline.unref();
    target.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`${name}: close failed`, error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.stdin.on('end', () => stop('stdin closed'));
  process.stdin.on('error', () => stop('stdin error'));
  process.stdin.resume();
  setTimeout(() => stop('maximum lifetime'), MAX_LIFETIME_MS).unref();

  process.stdout.write(`${target.url}\n`);
}
