/** A dependency the process needs to serve traffic (database, blob store, queue, Redis…). */
export interface HealthCheck {
  readonly name: string;
  /**
   * False for a dependency the service degrades without (Redis behind fail-open rate limits):
   * its failure makes /health `degraded` but leaves /readyz ready. Default true.
   */
  readonly critical?: boolean;
  /** Resolves when the dependency answers; rejects (or is aborted) when it does not. */
  check(signal: AbortSignal): Promise<void>;
}
