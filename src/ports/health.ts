/** A dependency the process needs to serve traffic (database, blob store, queue, Redis…). */
export interface HealthCheck {
  readonly name: string;
  /** Resolves when the dependency answers; rejects (or is aborted) when it does not. */
  check(signal: AbortSignal): Promise<void>;
}
