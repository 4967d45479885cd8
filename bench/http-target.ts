/**
 * The server side of `npm run bench:http`, run in its own process by bench/http.ts:
 *
 *   node --import tsx bench/http-target.ts bare [document.json] | full|traced [data-dir]
 *
 * `bare`: plain Fastify 5, logger off, one JSON route; given a file, also GET
 * /v1/documents/:id answering that file's JSON (a document as Quire's full stack serves it). `full`: Quire's whole plugin stack from
 * buildApp (logging on at info, to /dev/null) with the same route added. `traced`: `full` with
 * OpenTelemetry started as `quire start` starts it, from the OTEL_* variables the benchmark sets
 * (every request sampled and exported to its sink). Prints its URL as the
 * first stdout line. Exits on SIGTERM/SIGINT, when its stdin closes (the parent went away), or
 * past a maximum lifetime, so it can never outlive the benchmark for long.
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { BENCH_DOCUMENT_ROUTE, BENCH_PAYLOAD, BENCH_ROUTE } from './lib/bench-route.js';
import { HOST, serveUntilStopped, type RunningTarget } from './lib/serve.js';
import { startQuire } from './lib/target-process.js';
import { startTracing } from '../src/composition/tracing.js';

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

async function startBare(documentFile: string | undefined): Promise<RunningTarget> {
  const app = Fastify({ logger: false });
  app.get(BENCH_ROUTE, async () => BENCH_PAYLOAD);
  if (documentFile !== undefined && documentFile !== '') {
    const document: unknown = JSON.parse(readFileSync(documentFile, 'utf8'));
    app.get(BENCH_DOCUMENT_ROUTE, async () => document);
  }
  const url = await app.listen({ host: HOST, port: 0 });
  return { url, close: () => app.close() };
}

function startFull(givenDataDir: string | undefined): Promise<RunningTarget> {
  return startQuire({ ...NEVER_TRIPPING_RATE_LIMITS, ...process.env }, givenDataDir, (app) => {
    app.get(BENCH_ROUTE, async () => BENCH_PAYLOAD);
  });
}

async function main(): Promise<void> {
  const [mode, fileOrDir] = process.argv.slice(2);
  if (mode !== 'bare' && mode !== 'full' && mode !== 'traced') {
    console.error(
      'usage: node --import tsx bench/http-target.ts bare [document.json] | full|traced [data-dir]',
    );
    process.exit(2);
  }
  if (mode === 'traced' && (await startTracing(process.env)) === null) {
    console.error('http-target(traced): the OTEL_* variables do not turn tracing on');
    process.exit(2);
  }
  const target = mode === 'bare' ? await startBare(fileOrDir) : await startFull(fileOrDir);
  serveUntilStopped(`http-target(${mode})`, target);
}

main().catch((error: unknown) => {
  console.error('http-target: failed to start', error);
  process.exit(1);
});
