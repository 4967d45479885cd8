/**
 * The request loops of `npm run bench:rerank`: one connection after another, a closed loop of N
 * concurrent clients, a /livez probe that shows how the API thread answers meanwhile, and
 * readings of the server's own Prometheus metrics.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface Posted {
  latencies: number[];
  /** `meta` of every measured 200 answer (rerank and similarity both carry one). */
  metas: Array<{ took_ms?: number; degraded?: boolean; degraded_reason?: string }>;
  failures: number;
}

async function postOnce(
  url: string,
  key: string,
  body: string,
): Promise<{ status: number; ms: number; text: string }> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body,
  });
  const text = await response.text();
  return { status: response.status, ms: performance.now() - started, text };
}

/** `warmup` unmeasured requests, then `count` measured ones, one at a time on one connection. */
export async function postSequential(
  url: string,
  key: string,
  body: string,
  count: number,
  warmup: number,
): Promise<Posted> {
  const posted: Posted = { latencies: [], metas: [], failures: 0 };
  for (let i = 0; i < count + warmup; i++) {
    const answer = await postOnce(url, key, body);
    if (answer.status !== 200) {
      throw new Error(`${url} answered ${answer.status}: ${answer.text.slice(0, 500)}`);
    }
    if (i < warmup) continue;
    posted.latencies.push(answer.ms);
    posted.metas.push((JSON.parse(answer.text) as { meta: Posted['metas'][number] }).meta);
  }
  return posted;
}

export interface ClosedLoop extends Posted {
  clients: number;
  /** From the first request to the last answer (requests still running at the end finish). */
  elapsedS: number;
  perMinute: number;
}

/**
 * `clients` loops, each sending its next request as soon as its last is answered, until
 * `durationS` has passed; the ones in flight then finish and count.
 */
export async function closedLoop(
  url: string,
  key: string,
  body: string,
  clients: number,
  durationS: number,
): Promise<ClosedLoop> {
  const posted: Posted = { latencies: [], metas: [], failures: 0 };
  const started = performance.now();
  const end = started + durationS * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const answer = await postOnce(url, key, body).catch(() => undefined);
        if (answer?.status !== 200) {
          posted.failures += 1;
          continue;
        }
        posted.latencies.push(answer.ms);
        posted.metas.push((JSON.parse(answer.text) as { meta: Posted['metas'][number] }).meta);
      }
    }),
  );
  const elapsedS = (performance.now() - started) / 1000;
  return {
    ...posted,
    clients,
    elapsedS: Math.round(elapsedS * 10) / 10,
    perMinute: Math.round((posted.latencies.length * 60) / elapsedS),
  };
}

/** GET `url` every `intervalMs` until stopped; the latencies show how the event loop answers. */
export function startProbe(url: string, intervalMs = 50): { stop(): Promise<number[]> } {
  const latencies: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      const response = await fetch(url);
      await response.arrayBuffer();
      latencies.push(performance.now() - started);
      await sleep(intervalMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return latencies;
    },
  };
}

/** The sum of every sample of `name` (all label sets) in the server's GET /metrics. */
export async function readMetric(baseUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) {
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return sum;
}

/**
 * The server's event-loop delay p99 (ms) since the previous scrape: prom-client resets its
 * delay histogram at every collection, so scrape once before a phase and once after it.
 */
export async function eventLoopP99Ms(baseUrl: string): Promise<number> {
  return (await readMetric(baseUrl, 'nodejs_eventloop_lag_p99_seconds')) * 1000;
}
