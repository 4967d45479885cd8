/** Webhook delivery: retry delays and window, attempt timeout, and concurrency. */
import { integer } from './parsers.js';
import type { SettingsTable } from './setting.js';

export interface WebhookConfig {
  webhookRetryBaseMs: number;
  webhookRetryWindowS: number;
  webhookTimeoutMs: number;
  webhookConcurrency: number;
}

export const WEBHOOK_SETTINGS: SettingsTable<WebhookConfig> = {
  webhookRetryBaseMs: {
    key: 'webhookRetryBaseMs',
    env: 'QUIRE_WEBHOOK_RETRY_BASE_MS',
    default: '10000',
    parse: integer(10, 3600000),
    description:
      'First retry delay of a failed webhook delivery; doubled each attempt, capped at 1 hour, jittered by up to 10%.',
  },
  webhookRetryWindowS: {
    key: 'webhookRetryWindowS',
    env: 'QUIRE_WEBHOOK_RETRY_WINDOW_S',
    default: '86400',
    parse: integer(0, 7 * 86400),
    description:
      'How long a failing webhook delivery keeps being retried (at least); then it is `failed` and its job `dead`. 0: one attempt.',
  },
  webhookTimeoutMs: {
    key: 'webhookTimeoutMs',
    env: 'QUIRE_WEBHOOK_TIMEOUT_MS',
    default: '10000',
    parse: integer(100, 120000),
    description:
      'Most time one webhook delivery attempt may take (connect, send, response); past it the attempt fails and is retried.',
  },
  webhookConcurrency: {
    key: 'webhookConcurrency',
    env: 'QUIRE_WEBHOOK_CONCURRENCY',
    default: '8',
    parse: integer(1, 256),
    description: 'Webhook deliveries sent at once per worker process.',
  },
};
