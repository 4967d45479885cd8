/**
 * One load measurement against a running target: an autocannon warm-up, then a measured run whose
 * latency percentiles come from a microsecond histogram fed by every 2xx response (autocannon's
 * own rounds to whole milliseconds; it is kept too), with the CPU the server (and this process)
 * used meanwhile.
 */
import { createHistogram } from 'node:perf_hooks';
import { runLoad, type AutocannonHistogram, type AutocannonResult } from './autocannon.js';
import { processCpuMs } from './proc.js';
import { round } from './report.js';

export interface LoadOptions {
  /** Printed before the run: `  <label> @<connections> conn: …`. */
  label: string;
  url: string;
  connections: number;
  pipelining: number;
  durationS: number;
  warmupS: number;
  headers?: Record<string, string>;
  /** A POST with this body instead of a GET. */
  body?: string;
  /** The server's pid, for its CPU use. */
  serverPid: number | undefined;
  /** Other processes whose CPU use during the measured run is reported (Redis, say). */
  observePids?: Record<string, number | undefined>;
}

export interface LoadMeasurement {
  /** Mean of the per-second request counts (autocannon's "Req/Sec Avg"). */
  reqPerSec: number;
  /** Completed requests divided by the measured seconds. */
  reqPerSecOverall: number;
  totalRequests: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number; p99_9: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  durationS: number;
  /** Every request answered 2xx, without errors or timeouts: the figures mean what they say. */
  valid: boolean;
  /** Share of one core used by the server process during the measured run. */
  serverCpuPercent: number | undefined;
  /** Server CPU time per completed request, in µs: less sensitive to other load than req/s. */
  serverCpuUsPerRequest: number | undefined;
  /** Share of one core used by this process (autocannon) during the measured run. */
  loadgenCpuPercent: number | undefined;
  /** Share of one core used by each observed process (only when some were given). */
  observedCpuPercent?: Record<string, number | undefined>;
  autocannon: {
    latencyMs: AutocannonHistogram;
    requests: AutocannonHistogram;
    throughputBytesPerSec: AutocannonHistogram;
  };
}

export async function measureLoad(options: LoadOptions): Promise<LoadMeasurement> {
  const { label, url, connections, pipelining, durationS, warmupS, serverPid } = options;
  const headers = {
    ...(options.headers === undefined ? {} : { headers: options.headers }),
    ...(options.body === undefined ? {} : { method: 'POST' as const, body: options.body }),
  };
  console.log(
    `  ${label} @${connections} conn: ${warmupS > 0 ? `warm-up ${warmupS} s, ` : ''}measure ${durationS} s`,
  );
  if (warmupS > 0) await runLoad({ url, connections, pipelining, duration: warmupS, ...headers });

  // Microseconds, 1 µs to 60 s, 3 significant figures.
  const histogram = createHistogram({ lowest: 1, highest: 60_000_000, figures: 3 });
  const observed = Object.entries(options.observePids ?? {});
  const observedCpu0 = observed.map(([, pid]) => processCpuMs(pid));
  const serverCpu0 = processCpuMs(serverPid);
  const selfCpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const result: AutocannonResult = await runLoad(
    { url, connections, pipelining, duration: durationS, ...headers },
    (instance) =>
      instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
        if (statusCode >= 200 && statusCode < 300) {
          histogram.record(Math.max(1, Math.round(responseTimeMs * 1000)));
        }
      }),
  );
  const wallMs = performance.now() - wall0;
  const serverCpu1 = processCpuMs(serverPid);
  const selfCpu = process.cpuUsage(selfCpu0);
  const observedCpuPercent = Object.fromEntries(
    observed.map(([name, pid], i) => {
      const before = observedCpu0[i];
      const after = processCpuMs(pid);
      return [
        name,
        before !== undefined && after !== undefined
          ? round(((after - before) / wallMs) * 100, 1)
          : undefined,
      ];
    }),
  );

  const ms = (micros: number): number => round(micros / 1000);
  const statusCodes = Object.fromEntries(
    Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]),
  );
  return {
    reqPerSec: round(result.requests.average, 1),
    reqPerSecOverall: round(result.requests.total / result.duration, 1),
    totalRequests: result.requests.total,
    latencyMs: {
      mean: ms(histogram.mean),
      p50: ms(histogram.percentile(50)),
      p90: ms(histogram.percentile(90)),
      p99: ms(histogram.percentile(99)),
      p99_9: ms(histogram.percentile(99.9)),
      max: ms(histogram.max),
    },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes,
    durationS: result.duration,
    valid:
      result.errors === 0 &&
      result.timeouts === 0 &&
      result.non2xx === 0 &&
      result.requests.total > 0,
    serverCpuPercent:
      serverCpu0 !== undefined && serverCpu1 !== undefined
        ? round(((serverCpu1 - serverCpu0) / wallMs) * 100, 1)
        : undefined,
    serverCpuUsPerRequest:
      serverCpu0 !== undefined && serverCpu1 !== undefined && result.requests.total > 0
        ? round(((serverCpu1 - serverCpu0) * 1000) / result.requests.total, 1)
        : undefined,
    loadgenCpuPercent: round(((selfCpu.user + selfCpu.system) / 1000 / wallMs) * 100, 1),
    ...(observed.length === 0 ? {} : { observedCpuPercent }),
    autocannon: {
      latencyMs: result.latency,
      requests: result.requests,
      throughputBytesPerSec: result.throughput,
    },
  };
}

/** The table cells every load benchmark prints after its own leading columns. */
export const LOAD_COLUMNS = [
  'req/s (avg)',
  'p50 ms',
  'p99 ms',
  'errors/non-2xx',
  'server CPU',
  'server µs/req',
  'loadgen CPU',
];

export const percentCell = (value: number | undefined): string =>
  value === undefined ? 'n/a' : `${value.toFixed(0)}%`;

export function loadCells(run: LoadMeasurement): string[] {
  return [
    run.reqPerSec.toFixed(0),
    run.latencyMs.p50.toFixed(3),
    run.latencyMs.p99.toFixed(3),
    `${run.errors}/${run.non2xx}${run.valid ? '' : ' !'}`,
    percentCell(run.serverCpuPercent),
    run.serverCpuUsPerRequest === undefined ? 'n/a' : run.serverCpuUsPerRequest.toFixed(1),
    percentCell(run.loadgenCpuPercent),
  ];
}

/** The run with the median req/s (the lower middle one of an even number). */
export function medianRun(runs: LoadMeasurement[]): LoadMeasurement {
  const sorted = [...runs].sort((a, b) => a.reqPerSec - b.reqPerSec);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  if (median === undefined) throw new Error('no runs to take the median of');
  return median;
}

/** The lowest of the known values: of server CPU per request, the least disturbed round. */
export function minimum(values: (number | undefined)[]): number | undefined {
  const known = values.filter((value): value is number => value !== undefined);
  return known.length === 0 ? undefined : Math.min(...known);
}
