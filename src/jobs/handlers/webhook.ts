/**
 * The `webhook` job: one signed POST per attempt to the subscriber's URL; what failed is recorded
 * on the delivery and retried by the runner within the retry window.
 */
import { AppError } from '../../errors.js';
import { FetchError, type Fetcher, type PostResult } from '../../ports/fetcher.js';
import type { JobFailure } from '../../ports/job-queue.js';
import type { JobRecord } from '../../ports/job-store.js';
import type { DeliveryRecord } from '../../ports/webhook-store.js';
import type { WebhookService } from '../../domain/webhooks.js';
import { LeaseLost, type JobHandler } from '../runner.js';

/** An attempt that failed, with what it means for the job. */
export class DeliveryFailed extends Error {
  constructor(readonly failure: JobFailure) {
    super(failure.message);
    this.name = 'DeliveryFailed';
  }
}

function errorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && !code.startsWith('QUIRE_')) return code;
    current = current.cause;
  }
  return undefined;
}

/**
 * Why a POST got no answer, in words that name no address: the receiver is the tenant's, but
 * what a host name resolves to inside our network is not theirs to learn.
 */
export function deliveryFailure(error: unknown, timeoutMs: number): JobFailure {
  if (error instanceof FetchError) {
    switch (error.kind) {
      case 'not_allowed':
        return {
          code: 'URL_NOT_ALLOWED',
          message: 'The webhook URL leads to an address that is not allowed (SSRF guard)',
          retryable: false,
        };
      case 'timeout':
        return {
          code: 'TIMEOUT',
          message: `The receiver did not answer within ${timeoutMs} ms`,
          retryable: true,
        };
      case 'circuit_open':
        return {
          code: 'UPSTREAM_FAILED',
          message: 'The receiver failed repeatedly; not connecting for now (circuit open)',
          retryable: true,
        };
      default: {
        // TLS and certificate failures too: the receiver may fix them within the retry window.
        const code = errorCode(error);
        return {
          code: 'UPSTREAM_FAILED',
          message: `Could not reach the receiver${code === undefined ? '' : ` (${code})`}`,
          retryable: true,
        };
      }
    }
  }
  return { code: 'INTERNAL', message: 'The delivery failed unexpectedly', retryable: true };
}

export type DeliveryOutcome = 'delivered' | 'retried' | 'failed';

export interface WebhookJobOptions {
  webhooks: WebhookService;
  fetcher: Pick<Fetcher, 'post'>;
  /** One attempt's deadline (QUIRE_WEBHOOK_TIMEOUT_MS). */
  timeoutMs: number;
  /** For `webhook_deliveries_total{outcome}`. */
  onOutcome?: (outcome: DeliveryOutcome) => void;
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
    failure: JobFailure,
  ): Promise<never> {
    await webhooks.recordFailure(delivery, responseStatus, {
      code: failure.code,
      message: failure.message,
    });
    // The runner's rule: a retryable failure with attempts left is retried.
    if (failure.retryable && job.attempts < job.max_attempts) outcome('retried');
    throw new DeliveryFailed(failure);
  }

  return {
    types: ['webhook'],

    classify(error) {
      if (error instanceof DeliveryFailed) return error.failure;
      if (error instanceof AppError)
        return { code: error.code, message: error.detail, retryable: error.retryable };
      return { code: 'INTERNAL', message: 'The delivery failed unexpectedly', retryable: true };
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
      try {
        result = await fetcher.post(webhook.url, { headers, body, signal, timeoutMs });
      } catch (error) {
        if (signal.aborted) throw error; // stopping or lease lost: the runner hands it back
        return failed(job, delivery, null, deliveryFailure(error, timeoutMs));
      }
      if (!isSuccess(result)) {
        const redirect = result.status >= 300 && result.status < 400;
        return failed(job, delivery, result.status, {
          code: 'UPSTREAM_FAILED',
          message: `The receiver answered ${result.status}${redirect ? ' (redirects are not followed)' : ''}`,
          retryable: true,
        });
      }
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
