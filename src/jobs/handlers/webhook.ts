/**
 * The `webhook` job: one signed POST per attempt to the subscriber's URL; what failed is recorded
 * on the delivery and retried by the runner within the retry window.
 */
import type { Fetcher, PostResult } from '../../ports/fetcher.js';
import { inSpan } from '../../shared/spans.js';
import type { Failure } from '../../ports/failures.js';
import type { JobRecord } from '../../ports/job-store.js';
import type { DeliveryRecord } from '../../ports/webhook-store.js';
import type { WebhookDeliveries } from '../../domain/webhooks/deliveries.js';
import { receiverFailure, receiverStatusFailure } from '../failures.js';
import { LeaseLost, type JobHandler } from '../runner.js';

export type DeliveryOutcome = 'delivered' | 'retried' | 'failed';

export interface WebhookJobOptions {
  webhooks: WebhookDeliveries;
  fetcher: Pick<Fetcher, 'post'>;
  /** One attempt's deadline (QUIRE_WEBHOOK_TIMEOUT_MS). */
  timeoutMs: number;
  /** For `webhook_deliveries_total{outcome}`. */
  onOutcome?: (outcome: DeliveryOutcome) => void;
  /** How long the receiver took to answer (a 2xx or not), or to fail (for its latency metric). */
  onResponse?: (success: boolean, seconds: number) => void;
}

const isSuccess = (result: PostResult): boolean => result.status >= 200 && result.status < 300;

/** Sends deliveries: one signed POST per attempt; the runner retries what failed. */
export function webhookJobHandler(options: WebhookJobOptions): JobHandler {
  const { webhooks, fetcher, timeoutMs } = options;
  const outcome = (value: DeliveryOutcome): void => options.onOutcome?.(value);

  async function failed(
    job: JobRecord,
    delivery: DeliveryRecord,
    responseStatus: number | null,
    failure: Failure,
  ): Promise<never> {
    await webhooks.recordFailure(delivery, responseStatus, {
      code: failure.code,
      message: failure.message,
    });
    // The runner's rule: a retryable failure with attempts left is retried.
    if (failure.retryable && job.attempts < job.max_attempts) outcome('retried');
    throw failure;
  }

  return {
    types: ['webhook'],

    unexpected: {
      code: 'INTERNAL',
      message: 'The delivery failed unexpectedly',
      retryable: true,
    },

    async run(job, { signal, owner, progress }) {
      const target = await webhooks.deliveryTarget(job);
      if (target === null) {
        await webhooks.settleUnsent(job, owner);
        return;
      }
      const { delivery, webhook, secret } = target;
      progress({ done: job.attempts, total: job.max_attempts, unit: 'attempts' });
      const { body, headers } = webhooks.signedRequest(delivery, secret);
      let result: PostResult;
      const sent = performance.now();
      const answered = (success: boolean): void =>
        options.onResponse?.(success, (performance.now() - sent) / 1000);
      try {
        const attributes = {
          'quire.webhook.id': webhook.id,
          'quire.webhook.event': delivery.event,
          'quire.webhook.delivery_id': delivery.id,
        };
        result = await inSpan('webhook deliver', { attributes }, async (span) => {
          const posted = await fetcher.post(webhook.url, {
            headers,
            body,
            signal,
            timeoutMs,
            scope: job.tenant_id,
          });
          span.setAttribute('http.response.status_code', posted.status);
          return posted;
        });
      } catch (error) {
        if (signal.aborted) throw error; // stopping or lease lost: the runner hands it back
        answered(false);
        return failed(job, delivery, null, receiverFailure(error, timeoutMs));
      }
      answered(isSuccess(result));
      if (!isSuccess(result))
        return failed(job, delivery, result.status, receiverStatusFailure(result.status));
      const completed = await webhooks.recordDelivered(job, owner, delivery, result.status);
      outcome('delivered');
      if (!completed) throw new LeaseLost(job.id);
    },

    async onFinalFailure(job, failure) {
      await webhooks.markFailed(job, failure);
      outcome('failed');
    },
  };
}
