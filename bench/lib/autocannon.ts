/**
 * A narrow typed wrapper around autocannon 9 (CommonJS, no bundled types, @types not installed):
 * only the options and result fields the benchmarks read are declared.
 */
import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';

export interface AutocannonOptions {
  url: string;
  connections: number;
  pipelining: number;
  /** Seconds. */
  duration: number;
  /** Seconds before a request counts as timed out. */
  timeout?: number;
  headers?: Record<string, string>;
  method?: 'GET' | 'POST';
  body?: string;
  /** Requests per second across all connections (a fixed rate instead of as fast as it can). */
  overallRate?: number;
}

/** autocannon's summary of one histogram (latency in ms, requests per second, bytes per second). */
export interface AutocannonHistogram {
  average: number;
  mean: number;
  stddev: number;
  min: number;
  max: number;
  total?: number;
  p50: number;
  p90: number;
  p97_5: number;
  p99: number;
  p99_9: number;
}

export interface AutocannonResult {
  url: string;
  connections: number;
  pipelining: number;
  /** Seconds actually run. */
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  resets: number;
  '2xx': number;
  '4xx': number;
  '5xx': number;
  statusCodeStats: Record<string, { count: number }>;
  /** Whole milliseconds: autocannon's histogram truncates sub-millisecond latencies. */
  latency: AutocannonHistogram;
  requests: AutocannonHistogram & { total: number; sent: number };
  throughput: AutocannonHistogram;
}

/** The running instance: an event emitter that can be stopped early. */
export interface AutocannonInstance extends EventEmitter {
  stop(): void;
  on(
    event: 'response',
    listener: (
      client: unknown,
      statusCode: number,
      resBytes: number,
      responseTimeMs: number,
    ) => void,
  ): this;
  on(event: string, listener: (...args: unknown[]) => void): this;
}

type AutocannonFunction = (
  options: AutocannonOptions,
  callback: (error: Error | null, result: AutocannonResult) => void,
) => AutocannonInstance;

const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as AutocannonFunction;

/**
 * Runs autocannon once. `onStart` gets the instance before any request is sent (to listen for
 * responses). The run is bounded: past `duration + graceSeconds` it is stopped and rejected.
 */
export function runLoad(
  options: AutocannonOptions,
  onStart?: (instance: AutocannonInstance) => void,
  graceSeconds = 30,
): Promise<AutocannonResult> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const instance = autocannon(options, (error, result) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (error !== null) reject(error);
      else resolve(result);
    });
    const deadline = setTimeout(
      () => {
        if (settled) return;
        settled = true;
        instance.stop();
        reject(new Error(`autocannon did not finish within ${options.duration + graceSeconds} s`));
      },
      (options.duration + graceSeconds) * 1000,
    );
    deadline.unref();
    onStart?.(instance);
  });
}
