/**
 * The trace a job joins: its payload keeps the W3C headers of the span that queued it under
 * TRACE_CONTEXT_FIELD, so the worker that runs it — in this process or another, from the SQL
 * queue or BullMQ — continues the same trace. The field never leaves through the API.
 */
import type { JobType } from '../ports/job-store.js';
import { enqueueCarrier } from '../shared/spans.js';

export const TRACE_CONTEXT_FIELD = 'trace_context';

export function withTraceCarrier(
  payload: Record<string, unknown>,
  jobId: string,
  type: JobType,
): Record<string, unknown> {
  const carrier = enqueueCarrier(`enqueue ${type}`, {
    'messaging.operation.type': 'send',
    'quire.job.id': jobId,
    'quire.job.type': type,
  });
  return carrier === undefined ? payload : { ...payload, [TRACE_CONTEXT_FIELD]: carrier };
}
