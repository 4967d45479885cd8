/**
 * GET /metrics in one of a cluster's API processes (src/api-cluster.ts): the process asks the
 * primary, which collects every process's registry through prom-client and sums counters and
 * histograms (gauges as each one says), so any process answers for the whole cluster.
 */
import { AggregatorRegistry, type Registry } from 'prom-client';
import { isClusterMessage } from '../api-cluster.js';
import type { MetricsExposition } from '../http/plugins/metrics.js';

/** Longer than prom-client's own 5 s wait for the processes' answers. */
const PRIMARY_TIMEOUT_MS = 10_000;

export function clusterMetricsExposition(registry: Registry): MetricsExposition {
  // Answers the primary's collection requests with this registry.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
  const waiting = new Map<number, (reply: { text?: string; error?: string }) => void>();
  let nextId = 0;
  process.on('message', (message: unknown) => {
    if (!isClusterMessage(message) || message.type !== 'quire:metrics-reply') return;
    waiting.get(message.id)?.(message);
  });
  return {
    contentType: registry.contentType,
    metrics: () =>
      new Promise<string>((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`the cluster's primary did not answer within ${PRIMARY_TIMEOUT_MS} ms`));
        }, PRIMARY_TIMEOUT_MS);
        waiting.set(id, ({ text, error }) => {
          clearTimeout(timer);
          waiting.delete(id);
          if (text === undefined) reject(new Error(error ?? 'no metrics from the primary'));
          else resolve(text);
        });
        process.send?.({ type: 'quire:metrics-request', id });
      }),
  };
}
