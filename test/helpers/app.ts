/**
 * Builds the real app (every plugin, as in production) on a fresh temporary data directory,
 * with its logs captured. Tests may add routes before the first request.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { captureLogs, type LogLine } from './logs.js';
import type { SemanticModel } from '../../src/ports/semantic-model.js';
import type { SqlDatabase } from '../../src/adapters/sql/database.js';

/** The bootstrap admin key every test app starts with (tenant `default`, every scope). */
export const TEST_ADMIN_KEY = 'qk_test-admin-key-000000000000000000000000';

export interface TestApp {
  app: App;
  /** `Authorization` headers of the bootstrap admin key. */
  admin: { authorization: string };
  config: Config;
  logs: LogLine[];
  dataDir: string;
}

// Cleanups run once, after every test of the file: a hook registered inside a suite's `before`
// would run right after that hook instead.
const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** Runs `cleanup` after the file's last test, in reverse order of registration. */
export function onCleanup(cleanup: () => unknown): void {
  cleanups.push(cleanup);
}

export function tempDir(prefix = 'quire-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface TestAppOptions {
  /** The extraction worker-thread module (fault tests use test/fixtures/fault-worker.ts). */
  extractionWorkerFile?: string;
  /** A semantic model the test opened and will close (instead of QUIRE_RERANK_MODEL_DIR). */
  semanticModel?: SemanticModel;
  /** A database the test opened, migrated and will close (so it can look inside). */
  database?: SqlDatabase;
}

/** `env` uses the real variable names, so tests exercise the config parser too. */
export async function buildTestApp(
  env: Record<string, string> = {},
  options: TestAppOptions = {},
): Promise<TestApp> {
  const dataDir = tempDir();
  const config = loadConfig({
    QUIRE_DATA_DIR: dataDir,
    QUIRE_LOG_LEVEL: 'debug',
    QUIRE_BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY,
    // Many apps start in one test process, each start blocking the shared event loop; shedding
    // on that delay would fail unrelated tests. The load-shedding tests turn it back on.
    QUIRE_MAX_EVENT_LOOP_DELAY_MS: '0',
    // No thread warmed up at start: many apps start per test file, and each one's readiness would
    // wait for its warm-up. The warm-up is tested where it is asked for (readiness-warm-up.test.ts,
    // and real processes in test/system/extraction-warm-up.test.ts).
    QUIRE_EXTRACTION_WARM_THREADS: '0',
    ...env,
  });
  const { logger, lines } = captureLogs();
  const app = await buildApp({ config, logger, ...options });
  onCleanup(() => app.close());
  return {
    app,
    config,
    logs: lines,
    dataDir,
    admin: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
  };
}

/** The request log line written for one request id. */
export function requestLine(logs: LogLine[], requestId: string): LogLine | undefined {
  return logs.find((line) => line.msg === 'request' && line.request_id === requestId);
}

/** Creates an API key through the admin API (as an operator would) and returns it. */
export async function createApiKey(
  t: TestApp,
  body: Record<string, unknown>,
): Promise<{ id: string; key: string }> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/v1/admin/api-keys',
    headers: t.admin,
    payload: body,
  });
  if (response.statusCode !== 201)
    throw new Error(`creating a key failed: ${response.statusCode} ${response.body}`);
  return response.json() as { id: string; key: string };
}
