/** Quire's whole app as a benchmark target, inside its child process (see serve.ts). */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig, type Environment } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { HOST, type RunningTarget } from './serve.js';

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
