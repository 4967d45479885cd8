/**
 * The server side of `npm run bench:auth` and `npm run bench:ingest`, run in its own process:
 *
 *   node --import tsx bench/app-target.ts <data-dir>
 *
 * Quire's whole app from buildApp, configured by this process's environment (the benchmark sets
 * QUIRE_AUTH, rate limits, Redis, keys…; data dir, host, port and log level are set here), logging
 * at info to /dev/null, plus one authenticated read route, GET /bench/read (scope documents:read,
 * rate class read), that answers `{ ok: true, tenant }`. Prints its URL as the first stdout line;
 * exits on SIGTERM/SIGINT, when its stdin closes, or past a maximum lifetime.
 */
import { BENCH_READ_ROUTE } from './lib/bench-route.js';
import { serveUntilStopped } from './lib/serve.js';
import { startQuire } from './lib/target-process.js';

async function main(): Promise<void> {
  const [dataDir] = process.argv.slice(2);
  if (dataDir === undefined || dataDir === '') {
    console.error('usage: node --import tsx bench/app-target.ts <data-dir>');
    process.exit(2);
  }
  const target = await startQuire(process.env, dataDir, (app) => {
    app.get(
      BENCH_READ_ROUTE,
      { config: { scope: 'documents:read', rateClass: 'read' } },
      async (request) => ({ ok: true, tenant: request.principal?.tenantId }),
    );
  });
  serveUntilStopped('app-target', target);
}

main().catch((error: unknown) => {
  console.error('app-target: failed to start', error);
  process.exit(1);
});
