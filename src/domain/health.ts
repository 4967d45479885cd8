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
