/**
 * The server side of `npm run bench:http`, run in its own process by bench/http.ts:
 *
 *   node --import tsx bench/http-target.ts bare|full [data-dir]
 *
 * `bare`: plain Fastify 5, logger off, one JSON route. `full`: Quire's whole plugin stack from
 * buildApp (logging on at info, to /dev/null) with the same route added. Prints its URL as the
 * first stdout line. Exits on SIGTERM/SIGINT, when its stdin closes (the parent went away), or
 * past a maximum lifetime, so it can never outlive the benchmark for long.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { pino } from 'pino';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { BENCH_PAYLOAD, BENCH_ROUTE } from './lib/bench-route.js';

const HOST = '127.0.0.1';
const CLOSE_TIMEOUT_MS = 5_000;
const MAX_LIFETIME_MS = ((): number => {
  const value = Number(process.env.BENCH_TARGET_MAX_LIFETIME_MS);
  return Number.isFinite(value) && value > 0 ? value : 30 * 60 * 1000;
})();

/**
 * One load generator on one address would hit per-client rate limits within a second and then
 * measure 429s. Limits this high keep the limiter running (its cost is counted) without ever
 * tripping. The environment wins over these; names a Quire version does not know are ignored.
 */
const NEVER_TRIPPING = String(1_000_000_000);
const NEVER_TRIPPING_RATE_LIMITS = {
  QUIRE_RATE_LIMIT_META: NEVER_TRIPPING,
  QUIRE_RATE_LIMIT_READ: NEVER_TRIPPING,
  QUIRE_RATE_LIMIT_WRITE: NEVER_TRIPPING,
  QUIRE_RATE_LIMIT_UPLOAD: NEVER_TRIPPING,
  QUIRE_RATE_LIMIT_SEARCH: NEVER_TRIPPING,
  QUIRE_RATE_LIMIT_ADMIN: NEVER_TRIPPING,
};

interface Target {
  url: string;
  close(): Promise<void>;
}

async function startBare(): Promise<Target> {
  const app = Fastify({ logger: false });
  app.get(BENCH_ROUTE, async () => BENCH_PAYLOAD);
  const url = await app.listen({ host: HOST, port: 0 });
  return { url, close: () => app.close() };
}

async function startFull(givenDataDir: string | undefined): Promise<Target> {
  const dataDir = givenDataDir ?? mkdtempSync(join(tmpdir(), 'quire-bench-'));
  const removeDataDir = (): void => {
    if (givenDataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
  };
  let app: App | undefined;
  try {
    const config = loadConfig({
      ...NEVER_TRIPPING_RATE_LIMITS,
      ...process.env,
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
    built.get(BENCH_ROUTE, async () => BENCH_PAYLOAD);
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

async function main(): Promise<void> {
  const [mode, dataDir] = process.argv.slice(2);
  if (mode !== 'bare' && mode !== 'full') {
    console.error('usage: node --import tsx bench/http-target.ts bare|full [data-dir]');
    process.exit(2);
  }
  const target = mode === 'bare' ? await startBare() : await startFull(dataDir);

  let closing = false;
  const stop = (reason: string): void => {
    if (closing) return;
    closing = true;
    const deadline = setTimeout(() => {
      console.error(`http-target(${mode}): close timed out after ${reason}; exiting`);
      process.exit(1);
    }, CLOSE_TIMEOUT_MS);
    deadline.unref();
    target.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`http-target(${mode}): close failed`, error);
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

main().catch((error: unknown) => {
  console.error('http-target: failed to start', error);
  process.exit(1);
});
