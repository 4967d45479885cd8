/** Runs dependency checks concurrently, each bounded by a timeout, and reports per check. */
import type { HealthCheck } from '../ports/health.js';

export interface CheckResult {
  status: 'ok' | 'fail';
  latency_ms: number;
  /** Why it failed; shown only on the admin /health, never on the public /readyz. */
  error?: string;
}

async function runOne(check: HealthCheck, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    await Promise.race([check.check(controller.signal), timeout]);
    return { status: 'ok', latency_ms: elapsed(started) };
  } catch (error) {
    return { status: 'fail', latency_ms: elapsed(started), error: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}

export interface HealthReport {
  checks: Record<string, CheckResult>;
  /** Every critical check passed: the process can serve traffic. */
  ready: boolean;
  /** Some non-critical check failed: serving, with less (e.g. rate limits failing open). */
  degraded: boolean;
}

export async function runHealthChecks(
  checks: readonly HealthCheck[],
  timeoutMs: number,
): Promise<HealthReport> {
  const results = await Promise.all(checks.map((check) => runOne(check, timeoutMs)));
  const failed = (critical: boolean): boolean =>
    checks.some(
      (check, i) => (check.critical ?? true) === critical && results[i]?.status === 'fail',
    );
  return {
    checks: Object.fromEntries(checks.map((check, i) => [check.name, results[i] as CheckResult])),
    ready: !failed(true),
    degraded: failed(false),
  };
}

/** Why /health says `degraded`: each reason an operator can act on, with what it concerns. */
export type DegradationReason =
  'shedding' | 'breaker_open' | 'queue_backlog' | 'slow_dependency' | 'dependency_down';

export interface Degradation {
  reason: DegradationReason;
  /** The threshold crossed, the breaker's name, the queued count, or the check's name. */
  detail: string;
}

export interface OperationalState {
  checks: readonly HealthCheck[];
  report: HealthReport;
  /** The load-shedding threshold currently crossed (requests get 503 OVERLOADED), or null. */
  shedding: string | null;
  /** Circuit breakers by name: `open` ones stop calls to their upstream. */
  breakers: Record<string, string>;
  /** Jobs waiting across every process; undefined when the count could not be read. */
  queued: number | undefined;
  maxQueued: number;
  slowCheckMs: number;
}

/**
 * Everything that makes a serving process `degraded`: shedding, an open breaker, a queue backed
 * up past its threshold, a dependency that answers but slowly, or a non-critical one that fails.
 */
export function degradations(state: OperationalState): Degradation[] {
  const found: Degradation[] = [];
  if (state.shedding !== null) found.push({ reason: 'shedding', detail: state.shedding });
  for (const [name, breaker] of Object.entries(state.breakers))
    if (breaker === 'open') found.push({ reason: 'breaker_open', detail: name });
  if (state.queued !== undefined && state.queued > state.maxQueued)
    found.push({ reason: 'queue_backlog', detail: `${state.queued} queued` });
  for (const check of state.checks) {
    const result = state.report.checks[check.name];
    if (result === undefined) continue;
    if (result.status === 'fail' && check.critical === false)
      found.push({ reason: 'dependency_down', detail: check.name });
    else if (result.status === 'ok' && result.latency_ms > state.slowCheckMs)
      found.push({ reason: 'slow_dependency', detail: `${check.name} (${result.latency_ms} ms)` });
  }
  return found;
}
