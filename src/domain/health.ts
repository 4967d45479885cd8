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

export async function runHealthChecks(
  checks: readonly HealthCheck[],
  timeoutMs: number,
): Promise<Record<string, CheckResult>> {
  const results = await Promise.all(checks.map((check) => runOne(check, timeoutMs)));
  return Object.fromEntries(checks.map((check, i) => [check.name, results[i] as CheckResult]));
}

export function allOk(results: Record<string, CheckResult>): boolean {
  return Object.values(results).every((result) => result.status === 'ok');
}
