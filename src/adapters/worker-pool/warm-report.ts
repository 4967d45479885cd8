/**
 * The message a pool thread posts once it has started and run its entry's `warmUp`: the pool
 * counts warm threads from it. Kept apart from thread-entry.ts, which runs as it is imported.
 */

export interface WarmReport {
  type: 'quire:thread-warm';
  threadId: number;
  /** From the thread's start to the end of its warm-up. */
  ms: number;
  /** Why the warm-up failed; the thread still takes tasks (each loads what it needs). */
  error?: string;
}

export function isWarmReport(message: unknown): message is WarmReport {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { type?: unknown }).type === 'quire:thread-warm' &&
    typeof (message as { threadId?: unknown }).threadId === 'number'
  );
}
