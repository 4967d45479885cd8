/**
 * The semantic rows of `npm run bench:rerank`: Quire in its own process with a generated model
 * (QUIRE_RERANK_MODEL_DIR), measured through HTTP. Two kinds of run:
 *
 * - `measureModel`: the deadline raised out of the way (QUIRE_RERANK_DEADLINE_MS=120000) so the
 *   figures are the model's, never a lexical fallback: semantic and hybrid rerank latency one
 *   request at a time, a similarity pair, throughput of a closed loop of concurrent clients, the
 *   server's event-loop delay p99 (its own prom-client monitor) and a /livez probe's p99 while
 *   semantic requests run, degraded answers (must be 0) and the server's peak RSS.
 * - `measureOverload`: the default 2 s deadline and more concurrent hybrid requests than one
 *   inference thread can serve: what share degrades to lexical, and how long answers take.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { envWithoutQuireSettings, startTarget, stopChild, type Target } from './children.js';
import { RssSampler } from './proc.js';
import { ROOT, round } from './report.js';
import {
  closedLoop,
  eventLoopP99Ms,
  postSequential,
  readMetric,
  startProbe,
  type Posted,
} from './rerank-requests.js';
import { summarizeLatencies, type LatencySummary } from './stats.js';

export interface ModelServer {
  name: string;
  entry: string;
  key: string;
  modelDir: string;
}

export interface RerankBodies {
  /** A rerank request body without `method`. */
  rerank: Record<string, unknown>;
  /** A similarity request body (one source, one target) without `method`. */
  similarity: Record<string, unknown>;
}

export interface ModelRow {
  model: string;
  semantic: LatencySummary;
  hybrid: LatencySummary;
  similarityPair: LatencySummary;
  throughput: {
    method: 'hybrid';
    clients: number;
    elapsedS: number;
    requests: number;
    perMinute: number;
    p50Ms: number;
    p99Ms: number;
    failures: number;
  };
  /** Largest of the server's event-loop delay p99 over the semantic, hybrid and load phases. */
  eventLoopP99Ms: number;
  /** p99 of GET /livez sent every 50 ms during those phases. */
  livezP99Ms: number;
  /** Answers that fell back to lexical (rerank_degraded_total); any makes the row invalid. */
  degraded: number;
  peakRssMb: number | undefined;
  valid: boolean;
}

export interface OverloadRow {
  model: string;
  clients: number;
  deadlineMs: number;
  elapsedS: number;
  requests: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  failures: number;
  /** Share of answers that came back lexical with meta.degraded. */
  degradedShare: number;
  /** Degraded answers by meta.degraded_reason (deadline, open_circuit…). */
  degradedReasons: Record<string, number>;
  /** The server's own count of degraded answers over the run (rerank_degraded_total). */
  degradedCounted: number;
  peakRssMb: number | undefined;
}

async function withServer<T>(
  server: ModelServer,
  env: Record<string, string>,
  run: (target: Target, rss: RssSampler) => Promise<T>,
): Promise<T> {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'quire-bench-rerank-'));
  const target = await startTarget({
    name: server.name,
    entry: server.entry,
    args: [dataDir],
    cwd: ROOT,
    env: {
      ...envWithoutQuireSettings(),
      QUIRE_BOOTSTRAP_ADMIN_KEY: server.key,
      QUIRE_RATE_LIMIT_SEARCH: '100000000',
      QUIRE_RERANK_MODEL_DIR: server.modelDir,
      ...env,
    },
  });
  const rss = new RssSampler(target.child.pid).start();
  try {
    return await run(target, rss);
  } finally {
    rss.stop();
    await stopChild(target.child, server.name);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const peakMb = (rss: RssSampler): number | undefined => {
  const peak = rss.stop().peakBytes;
  return peak === undefined ? undefined : round(peak / 1024 / 1024, 1);
};

const countDegraded = (posted: Posted): number =>
  posted.metas.filter((meta) => meta.degraded === true).length;

function countReasons(posted: Posted): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const meta of posted.metas) {
    if (meta.degraded === true) {
      const reason = meta.degraded_reason ?? 'unknown';
      counts[reason] = (counts[reason] ?? 0) + 1;
    }
  }
  return counts;
}

export async function measureModel(
  server: ModelServer,
  bodies: RerankBodies,
  plan: { runs: number; clients: number; loadS: number },
): Promise<ModelRow> {
  return withServer(server, { QUIRE_RERANK_DEADLINE_MS: '120000' }, async (target, rss) => {
    const rerankUrl = `${target.url}/v1/rerank`;
    const similarityUrl = `${target.url}/v1/similarity`;
    const body = (method: string) => JSON.stringify({ ...bodies.rerank, method });
    // The first request opens the model's session; warm-up keeps that out of the figures.
    await postSequential(rerankUrl, server.key, body('semantic'), 0, 2);

    const lags: number[] = [];
    const probe = startProbe(`${target.url}/livez`);
    await eventLoopP99Ms(target.url); // resets the server's delay histogram
    console.log(`  ${server.name}: ${plan.runs} semantic requests`);
    const semantic = await postSequential(rerankUrl, server.key, body('semantic'), plan.runs, 0);
    lags.push(await eventLoopP99Ms(target.url));
    console.log(`  ${server.name}: ${plan.runs} hybrid requests`);
    const hybrid = await postSequential(rerankUrl, server.key, body('hybrid'), plan.runs, 0);
    lags.push(await eventLoopP99Ms(target.url));
    console.log(`  ${server.name}: hybrid, ${plan.clients} clients for ${plan.loadS} s`);
    const load = await closedLoop(rerankUrl, server.key, body('hybrid'), plan.clients, plan.loadS);
    lags.push(await eventLoopP99Ms(target.url));
    const livez = await probe.stop();

    const similarityBody = JSON.stringify({ ...bodies.similarity, method: 'semantic' });
    const similarity = await postSequential(similarityUrl, server.key, similarityBody, 50, 5);
    const degraded =
      countDegraded(semantic) +
      countDegraded(hybrid) +
      countDegraded(load) +
      countDegraded(similarity);
    const loadLatency = summarizeLatencies(load.latencies);
    return {
      model: server.name,
      semantic: summarizeLatencies(semantic.latencies),
      hybrid: summarizeLatencies(hybrid.latencies),
      similarityPair: summarizeLatencies(similarity.latencies),
      throughput: {
        method: 'hybrid',
        clients: load.clients,
        elapsedS: load.elapsedS,
        requests: load.latencies.length,
        perMinute: load.perMinute,
        p50Ms: loadLatency.p50Ms,
        p99Ms: loadLatency.p99Ms,
        failures: load.failures,
      },
      eventLoopP99Ms: round(Math.max(...lags), 1),
      livezP99Ms: summarizeLatencies(livez).p99Ms,
      degraded,
      peakRssMb: peakMb(rss),
      valid: degraded === 0 && load.failures === 0,
    };
  });
}

export async function measureOverload(
  server: ModelServer,
  bodies: RerankBodies,
  plan: { clients: number; loadS: number; deadlineMs: number },
): Promise<OverloadRow> {
  const env = { QUIRE_RERANK_DEADLINE_MS: String(plan.deadlineMs) };
  return withServer(server, env, async (target, rss) => {
    const rerankUrl = `${target.url}/v1/rerank`;
    const body = JSON.stringify({ ...bodies.rerank, method: 'hybrid' });
    await postSequential(rerankUrl, server.key, body, 0, 2);
    console.log(`  ${server.name}: hybrid, ${plan.clients} clients for ${plan.loadS} s`);
    const degradedBefore = await readMetric(target.url, 'rerank_degraded_total');
    const load = await closedLoop(rerankUrl, server.key, body, plan.clients, plan.loadS);
    const degradedAfter = await readMetric(target.url, 'rerank_degraded_total');
    const latency = summarizeLatencies(load.latencies);
    const answered = load.latencies.length;
    return {
      model: server.name,
      clients: plan.clients,
      deadlineMs: plan.deadlineMs,
      elapsedS: load.elapsedS,
      requests: answered,
      perSecond: round(answered / load.elapsedS, 1),
      p50Ms: latency.p50Ms,
      p99Ms: latency.p99Ms,
      failures: load.failures,
      degradedShare: round(countDegraded(load) / Math.max(1, answered), 3),
      degradedReasons: countReasons(load),
      degradedCounted: degradedAfter - degradedBefore,
      peakRssMb: peakMb(rss),
    };
  });
}
